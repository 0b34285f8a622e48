import { Router } from 'express';
import { TriggerRequestSchema, UpdateCheckedRequestSchema, buildUserAlertTriggeredEvent } from '@volspike/contracts';
import type { AppContext } from '../context.js';
import { HttpError, parseOr400 } from '../http/errors.js';
import { requireTriggerKey } from '../http/ingest-key.js';
import { iso } from '../services/serialize.js';
import { userAlertJson } from './user-alerts.js';

/**
 * `/api/user-alerts-trigger` (the checker). The key (X-API-Key, or the legacy `apiKey` field) is checked before
 * the body. Triggering is one conditional UPDATE … WHERE isActive, so concurrent triggers fire exactly once.
 */
export function userAlertsTriggerRouter(ctx: AppContext): Router {
  const { prisma } = ctx;
  const router = Router();
  router.use(requireTriggerKey(ctx.config.ingestKey));

  router.get('/active', async (_req, res) => {
    const rows = await prisma.userCrossAlert.findMany({
      where: { isActive: true },
      include: { user: { select: { tier: true } } },
      orderBy: [{ lastCheckedAt: { sort: 'asc', nulls: 'last' } }, { createdAt: 'asc' }],
    });
    res.json({
      alerts: rows.map((r) => ({
        id: r.id,
        userId: r.userId,
        symbol: r.symbol,
        alertType: r.alertType,
        threshold: r.threshold,
        lastCheckedValue: r.lastCheckedValue,
        lastCheckedAt: iso(r.lastCheckedAt),
        deliveryMethod: r.deliveryMethod,
        userTier: r.user.tier,
      })),
    });
  });

  router.post('/trigger', async (req, res) => {
    const p = parseOr400(TriggerRequestSchema, req.body, 'Invalid request data');
    const now = new Date(ctx.now());
    const updated = await prisma.userCrossAlert.updateMany({
      where: { id: p.alertId, isActive: true },
      data: {
        isActive: false,
        triggeredAt: now,
        triggeredValue: p.currentValue,
        triggeredCount: { increment: 1 },
        lastCheckedValue: p.currentValue,
        lastCheckedAt: now,
      },
    });
    const row = await prisma.userCrossAlert.findUnique({ where: { id: p.alertId } });
    if (!row) throw new HttpError(404, 'NOT_FOUND', { error: 'Alert not found' });
    if (updated.count === 0) throw new HttpError(400, 'BAD_REQUEST', { error: 'Alert is not active' });
    ctx.metrics.alerts.inc({ kind: 'user-cross' });
    ctx.realtime.emitUserAlertTriggered(
      row.userId,
      buildUserAlertTriggeredEvent({
        id: row.id,
        symbol: row.symbol,
        alertType: row.alertType,
        threshold: row.threshold,
        currentValue: p.currentValue,
        previousValue: p.previousValue,
        crossedUp: p.crossedUp,
        timestamp: now,
      }),
    );
    res.json({ success: true, alert: userAlertJson(row) });
  });

  router.post('/update-checked', async (req, res) => {
    const p = parseOr400(UpdateCheckedRequestSchema, req.body, 'Invalid request data');
    const r = await prisma.userCrossAlert.updateMany({
      where: { id: p.alertId },
      data: { lastCheckedValue: p.lastCheckedValue, lastCheckedAt: new Date(ctx.now()) },
    });
    if (r.count === 0) throw new HttpError(404, 'NOT_FOUND', { error: 'Alert not found' });
    res.json({ success: true });
  });

  return router;
}
