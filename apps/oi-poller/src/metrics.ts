import type { Counter, Gauge, Registry } from 'prom-client';
import { counter, gauge } from '@volspike/runtime';

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
}

/** Prometheus metrics of the poller (reuses already-registered ones, so a restart in one process is fine). */
export function createPollerMetrics(registry: Registry): OiPollerMetrics {
  return {
    polls: counter(registry, {
      name: 'oi_poller_polls_total',
      help: 'OI requests by result (ok, error, paused)',
      labelNames: ['result'],
    }),
    alerts: counter(registry, {
      name: 'oi_poller_alerts_total',
      help: 'OI alerts fired',
      labelNames: ['timeframe', 'direction'],
    }),
    samplesPublished: counter(registry, {
      name: 'oi_poller_samples_published_total',
      help: 'OI samples queued for the backend',
    }),
    universe: gauge(registry, { name: 'oi_poller_universe_symbols', help: 'symbols this poller polls (its shard)' }),
    plannedIntervalMs: gauge(registry, {
      name: 'oi_poller_planned_interval_ms',
      help: 'planned poll interval (min, median, max)',
      labelNames: ['stat'],
    }),
    maxSampleAgeMs: gauge(registry, {
      name: 'oi_poller_max_sample_age_ms',
      help: 'oldest latest-sample age over the polled symbols',
    }),
    outboxDepth: gauge(registry, {
      name: 'oi_poller_outbox_depth',
      help: 'messages waiting for the backend',
      labelNames: ['outbox'],
    }),
    historyBytes: gauge(registry, {
      name: 'oi_poller_history_bytes',
      help: 'ring-buffer sample storage over all symbols',
    }),
    plannedWeightPerMin: gauge(registry, {
      name: 'oi_poller_planned_weight_per_min',
      help: 'weight/min the interval plan spends',
    }),
  };
}
