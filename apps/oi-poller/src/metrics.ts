import type { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { counter, gauge, histogram } from '@volspike/runtime';

/** Events in the last 60 s, in one-second buckets (polls/min, errors/min, alerts/min). */
export class RateWindow {
  private readonly buckets = new Float64Array(60);
  private readonly stamps = new Float64Array(60).fill(-1);

  constructor(private readonly now: () => number = Date.now) {}

  add(n = 1): void {
    const sec = Math.floor(this.now() / 1000);
    const i = sec % 60;
    if (this.stamps[i] !== sec) {
      this.stamps[i] = sec;
      this.buckets[i] = 0;
    }
    this.buckets[i] = (this.buckets[i] as number) + n;
  }

  perMinute(): number {
    const sec = Math.floor(this.now() / 1000);
    let sum = 0;
    for (let i = 0; i < 60; i++) if (sec - (this.stamps[i] as number) < 60) sum += this.buckets[i] as number;
    return sum;
  }
}

/** Buckets of the poll-interval histogram, seconds (the 1 s burst target … the 30 s staleness bound). */
export const POLL_INTERVAL_BUCKETS_SEC = [1, 2, 3, 5, 8, 10, 13, 15, 20, 25, 30, 45, 60, 120];

export interface OiPollerMetrics {
  polls: Counter<'result'>;
  alerts: Counter<'timeframe' | 'direction'>;
  samplesPublished: Counter;
  universe: Gauge;
  plannedIntervalMs: Gauge<'stat'>;
  maxSampleAgeMs: Gauge;
  outboxDepth: Gauge<'outbox'>;
  historyBytes: Gauge;
  plannedWeightPerMin: Gauge;
  /** polls sent, by why (activity, staleness, fixed) */
  pollsByReason: Counter<'reason'>;
  /** time between two polls of a symbol, by the reason of the later one */
  pollInterval: Histogram<'reason'>;
  /** per symbol: when it was last polled (epoch seconds), labelled with why */
  lastPoll: Gauge<'symbol' | 'reason'>;
  /** measured mean interval and max staleness (seconds) */
  measured: Gauge<'stat'>;
  /** activity scheduler: poll slots of the share not used, by why (idle, stall, in_flight, window) */
  slotsLost: Counter<'reason'>;
}

const c = <L extends string>(r: Registry, name: string, help: string, labelNames: L[] = []): Counter<L> =>
  counter<L>(r, { name, help, labelNames });
const g = <L extends string>(r: Registry, name: string, help: string, labelNames: L[] = []): Gauge<L> =>
  gauge<L>(r, { name, help, labelNames });

/** Prometheus metrics of the poller (reuses already-registered ones, so a restart in one process is fine). */
export function createPollerMetrics(r: Registry): OiPollerMetrics {
  return {
    polls: c(r, 'oi_poller_polls_total', 'OI requests by result (ok, error, paused)', ['result']),
    alerts: c(r, 'oi_poller_alerts_total', 'OI alerts fired', ['timeframe', 'direction']),
    samplesPublished: c(r, 'oi_poller_samples_published_total', 'OI samples queued for the backend'),
    universe: g(r, 'oi_poller_universe_symbols', 'symbols this poller polls (its shard)'),
    plannedIntervalMs: g(r, 'oi_poller_planned_interval_ms', 'planned poll interval (min, median, max)', ['stat']),
    maxSampleAgeMs: g(r, 'oi_poller_max_sample_age_ms', 'oldest latest-sample age over the polled symbols'),
    outboxDepth: g(r, 'oi_poller_outbox_depth', 'messages waiting for the backend', ['outbox']),
    historyBytes: g(r, 'oi_poller_history_bytes', 'ring-buffer sample storage over all symbols'),
    plannedWeightPerMin: g(r, 'oi_poller_planned_weight_per_min', 'weight/min the scheduler may spend on OI'),
    pollsByReason: c(r, 'oi_poller_polls_by_reason_total', 'OI polls sent, by reason', ['reason']),
    slotsLost: c(
      r,
      'oi_poller_slots_lost_total',
      'activity scheduler: poll slots of the OI share not used (idle: nobody eligible; stall/in_flight: more than 15 s owed; window: the rolling 60 s cap)',
      ['reason'],
    ),
    pollInterval: histogram(r, {
      name: 'oi_poller_poll_interval_seconds',
      help: 'time between two polls of a symbol, by the reason of the later poll',
      labelNames: ['reason'],
      buckets: POLL_INTERVAL_BUCKETS_SEC,
    }),
    lastPoll: g(r, 'oi_poller_symbol_last_poll_seconds', 'when a symbol was last polled (epoch s), and why', [
      'symbol',
      'reason',
    ]),
    measured: g(r, 'oi_poller_measured_interval_seconds', 'measured mean poll interval and max staleness', ['stat']),
  };
}
