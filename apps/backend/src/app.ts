import express, { type Express, type Router } from 'express';
import type { Registry } from 'prom-client';
import { ROUTES } from '@volspike/contracts';
import type { AppContext } from './context.js';
import { closeUnreadBodies } from './http/body.js';
import { cors } from './http/cors.js';
import { errorHandler, notFoundHandler } from './http/errors.js';
import { rateLimit, type RateLimiter } from './http/rate-limit.js';
import { oiAlertsRouter } from './routes/oi-alerts.js';
import { openInterestRouter } from './routes/open-interest.js';
import { systemRouter } from './routes/system.js';
import { telegramRouter } from './routes/telegram.js';
import { userAlertsTriggerRouter } from './routes/user-alerts-trigger.js';
import { userAlertsRouter } from './routes/user-alerts.js';
import { volumeAlertsRouter } from './routes/volume-alerts.js';

export interface CreateAppOptions extends AppContext {
  registry: Registry;
  /** Mounted at /debug (the debug pages); optional so tests can leave it out. */
  debugRouter?: Router;
  /** Per-client limit of the public routes (RATE_LIMIT_REST_PER_MIN); none → unlimited. */
  rateLimiter?: RateLimiter;
}

/** The daemons' routes (ingest key): authenticated by key, never rate limited. */
const KEYED_ROUTES = new Set(
  ROUTES.filter((r) => r.auth === 'ingestKey' || r.auth === 'triggerKey').map(
    (r) => `${r.method.toUpperCase()} ${r.path}`,
  ),
);
const isKeyedRoute = (method: string, path: string): boolean =>
  KEYED_ROUTES.has(`${method} ${path.replace(/\/+$/, '') || '/'}`);

/** The Express app (no listening): used by `start()` and by supertest. */
export function createApp(opts: CreateAppOptions): Express {
  const { registry, debugRouter, rateLimiter, ...ctx } = opts;
  const log = ctx.logger.child({ component: 'http' });
  const app = express();
  app.disable('x-powered-by');
  // A count of proxies, never `true`: with `true` any client could pick its own address (and rate-limit key)
  // by sending X-Forwarded-For.
  app.set('trust proxy', ctx.config.trustProxyHops);
  app.set('query parser', 'simple');

  app.use((req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      // The path only: the legacy checker puts its key in the query string, which must never be logged.
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const level = res.statusCode >= 500 ? 'warn' : 'debug';
      log[level](
        { method: req.method, path: req.path, status: res.statusCode, ms: Math.round(ms * 10) / 10 },
        'request',
      );
    });
    next();
  });
  app.use(closeUnreadBodies);
  app.use(cors(ctx.config.corsOrigins));
  if (rateLimiter) app.use(rateLimit(rateLimiter, isKeyedRoute));
  // No body is read here: each route reads its own, after its authentication and with its own size limit
  // (http/body.ts: large for ingest, small elsewhere).

  app.use(systemRouter(ctx, registry));
  app.use('/api/market/open-interest', openInterestRouter(ctx));
  app.use('/api/open-interest-alerts', oiAlertsRouter(ctx));
  app.use('/api/volume-alerts', volumeAlertsRouter(ctx));
  app.use('/api/user-alerts-trigger', userAlertsTriggerRouter(ctx));
  app.use('/api/user-alerts', userAlertsRouter(ctx));
  app.use('/api/telegram', telegramRouter(ctx));
  if (debugRouter) app.use('/debug', debugRouter);

  app.use(notFoundHandler);
  app.use(errorHandler({ logger: log, development: ctx.config.development }));
  return app;
}
