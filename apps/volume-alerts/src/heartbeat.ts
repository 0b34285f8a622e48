import { backoffDelay } from '@volspike/runtime';
import type { Logger } from '@volspike/runtime';

export interface HeartbeatBody {
  component: 'volume-alerts';
  status: string;
  details: Record<string, unknown>;
}

/**
 * `POST /api/heartbeats` after each cycle (`sendNow`) and every `intervalMs` in between (the backend marks a
 * component stale after 60 s). Not queued: a missed heartbeat is superseded by the next. Failures are
 * logged once per outage.
 */
export class HeartbeatSender {
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private failures = 0;
  private inflight: Promise<boolean> | null = null;

  constructor(
    private readonly opts: {
      target: { url: string; apiKey: string } | null;
      intervalMs: number;
      body: () => HeartbeatBody;
      logger: Logger;
      fetchImpl?: typeof fetch;
    },
  ) {}

  start(): void {
    if (this.running || !this.opts.target) return;
    this.running = true;
    this.schedule(0);
  }

  async stop(finalStatus?: string): Promise<void> {
    const was = this.running;
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.inflight;
    if (was && finalStatus) await this.send({ ...this.opts.body(), status: finalStatus }, 2000);
  }

  /** Sends one heartbeat now (after a cycle). */
  async sendNow(): Promise<boolean> {
    if (!this.opts.target) return false;
    return this.send(this.opts.body());
  }

  private async send(body: HeartbeatBody, timeoutMs = 5000): Promise<boolean> {
    const target = this.opts.target;
    if (!target) return false;
    try {
      const res = await (this.opts.fetchImpl ?? fetch)(new URL('/api/heartbeats', target.url), {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'X-API-Key': target.apiKey },
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
      this.failures++;
      return false;
    }
  }

  private schedule(delayMs: number): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.inflight = this.send(this.opts.body());
      void this.inflight.then(() => {
        this.inflight = null;
        const i = this.opts.intervalMs;
        this.schedule(this.failures === 0 ? i : backoffDelay(this.failures, { baseMs: i, maxMs: 8 * i }));
      });
    }, delayMs);
    this.timer.unref?.();
  }
}
