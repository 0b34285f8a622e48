import type { WeightBudget } from '@volspike/binance-client';
import { CHANNELS, type Bus, type Logger } from '@volspike/runtime';

export interface PollerStatus {
  status: 'ok' | 'degraded' | 'starting';
  reasons: string[];
  universeSize: number;
  pollIntervalMs: number | null;
  pollsPerMin: number;
  errorsPerMin: number;
  alertsPerMin: number;
  maxSampleAgeMs: number | null;
  outboxDepth: number;
  [extra: string]: unknown;
}

export interface StatusReporterOptions {
  bus: Bus;
  budget: WeightBudget;
  logger: Logger;
  apiUrl: string;
  apiKey: string | undefined;
  heartbeatIntervalMs: number;
  budgetIntervalMs: number;
  /** Current status (also what /health shows). */
  status: () => PollerStatus;
  /** Called on every budget tick (metrics refresh, replan when the budget's availability changed). */
  onTick?: () => void;
  fetchImpl?: typeof fetch;
}

/** The part of the status whose change is worth one log line (never per tick). */
function stateKey(s: PollerStatus): string {
  return JSON.stringify({ status: s.status, reasons: s.reasons, universeSize: s.universeSize, pollIntervalMs: s.pollIntervalMs, erroring: s.errorsPerMin > 0 });
}

/**
 * Heartbeats to the backend (`POST /api/heartbeats` every 15 s, `stopped` on a clean shutdown), the
 * weight-budget snapshot on the bus every 5 s (CHANNELS.budget + `weight-budget:latest` for
 * /debug/rate-limit), and one log line per state change.
 */
export class StatusReporter {
  private hbTimer: NodeJS.Timeout | null = null;
  private budgetTimer: NodeJS.Timeout | null = null;
  private running = false;
  private hbInFlight: Promise<void> | null = null;
  private budgetInFlight: Promise<void> | null = null;
  private lastState: string | null = null;
  private hbFailing = false;
  private readonly log: Logger;
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly opts: StatusReporterOptions) {
    this.log = opts.logger.child({ component: 'status' });
    this.fetchImpl = opts.fetchImpl ?? fetch;
  }

  start(): void {
    this.running = true;
    this.armHeartbeat(0);
    this.armBudget(0);
  }

  /** Stops the timers and sends a final `stopped` heartbeat (best effort, 2 s). */
  async stop(): Promise<void> {
    this.running = false;
    if (this.hbTimer) clearTimeout(this.hbTimer);
    if (this.budgetTimer) clearTimeout(this.budgetTimer);
    this.hbTimer = null;
    this.budgetTimer = null;
    await this.hbInFlight;
    await this.budgetInFlight;
    const s = this.opts.status();
    await this.heartbeat('stopped', s, 2000);
  }

  private armHeartbeat(delay: number): void {
    if (!this.running) return;
    this.hbTimer = setTimeout(() => {
      this.hbTimer = null;
      const s = this.opts.status();
      this.logIfChanged(s);
      this.hbInFlight = this.heartbeat(s.status, s, 5000).finally(() => {
        this.hbInFlight = null;
        this.armHeartbeat(this.opts.heartbeatIntervalMs);
      });
    }, delay);
  }

  private armBudget(delay: number): void {
    if (!this.running) return;
    this.budgetTimer = setTimeout(() => {
      this.budgetTimer = null;
      this.budgetInFlight = this.budgetTick().finally(() => {
        this.budgetInFlight = null;
        this.armBudget(this.opts.budgetIntervalMs);
      });
    }, delay);
  }

  private async budgetTick(): Promise<void> {
    try {
      this.opts.onTick?.();
    } catch (err) {
      this.log.error({ err }, 'status tick failed');
    }
    this.logIfChanged(this.opts.status());
    const snap = this.opts.budget.snapshot();
    try {
      await this.opts.bus.publish(CHANNELS.budget, snap);
      await this.opts.bus.setJson('weight-budget:latest', snap);
    } catch (err) {
      this.log.debug({ err }, 'could not publish the weight-budget snapshot');
    }
  }

  logIfChanged(s: PollerStatus): void {
    const key = stateKey(s);
    if (key === this.lastState) return;
    this.lastState = key;
    const fields = { status: s.status, reasons: s.reasons, universeSize: s.universeSize, pollIntervalMs: s.pollIntervalMs, pollsPerMin: s.pollsPerMin, errorsPerMin: s.errorsPerMin, alertsPerMin: s.alertsPerMin, outboxDepth: s.outboxDepth };
    if (s.status === 'degraded') this.log.warn(fields, 'oi-poller state changed');
    else this.log.info(fields, 'oi-poller state changed');
  }

  private async heartbeat(status: string, s: PollerStatus, timeoutMs: number): Promise<void> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.opts.apiKey) headers['X-API-Key'] = this.opts.apiKey;
    const details = { universeSize: s.universeSize, pollIntervalMs: s.pollIntervalMs, pollsPerMin: s.pollsPerMin, errorsPerMin: s.errorsPerMin, alertsPerMin: s.alertsPerMin, maxSampleAgeMs: s.maxSampleAgeMs, outboxDepth: s.outboxDepth, reasons: s.reasons };
    try {
      const res = await this.fetchImpl(`${this.opts.apiUrl}/api/heartbeats`, { method: 'POST', headers, body: JSON.stringify({ component: 'oi-poller', status, details }), signal: AbortSignal.timeout(timeoutMs) });
      await res.body?.cancel();
      if (!res.ok) throw new Error(`heartbeat answered ${res.status}`);
      if (this.hbFailing) this.log.info('heartbeats delivered again');
      this.hbFailing = false;
    } catch (err) {
      if (!this.hbFailing) this.log.warn({ err }, 'heartbeat to the backend failed (logged once until it works again)');
      this.hbFailing = true;
    }
  }
}
