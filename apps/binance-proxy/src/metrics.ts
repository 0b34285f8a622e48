import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import type { ExchangeInfoCache } from './exchange-info-cache.js';

export interface ProxyMetrics {
  requests: Counter<'route' | 'status'>;
  upstreamFetches: Counter<'outcome'>;
  /** Points the cache-age gauge at the running cache (the registry may outlive one start()). */
  bind(cache: ExchangeInfoCache | null): void;
}

/** Registers the proxy's metrics once per registry (the stack shares one registry across apps). */
export function proxyMetrics(registry: Registry): ProxyMetrics {
  let bound: ExchangeInfoCache | null = null;
  const existing = registry.getSingleMetric('binance_proxy_requests_total') as Counter<'route' | 'status'> | undefined;
  const requests =
    existing ??
    new Counter({
      name: 'binance_proxy_requests_total',
      help: 'HTTP requests served, by route and status',
      labelNames: ['route', 'status'],
      registers: [registry],
    });
  const upstreamFetches =
    (registry.getSingleMetric('binance_proxy_upstream_fetches_total') as Counter<'outcome'> | undefined) ??
    new Counter({
      name: 'binance_proxy_upstream_fetches_total',
      help: 'exchangeInfo fetches from Binance, by outcome',
      labelNames: ['outcome'],
      registers: [registry],
    });
  const age = registry.getSingleMetric('binance_proxy_cache_age_seconds') as Gauge | undefined;
  if (age) registry.removeSingleMetric('binance_proxy_cache_age_seconds');
  new Gauge({
    name: 'binance_proxy_cache_age_seconds',
    help: 'Age of the cached exchangeInfo copy (absent before the first success)',
    registers: [registry],
    collect() {
      const s = bound?.status();
      if (s && s.ageSec !== null) this.set(s.ageSec);
      else this.reset();
    },
  });
  return {
    requests,
    upstreamFetches,
    bind(cache) {
      bound = cache;
    },
  };
}
