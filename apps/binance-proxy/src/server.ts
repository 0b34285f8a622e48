import express from 'express';
import type { Request, Response, NextFunction, Express } from 'express';
import type { Registry } from 'prom-client';
import type { Logger } from '@volspike/runtime';
import { corsMiddleware } from './cors.js';
import { computeEtag, ExchangeInfoUnavailableError } from './exchange-info-cache.js';
import type { ExchangeInfoCache, ExchangeInfoCopy } from './exchange-info-cache.js';
import type { ProxyMetrics } from './metrics.js';

export interface PerpetualSummary {
  symbol: string;
  baseAsset: string;
  contractType: string;
  onboardDate: number | null;
}

export interface ProxyAppOptions {
  cache: ExchangeInfoCache;
  refreshMs: number;
  allowedOrigins: readonly string[];
  /** USDT perpetuals of one exchangeInfo copy (the binance-client filter). */
  perpetuals: (json: unknown) => PerpetualSummary[];
  registry: Registry;
  metrics: ProxyMetrics;
  logger: Logger;
  now?: () => number;
}

/** True when an If-None-Match header matches the entity tag (weak comparison, `*` matches anything). */
export function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  const strip = (t: string): string => t.trim().replace(/^W\//, '');
  const want = strip(etag);
  return header.split(',').some((t) => {
    const s = t.trim();
    return s === '*' || strip(s) === want;
  });
}

export function healthBody(cache: ExchangeInfoCache, now: number): { ok: boolean; body: Record<string, unknown> } {
  const s = cache.status();
  const status = s.state === 'empty' ? 'degraded' : s.state === 'stale' ? 'stale' : 'ok';
  return {
    ok: s.state !== 'empty',
    body: { status, service: 'binance-proxy', timestamp: new Date(now).toISOString(), cache: s },
  };
}

export function createProxyApp(opts: ProxyAppOptions): Express {
  const now = opts.now ?? Date.now;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(corsMiddleware(opts.allowedOrigins));

  app.use((req, res, next) => {
    res.on('finish', () => {
      const route = (req.route as { path?: string } | undefined)?.path ?? 'other';
      opts.metrics.requests.inc({ route, status: String(res.statusCode) });
    });
    next();
  });

  app.get('/health', (_req, res) => {
    const h = healthBody(opts.cache, now());
    res.status(h.ok ? 200 : 503).json(h.body);
  });

  app.get('/metrics', async (_req, res) => {
    res.setHeader('Content-Type', opts.registry.contentType);
    res.send(await opts.registry.metrics());
  });

  const serve = cachedCopyHandler(opts, now);
  const perpsFor = perpetualsView(opts.perpetuals);
  app.get(
    '/api/binance/futures/info',
    serve((copy) => ({ body: copy.body, etag: copy.etag })),
  );
  app.get('/api/binance/futures/usdt-perpetuals', serve(perpsFor));

  app.use((_req, res) => {
    res.status(404).json({ error: 'Not found' });
  });
  // Express recognises error handlers by their four parameters.
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (!(err instanceof ExchangeInfoUnavailableError)) opts.logger.error({ err }, 'request failed');
    const status = (err as { status?: number }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      res.status(status).json({ error: err instanceof Error ? err.message : 'Bad request' });
      return;
    }
    res.status(500).json({ error: 'Internal server error' });
  });
  return app;
}

/** The USDT-perpetuals document of a cached copy, computed once per copy (its ETag follows the source's). */
function perpetualsView(
  perpetuals: ProxyAppOptions['perpetuals'],
): (copy: ExchangeInfoCopy) => { body: string; etag: string } {
  let perpsMemo: { sourceEtag: string; body: string; etag: string } | null = null;
  return (copy: ExchangeInfoCopy): { body: string; etag: string } => {
    if (perpsMemo?.sourceEtag !== copy.etag) {
      const symbols = perpetuals(copy.json);
      const body = JSON.stringify({
        updatedAt: new Date(copy.fetchedAt).toISOString(),
        count: symbols.length,
        symbols,
      });
      perpsMemo = { sourceEtag: copy.etag, body, etag: computeEtag(body) };
    }
    return perpsMemo;
  };
}

/**
 * A GET served from the cached exchangeInfo copy: ETag / If-None-Match (304), Cache-Control for the refresh
 * period, the copy's age and state in X-Data-Age / X-Data-State; 503 with Retry-After while no copy exists.
 */
function cachedCopyHandler(opts: ProxyAppOptions, now: () => number) {
  const maxAgeSec = Math.max(0, Math.floor(opts.refreshMs / 1000));
  return (pick: (copy: ExchangeInfoCopy) => { body: string; etag: string }) =>
    async (req: Request, res: Response): Promise<void> => {
      let copy: ExchangeInfoCopy;
      try {
        copy = await opts.cache.get();
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        res.setHeader('Retry-After', '1');
        res
          .status(503)
          .json({ error: 'Failed to fetch from Binance', message, timestamp: new Date(now()).toISOString() });
        return;
      }
      const { body, etag } = pick(copy);
      const state = opts.cache.status().state;
      res.setHeader('ETag', etag);
      res.setHeader('Cache-Control', `public, max-age=${maxAgeSec}`);
      res.setHeader('X-Data-Age', String(Math.max(0, Math.floor((now() - copy.fetchedAt) / 1000))));
      res.setHeader('X-Data-State', state);
      if (etagMatches(req.headers['if-none-match'], etag)) {
        res.status(304).end();
        return;
      }
      res.setHeader('Content-Type', 'application/json; charset=utf-8');
      res.status(200).send(body);
    };
}
