// Same design as universe-job's sender (apps do not import each other).
import { backoffDelay } from '@volspike/runtime';
import type { Logger } from '@volspike/runtime';

export interface HeartbeatBody {
  component: string;
  status: string;
  details: Record<string, unknown>;
}

/**
 * `POST /api/heartbeats` on a setTimeout chain: every `intervalMs` while the backend answers, backing off
 * (jittered, capped at 8 intervals) while it does not. Heartbeats are not queued: a missed one is simply
 * superseded by the next. Failures are logged once per outage.
 */
export class HeartbeatSender {
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private failures = 0;
  private inflight: Promise<void> | null = null;

  constructor(
    private readonly opts: {
      apiUrl: string;
      apiKey: string | undefined;
      intervalMs: number;
      body: () => HeartbeatBody;
      logger: Logger;
      fetchImpl?: typeof fetch;
    },
  ) {}

  start(firstDelayMs = 0): void {
    if (this.running) return;
    this.running = true;
    this.schedule(firstDelayMs);
  }

  /**
   * Stops the chain. With `finalStatus` (e.g. `stopped`, which tells the backend to stop expecting
   * heartbeats) one last heartbeat is attempted with a short timeout.
   */
  async stop(opts: { finalStatus?: string } = {}): Promise<void> {
    const wasRunning = this.running;
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.inflight;
    if (wasRunning && opts.finalStatus) await this.send({ ...this.opts.body(), status: opts.finalStatus }, 2_000);
  }

  /** Sends one heartbeat now; resolves true on 2xx. */
  async send(body: HeartbeatBody = this.opts.body(), timeoutMs = 5_000): Promise<boolean> {
    const url = new URL('/api/heartbeats', this.opts.apiUrl);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.opts.apiKey) headers['x-api-key'] = this.opts.apiKey;
    try {
      const res = await (this.opts.fetchImpl ?? fetch)(url, {
        method: 'POST',
        headers,
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
      await res.body?.cancel();
      if (!res.ok) throw new Error(`backend answered ${res.status}`);
      if (this.failures > 0) this.opts.logger.info({ failures: this.failures }, 'heartbeats delivered again');
      this.failures = 0;
      return true;
    } catch (err) {
      if (this.failures === 0) this.opts.logger.warn({ err }, 'heartbeat failed; backing off');
      this.failures += 1;
      return false;
    }
  }

  private schedule(delayMs: number): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.inflight = this.send()
        .then(() => {
          const i = this.opts.intervalMs;
          this.schedule(this.failures === 0 ? i : backoffDelay(this.failures, { baseMs: i, maxMs: 8 * i }));
        })
        .finally(() => {
          this.inflight = null;
        });
    }, delayMs);
    this.timer.unref?.();
  }
}
