import { Router } from 'express';
import type { Registry } from 'prom-client';
import { HeartbeatSchema, buildOpenApiDocument } from '@volspike/contracts';
import type { Prisma } from '@volspike/db';
import type { AppContext } from '../context.js';
import { parseOr400 } from '../http/errors.js';
import { requireIngestKey, keysEqual } from '../http/ingest-key.js';
import { isLoopback } from '../http/client-address.js';
import type { AppConfig } from '../context.js';
import type { RequestHandler } from 'express';
import { computeHealth } from '../services/health.js';
import { renderDocsPage } from '../services/docs-page.js';

export function systemRouter(ctx: AppContext, registry: Registry): Router {
  const router = Router();
  const openapi = buildOpenApiDocument({ version: ctx.config.version });
  const docsHtml = renderDocsPage(openapi);

  router.post('/api/heartbeats', requireIngestKey(ctx.config.ingestKeys), async (req, res) => {
    const p = parseOr400(HeartbeatSchema, req.body, 'Invalid heartbeat');
    const lastSeenAt = new Date(ctx.now());
    const details = p.details as Prisma.InputJsonValue;
    await ctx.prisma.componentHeartbeat.upsert({
      where: { component: p.component },
      create: { component: p.component, status: p.status, details, lastSeenAt },
      update: { status: p.status, details, lastSeenAt },
    });
    res.json({ success: true, lastSeenAt: lastSeenAt.toISOString() });
  });

  router.get('/health', async (_req, res) => {
    const h = await computeHealth(ctx);
    res.status(h.ok ? 200 : 503).json(h.body);
  });

  router.get('/metrics', metricsAccess(ctx.config), async (_req, res) => {
    res.setHeader('Content-Type', registry.contentType);
    res.send(await registry.metrics());
  });

  router.get('/openapi.json', (_req, res) => {
    res.json(openapi);
  });

  router.get('/docs', (_req, res) => {
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.send(docsHtml);
  });

  return router;
}

/**
 * `/metrics` in production: `Authorization: Bearer <METRICS_TOKEN>`, or a loopback client (a local Prometheus).
 * A request relayed by a local reverse proxy that is not counted in TRUST_PROXY_HOPS carries X-Forwarded-For
 * and is not taken for a local one. Elsewhere (development, test) it is open.
 */
export function metricsAccess(
  config: Pick<AppConfig, 'production' | 'metricsToken' | 'trustProxyHops'>,
): RequestHandler {
  return (req, res, next) => {
    if (!config.production) return next();
    const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    if (config.metricsToken && m?.[1] && keysEqual(m[1], config.metricsToken)) return next();
    const relayed = config.trustProxyHops === 0 && req.headers['x-forwarded-for'] !== undefined;
    if (isLoopback(req.ip) && !relayed) return next();
    res.status(403).json({ error: 'Forbidden', message: 'metrics: local clients only, or Bearer METRICS_TOKEN' });
  };
}
