import type { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { counter, gauge, histogram } from '@volspike/runtime';

export interface UniverseMetrics {
  universeSize: Gauge;
  refreshDuration: Histogram;
  refreshes: Counter<'source'>;
  errors: Counter<'stage'>;
}

/** The job's metrics (get-or-create: the stack shares one registry across apps). */
export function universeMetrics(registry: Registry): UniverseMetrics {
  return {
    universeSize: gauge(registry, {
      name: 'universe_job_universe_size',
      help: 'Symbols in the published liquid universe',
    }),
    refreshDuration: histogram(registry, {
      name: 'universe_job_refresh_duration_seconds',
      help: 'Duration of one universe refresh (inputs, classification, publish)',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    }),
    refreshes: counter(registry, {
      name: 'universe_job_refreshes_total',
      help: 'Successful refreshes by 24h volume source',
      labelNames: ['source'],
    }),
    errors: counter(registry, {
      name: 'universe_job_refresh_errors_total',
      help: 'Failed refreshes by stage',
      labelNames: ['stage'],
    }),
  };
}
