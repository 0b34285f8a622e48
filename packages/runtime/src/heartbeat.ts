import type { Logger } from 'pino';
import { backoffDelay } from './retry.js';

/** What a component reports in each heartbeat (the body adds `component`). */
export interface HeartbeatReport {
  status: string;
  details: Record<string, unknown>;
}

/** `POST /api/heartbeats` body (docs/legacy-contracts.md: `{ component, status, details }`). */
export interface HeartbeatBody extends HeartbeatReport {
  component: string;
}

export interface HeartbeatTimers {
  setTimeout(fn: () => void, ms: number): NodeJS.Timeout;
  clearTimeout(timer: NodeJS.Timeout): void;
}

export interface HeartbeatSenderOptions {
  /** `component` of every heartbeat. */
  component: string;
  /**
   * Delivers one heartbeat (the backend client's `send('heartbeat', …)`): resolves when accepted, rejects
   * otherwise. When given, `apiUrl`/`apiKey`/`url`/`fetchImpl` are not used.
   */
  post?: ((body: HeartbeatBody, timeoutMs: number) => Promise<unknown>) | null;
  /** Backend base URL (`VOLSPIKE_API_URL`); null/undefined (and no `post`) disables the sender (start, sendNow, stop do nothing). */
  apiUrl?: string | null | undefined;
  /** Sent as `X-API-Key` when set. */
  apiKey?: string | undefined;
  /** The full endpoint, when it is not `new URL('/api/heartbeats', apiUrl)` (e.g. an apiUrl with a path prefix). */
  url?: string;
  intervalMs: number;
  /** Called for every heartbeat: the component's status and details right now. */
  report: () => HeartbeatReport;
  logger: Logger;
  /** While heartbeats fail, wait `backoffDelay(failures, interval … 8 × interval)` instead of the interval. Default true. */
  backoff?: boolean;
  /** Per request (default 5000 ms); the final `stopped` heartbeat gets 2000 ms. */
  timeoutMs?: number;
  fetchImpl?: typeof fetch;
  /** Jitter source of the backoff (tests). */
  random?: () => number;
  /** Timer functions (tests; default the global ones). */
  timers?: HeartbeatTimers;
}

/**
 * Heartbeats to the backend: `POST /api/heartbeats {component, status, details}` with `X-API-Key`, on a
 * setTimeout chain with an in-flight guard — every `intervalMs` while the backend answers 2xx, backing off
 * (jittered, capped at 8 intervals) while it does not. Heartbeats are not queued: a missed one is superseded
 * by the next. A failure is logged once per outage and the recovery once. `stop({ finalStatus: 'stopped' })`
 * sends one last heartbeat (2 s timeout), which tells the backend to stop expecting this component.
 */
export class HeartbeatSender {
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private failures = 0;
  private inflight: Promise<boolean> | null = null;
  private readonly timers: HeartbeatTimers;
  private readonly endpoint: string | null;

  constructor(private readonly opts: HeartbeatSenderOptions) {
    this.timers = opts.timers ?? { setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (t) => clearTimeout(t) };
    this.endpoint = opts.post
      ? 'post'
      : (opts.url ?? (opts.apiUrl ? new URL('/api/heartbeats', opts.apiUrl).toString() : null));
  }

  /** False when no backend URL was given. */
  enabled(): boolean {
    return this.endpoint !== null;
  }

  /** Consecutive failed heartbeats (0 while the backend answers). */
  failureCount(): number {
    return this.failures;
  }

  /** Starts the chain; the first heartbeat goes after `firstDelayMs`. */
  start(firstDelayMs = 0): void {
    if (this.running || !this.endpoint) return;
    this.running = true;
    this.schedule(firstDelayMs);
  }

  /** Stops the chain, waits for a heartbeat in flight, then (when it was running) sends `finalStatus` if given. */
  async stop(opts: { finalStatus?: string } = {}): Promise<void> {
    const wasRunning = this.running;
    this.running = false;
    if (this.timer) this.timers.clearTimeout(this.timer);
    this.timer = null;
    await this.inflight;
    if (wasRunning && opts.finalStatus) await this.send({ ...this.opts.report(), status: opts.finalStatus }, 2_000);
  }

  /**
   * Sends one heartbeat now (e.g. after a cycle, or `starting` at start) outside the chain; `status`
   * overrides the report's. Resolves true on 2xx.
   */
  async sendNow(status?: string): Promise<boolean> {
    if (!this.endpoint) return false;
    const report = this.opts.report();
    return this.send(status === undefined ? report : { ...report, status }, this.opts.timeoutMs ?? 5_000);
  }

  private async send(report: HeartbeatReport, timeoutMs: number): Promise<boolean> {
    if (!this.endpoint) return false;
    const body: HeartbeatBody = { component: this.opts.component, status: report.status, details: report.details };
    try {
      if (this.opts.post) await this.opts.post(body, timeoutMs);
      else await this.fetchOne(body, timeoutMs);
      if (this.failures > 0) this.opts.logger.info({ failures: this.failures }, 'heartbeats delivered again');
      this.failures = 0;
      return true;
    } catch (err) {
      if (this.failures === 0) {
        this.opts.logger.warn(
          { err },
          this.backoff()
            ? 'heartbeat failed; backing off'
            : 'heartbeat to the backend failed (logged once until it works again)',
        );
      }
      this.failures += 1;
      return false;
    }
  }

  private async fetchOne(body: HeartbeatBody, timeoutMs: number): Promise<void> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.opts.apiKey) headers['X-API-Key'] = this.opts.apiKey;
    const res = await (this.opts.fetchImpl ?? fetch)(this.endpoint ?? '', {
      method: 'POST',
      headers,
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.body?.cancel();
    if (!res.ok) throw new Error(`backend answered ${res.status}`);
  }

  private backoff(): boolean {
    return this.opts.backoff ?? true;
  }

  private nextDelay(): number {
    const i = this.opts.intervalMs;
    if (this.failures === 0 || !this.backoff()) return i;
    return backoffDelay(this.failures, {
      baseMs: i,
      maxMs: 8 * i,
      ...(this.opts.random ? { random: this.opts.random } : {}),
    });
  }

  private schedule(delayMs: number): void {
    if (!this.running) return;
    this.timer = this.timers.setTimeout(() => {
      this.timer = null;
      const sending = this.send(this.opts.report(), this.opts.timeoutMs ?? 5_000);
      this.inflight = sending;
      void sending.then(() => {
        this.inflight = null;
        this.schedule(this.nextDelay());
      });
    }, delayMs);
    this.timer.unref?.();
  }
}
