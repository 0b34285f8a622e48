import type { HeartbeatReport, Logger } from '@volspike/runtime';
import type { AlertDelivery } from './alert-delivery.js';
import type { CandleSource } from './candle-source.js';
import type { CycleScheduler } from './cycle-scheduler.js';
import type { OiSnapshotJob, SnapshotResult } from './oi-snapshot-job.js';
import type { CycleResult, VolumeCycle } from './volume-cycle.js';

export interface CycleOutcome {
  volume: CycleResult;
  snapshot: SnapshotResult | null;
}

/** One full cycle (volume scan, then the OI snapshot), and what the last one left for /health and heartbeats. */
export class CycleRunner {
  private last: CycleOutcome | null = null;
  private lastError: string | null = null;
  /** Called after every cycle, failed or not (the live heartbeat). */
  afterCycle: () => void = () => undefined;

  constructor(private readonly opts: { cycle: VolumeCycle; snapshot: OiSnapshotJob | null; logger: Logger }) {}

  async run(cycleTime: number): Promise<CycleOutcome> {
    try {
      const volume = await this.opts.cycle.run(cycleTime);
      let snapshot: SnapshotResult | null = null;
      if (this.opts.snapshot) {
        try {
          snapshot = await this.opts.snapshot.run(volume.symbols, cycleTime);
        } catch (err) {
          this.opts.logger.error({ err }, 'OI snapshot failed');
        }
      }
      this.last = { volume, snapshot };
      this.lastError = null;
      return this.last;
    } catch (err) {
      this.lastError = err instanceof Error ? err.message : String(err);
      throw err;
    } finally {
      this.afterCycle();
    }
  }

  heartbeat(): HeartbeatReport {
    const { last, lastError } = this;
    const error = lastError ? { error: lastError } : {};
    return {
      status: lastError ? 'degraded' : 'ok',
      details: last
        ? {
            lastCycleAt: new Date(last.volume.cycleTime).toISOString(),
            symbols: last.volume.symbols.length,
            alerts: last.volume.alerts.length,
            durationMs: last.volume.durationMs,
            source: last.volume.source,
            ...error,
          }
        : { lastCycleAt: null, ...error },
    };
  }

  health(p: {
    now: number;
    mode: 'live' | 'replay';
    scheduler: CycleScheduler | null;
    live: CandleSource | null;
    delivery: AlertDelivery;
  }): { ok: boolean; body: Record<string, unknown> } {
    const { last, lastError } = this;
    const age = last ? p.now - last.volume.cycleTime : null;
    return {
      ok: lastError === null && (age === null || age < 11 * 60_000),
      body: {
        service: 'volume-alerts',
        mode: p.mode,
        lastCycleAt: last ? new Date(last.volume.cycleTime).toISOString() : null,
        lastCycle: last
          ? {
              symbols: last.volume.symbols.length,
              alerts: last.volume.alerts.length,
              skipped: last.volume.skipped,
              fromStream: last.volume.fromStream,
              fromRest: last.volume.fromRest,
              durationMs: last.volume.durationMs,
            }
          : null,
        lastSnapshot: last?.snapshot ?? null,
        lastError,
        nextCycleAt: p.scheduler?.nextSlot ? new Date(p.scheduler.nextSlot).toISOString() : null,
        candles: p.live?.stats() ?? null,
        delivery: p.delivery.stats(),
      },
    };
  }
}
