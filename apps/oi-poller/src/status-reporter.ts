import type { BackendClient } from '@volspike/backend-client';
import type { WeightBudget } from '@volspike/binance-client';
import { CHANNELS, HeartbeatSender, KEYS, type Bus, type Logger, type OiScheduleMessage } from '@volspike/runtime';

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
  /** The backend client (route `heartbeat`). */
  backend: Pick<BackendClient, 'send'>;
  heartbeatIntervalMs: number;
  budgetIntervalMs: number;
  /** Current status (also what /health shows). */
  status: () => PollerStatus;
  /** The per-symbol poll ledger, stored on the bus (KEYS.oiSchedule) on every budget tick for /debug/rate-limit. */
  schedule?: () => OiScheduleMessage;
  /** Called on every budget tick (metrics refresh, replan when the budget's availability changed). */
  onTick?: () => void;
}

/** The part of the status whose change is worth one log line (never per tick). */
function stateKey(s: PollerStatus): string {
  return JSON.stringify({
    status: s.status,
    reasons: s.reasons,
    universeSize: s.universeSize,
    pollIntervalMs: s.pollIntervalMs,
    erroring: s.errorsPerMin > 0,
  });
}

/**
 * Heartbeats to the backend (`POST /api/heartbeats` every 15 s, `stopped` on a clean shutdown), the
 * weight-budget snapshot on the bus every 5 s (CHANNELS.budget + `weight-budget:latest` for
 * /debug/rate-limit), and one log line per state change.
 */
export class StatusReporter {
  private budgetTimer: NodeJS.Timeout | null = null;
  private running = false;
  private budgetInFlight: Promise<void> | null = null;
  private lastState: string | null = null;
  private readonly log: Logger;
  private readonly heartbeat: HeartbeatSender;

  constructor(private readonly opts: StatusReporterOptions) {
    this.log = opts.logger.child({ component: 'status' });
    this.heartbeat = new HeartbeatSender({
      component: 'oi-poller',
      post: (body, timeoutMs) => opts.backend.send('heartbeat', { body, timeoutMs }),
      intervalMs: opts.heartbeatIntervalMs,
      // a fixed 15 s beat, as before: the outage is logged once, the interval stays
      backoff: false,
      report: () => {
        const s = this.opts.status();
        if (this.running) this.logIfChanged(s);
        const details = {
          universeSize: s.universeSize,
          pollIntervalMs: s.pollIntervalMs,
          pollsPerMin: s.pollsPerMin,
          errorsPerMin: s.errorsPerMin,
          alertsPerMin: s.alertsPerMin,
          maxSampleAgeMs: s.maxSampleAgeMs,
          outboxDepth: s.outboxDepth,
          reasons: s.reasons,
          // what the scheduler really does: the backend's liquid-universe interval and /debug/rate-limit
          ...(s.scheduler !== undefined ? { scheduler: s.scheduler } : {}),
        };
        return { status: s.status, details };
      },
      logger: this.log,
    });
  }

  start(): void {
    this.running = true;
    this.heartbeat.start(0);
    this.armBudget(0);
  }

  /** Stops the timers and sends a final `stopped` heartbeat (best effort, 2 s). */
  async stop(): Promise<void> {
    this.running = false;
    if (this.budgetTimer) clearTimeout(this.budgetTimer);
    this.budgetTimer = null;
    const heartbeat = this.heartbeat.stop({ finalStatus: 'stopped' });
    await this.budgetInFlight;
    await heartbeat;
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
      await this.opts.bus.setJson(KEYS.budgetLatest, snap);
      if (this.opts.schedule) await this.opts.bus.setJson(KEYS.oiSchedule, this.opts.schedule());
    } catch (err) {
      this.log.debug({ err }, 'could not publish the weight-budget snapshot');
    }
  }

  logIfChanged(s: PollerStatus): void {
    const key = stateKey(s);
    if (key === this.lastState) return;
    this.lastState = key;
    const fields = {
      status: s.status,
      reasons: s.reasons,
      universeSize: s.universeSize,
      pollIntervalMs: s.pollIntervalMs,
      pollsPerMin: s.pollsPerMin,
      errorsPerMin: s.errorsPerMin,
      alertsPerMin: s.alertsPerMin,
      outboxDepth: s.outboxDepth,
    };
    if (s.status === 'degraded') this.log.warn(fields, 'oi-poller state changed');
    else this.log.info(fields, 'oi-poller state changed');
  }
}
