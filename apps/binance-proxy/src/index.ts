import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { BinanceRestClient, filterUsdtPerpetuals } from '@volspike/binance-client';
import type { ExchangeInfo, WeightBudget } from '@volspike/binance-client';
import type { AppDeps } from '@volspike/runtime';
import { EnvSchema, loadAppEnv } from './env.js';
import type { Env } from './env.js';
import { ExchangeInfoCache } from './exchange-info-cache.js';
import { proxyMetrics } from './metrics.js';
import { createProxyApp, healthBody } from './server.js';
import type { PerpetualSummary } from './server.js';

export { EnvSchema, loadAppEnv };
export type { Env };
export { ExchangeInfoCache, computeEtag, ExchangeInfoUnavailableError } from './exchange-info-cache.js';
export { createProxyApp, etagMatches } from './server.js';
export type { PerpetualSummary } from './server.js';
export { corsMiddleware } from './cors.js';

export interface ProxyHandle {
  /** The port actually bound (useful with port 0). */
  port: number;
  url: string;
  stop(): Promise<void>;
  health(): Promise<{ ok: boolean; body: Record<string, unknown> }>;
}

export function summarisePerpetuals(json: unknown, includeTradFi: boolean): PerpetualSummary[] {
  return filterUsdtPerpetuals(json as ExchangeInfo, { includeTradFi }).map((s) => ({
    symbol: s.symbol,
    baseAsset: s.baseAsset,
    contractType: s.contractType,
    onboardDate: typeof s.onboardDate === 'number' ? s.onboardDate : null,
  }));
}

/**
 * Starts the proxy: background exchangeInfo refresh through binance-client (component `binance-proxy`,
 * shared weight budget) and the HTTP server on `BINANCE_PROXY_PORT` / `PORT`.
 */
export async function start(env: Env, deps: AppDeps<WeightBudget>): Promise<ProxyHandle> {
  const logger = deps.logger;
  const metrics = proxyMetrics(deps.metrics);
  const rest = new BinanceRestClient({
    baseUrl: env.BINANCE_REST_URL,
    budget: deps.budget,
    component: 'binance-proxy',
    logger: logger.child({ component: 'binance-rest' }),
    timeoutMs: 30_000,
    maxRetries: 1,
    userAgent: 'VolSpike/1.0',
  });
  const cache = new ExchangeInfoCache({
    fetch: () => rest.exchangeInfoRaw(),
    refreshMs: env.EXCHANGE_INFO_REFRESH_MS,
    logger: logger.child({ component: 'exchange-info-cache' }),
    onFetch: (outcome) => metrics.upstreamFetches.inc({ outcome }),
  });
  metrics.bind(cache);
  const app = createProxyApp({
    cache,
    refreshMs: env.EXCHANGE_INFO_REFRESH_MS,
    allowedOrigins: env.ALLOWED_ORIGINS,
    perpetuals: (json) => summarisePerpetuals(json, env.INCLUDE_TRADIFI),
    registry: deps.metrics,
    metrics,
    logger,
  });

  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(env.listenPort, env.BINANCE_PROXY_HOST);
    s.once('listening', () => resolve(s));
    s.once('error', reject);
  });
  server.keepAliveTimeout = 5_000;
  const port = (server.address() as AddressInfo).port;
  cache.start();
  logger.info(
    { port, refreshMs: env.EXCHANGE_INFO_REFRESH_MS, includeTradFi: env.INCLUDE_TRADIFI },
    'binance-proxy listening',
  );

  let stopped: Promise<void> | null = null;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    health: async () => healthBody(cache, Date.now()),
    stop() {
      stopped ??= (async () => {
        cache.stop();
        metrics.bind(null);
        await new Promise<void>((resolve) => {
          const force = setTimeout(() => server.closeAllConnections(), 2_000);
          server.close(() => {
            clearTimeout(force);
            resolve();
          });
          server.closeIdleConnections();
        });
      })();
      return stopped;
    },
  };
}
