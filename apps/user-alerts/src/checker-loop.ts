import { backoffDelay } from '@volspike/runtime';
import type { Logger } from '@volspike/runtime';
import type { UserAlertChecker } from './checker.js';

/**
 * The evaluation loop: a setTimeout chain with an in-flight guard, the checker's period between
 * iterations, and backoff (1 s … 60 s, never shorter than the period) while iterations fail.
 */
export class CheckerLoop {
  private failures = 0;
  private inFlight: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(private readonly opts: { checker: UserAlertChecker; logger: Logger }) {}

  /** Runs one iteration now (or joins the one running); never rejects. */
  runOnce(): Promise<void> {
    this.inFlight ??= (async () => {
      try {
        await this.opts.checker.iterate();
        this.failures = 0;
      } catch (err) {
        this.failures++;
        this.opts.checker.recordError(err);
        this.opts.logger.warn({ err, failures: this.failures }, 'user-alert iteration failed; backing off');
      } finally {
        this.inFlight = null;
      }
    })();
    return this.inFlight;
  }

  start(): void {
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.inFlight;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.runOnce().then(() => this.schedule(this.nextDelay()));
    }, delayMs);
  }

  private nextDelay(): number {
    const period = this.opts.checker.periodMs;
    if (this.failures === 0) return period;
    return Math.max(period, backoffDelay(this.failures - 1, { baseMs: 1000, maxMs: 60_000 }));
  }
}
