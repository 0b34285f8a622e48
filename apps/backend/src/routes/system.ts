import { Router } from 'express';
import type { Registry } from 'prom-client';
import { HeartbeatSchema, buildOpenApiDocument } from '@volspike/contracts';
import type { Prisma } from '@volspike/db';
import type { AppContext } from '../context.js';
import { parseOr400 } from '../http/errors.js';
import { requireIngestKey } from '../http/ingest-key.js';
import { computeHealth } from '../services/health.js';
import { renderDocsPage } from '../services/docs-page.js';

export function systemRouter(ctx: AppContext, registry: Registry): Router {
  const router = Router();
  const openapi = buildOpenApiDocument({ version: ctx.config.version });
  const docsHtml = renderDocsPage(openapi);

  router.post('/api/heartbeats', requireIngestKey(ctx.config.ingestKey), async (req, res) => {
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

  router.get('/metrics', async (_req, res) => {
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
