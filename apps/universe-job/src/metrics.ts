import { Counter, Gauge, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';

export interface UniverseMetrics {
  universeSize: Gauge;
  refreshDuration: Histogram;
  refreshes: Counter<'source'>;
  errors: Counter<'stage'>;
}

/** Registers the job's metrics once per registry (the stack shares one registry across apps). */
export function universeMetrics(registry: Registry): UniverseMetrics {
  const get = <T>(name: string, make: () => T): T => (registry.getSingleMetric(name) as T | undefined) ?? make();
  return {
    universeSize: get(
      'universe_job_universe_size',
      () =>
        new Gauge({
          name: 'universe_job_universe_size',
          help: 'Symbols in the published liquid universe',
          registers: [registry],
        }),
    ),
    refreshDuration: get(
      'universe_job_refresh_duration_seconds',
      () =>
        new Histogram({
          name: 'universe_job_refresh_duration_seconds',
          help: 'Duration of one universe refresh (inputs, classification, publish)',
          buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
          registers: [registry],
        }),
    ),
    refreshes: get(
      'universe_job_refreshes_total',
      () =>
        new Counter({
          name: 'universe_job_refreshes_total',
          help: 'Successful refreshes by 24h volume source',
          labelNames: ['source'],
          registers: [registry],
        }),
    ),
    errors: get(
      'universe_job_refresh_errors_total',
      () =>
        new Counter({
          name: 'universe_job_refresh_errors_total',
          help: 'Failed refreshes by stage',
          labelNames: ['stage'],
          registers: [registry],
        }),
    ),
  };
}
