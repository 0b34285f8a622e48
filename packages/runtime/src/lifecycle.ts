import type { Logger } from 'pino';

interface Component {
  name: string;
  stop: () => Promise<void> | void;
}

export interface LifecycleOptions {
  logger: Logger;
  /** Whole-shutdown deadline; components still stopping after it are abandoned (logged). Default 10 000 ms. */
  deadlineMs?: number;
}

/**
 * The one shutdown path of a process. Components are stopped in REVERSE order of `add` (so what
 * was started first — database, bus — is closed last), one at a time, each error logged and skipped,
 * all within `deadlineMs`. `shutdown` is idempotent: later calls return the first call's promise.
 */
export class Lifecycle {
  private readonly logger: Logger;
  private readonly deadlineMs: number;
  private readonly components: Component[] = [];
  private shutdownPromise: Promise<void> | null = null;
  private exitCode = 0;
  private installed: { event: string; listener: (...args: unknown[]) => void }[] = [];

  constructor(opts: LifecycleOptions) {
    this.logger = opts.logger;
    this.deadlineMs = opts.deadlineMs ?? 10_000;
  }

  /** Registers a component to stop at shutdown. Added after shutdown began: stopped right away. */
  add(name: string, stop: () => Promise<void> | void): void {
    if (this.shutdownPromise) {
      this.logger.warn({ component: name }, 'component added during shutdown; stopping it now');
      void this.stopOne({ name, stop });
      return;
    }
    this.components.push({ name, stop });
  }

  isShuttingDown(): boolean {
    return this.shutdownPromise !== null;
  }

  shutdown(reason: string): Promise<void> {
    this.shutdownPromise ??= this.run(reason);
    return this.shutdownPromise;
  }

  private async run(reason: string): Promise<void> {
    const startedAt = Date.now();
    this.logger.info({ reason, components: this.components.length }, 'shutting down');
    const pending = [...this.components].reverse();
    let current: string | null = null;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'deadline'>((resolve) => {
      timer = setTimeout(() => resolve('deadline'), this.deadlineMs);
      timer.unref();
    });
    const stopAll = (async () => {
      for (const c of pending) {
        current = c.name;
        await this.stopOne(c);
      }
      current = null;
      return 'done' as const;
    })();
    const outcome = await Promise.race([stopAll, deadline]);
    clearTimeout(timer);
    if (outcome === 'deadline') {
      const idx = current === null ? pending.length : pending.findIndex((c) => c.name === current);
      const abandoned = pending.slice(Math.max(0, idx)).map((c) => c.name);
      this.logger.error(
        { reason, deadlineMs: this.deadlineMs, stuck: current, abandoned },
        'shutdown deadline passed; abandoning remaining components',
      );
      return;
    }
    this.logger.info({ reason, ms: Date.now() - startedAt }, 'shutdown complete');
  }

  private async stopOne(c: Component): Promise<void> {
    try {
      await c.stop();
      this.logger.debug({ component: c.name }, 'stopped');
    } catch (err) {
      this.logger.error({ err, component: c.name }, 'component failed to stop cleanly');
    }
  }

  /**
   * SIGTERM/SIGINT → shutdown → onExit(0); a second signal during shutdown → onExit(1) at once.
   * unhandledRejection/uncaughtException → logged fatal → shutdown → onExit(1).
   */
  installSignalHandlers(onExit: (code: number) => void): void {
    if (this.installed.length > 0) return;
    const on = (event: string, listener: (...args: unknown[]) => void): void => {
      process.on(event, listener);
      this.installed.push({ event, listener });
    };
    for (const signal of ['SIGTERM', 'SIGINT'] as const) on(signal, () => this.handleSignal(signal, onExit));
    on('unhandledRejection', (reason) => this.handleFatal('unhandledRejection', reason, onExit));
    on('uncaughtException', (err) => this.handleFatal('uncaughtException', err, onExit));
  }

  /** Removes what installSignalHandlers added (tests, embedding). */
  removeSignalHandlers(): void {
    for (const { event, listener } of this.installed) process.off(event, listener);
    this.installed = [];
  }

  /** What a SIGTERM/SIGINT does; public so that it can be tested without sending signals. */
  handleSignal(signal: string, onExit: (code: number) => void): void {
    if (this.shutdownPromise) {
      this.logger.warn({ signal }, 'second signal during shutdown; exiting now');
      onExit(1);
      return;
    }
    this.logger.info({ signal }, 'signal received');
    void this.shutdown(signal).then(() => onExit(this.exitCode));
  }

  /** What an unhandled rejection or uncaught exception does. */
  handleFatal(kind: 'unhandledRejection' | 'uncaughtException', err: unknown, onExit: (code: number) => void): void {
    this.logger.fatal({ err }, kind);
    this.exitCode = 1;
    // During a signal-started shutdown the signal path exits (now with code 1).
    if (this.shutdownPromise) return;
    void this.shutdown(kind).then(() => onExit(1));
  }
}
