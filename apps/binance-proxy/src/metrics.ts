import type { Counter, Registry } from 'prom-client';
import { counter, gauge } from '@volspike/runtime';
import type { ExchangeInfoCache } from './exchange-info-cache.js';

export interface ProxyMetrics {
  requests: Counter<'route' | 'status'>;
  upstreamFetches: Counter<'outcome'>;
  /** Points the cache-age gauge at the running cache (the registry may outlive one start()). */
  bind(cache: ExchangeInfoCache | null): void;
}

/** The proxy's metrics (get-or-create: the stack shares one registry across apps). */
export function proxyMetrics(registry: Registry): ProxyMetrics {
  let bound: ExchangeInfoCache | null = null;
  gauge(registry, {
    name: 'binance_proxy_cache_age_seconds',
    help: 'Age of the cached exchangeInfo copy (absent before the first success)',
    collect() {
      const s = bound?.status();
      if (s && s.ageSec !== null) this.set(s.ageSec);
      else this.reset();
    },
  });
  return {
    requests: counter(registry, {
      name: 'binance_proxy_requests_total',
      help: 'HTTP requests served, by route and status',
      labelNames: ['route', 'status'],
    }),
    upstreamFetches: counter(registry, {
      name: 'binance_proxy_upstream_fetches_total',
      help: 'exchangeInfo fetches from Binance, by outcome',
      labelNames: ['outcome'],
    }),
    bind(cache) {
      bound = cache;
    },
  };
}
