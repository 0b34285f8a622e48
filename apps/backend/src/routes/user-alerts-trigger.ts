import { Router, type Request, type Response } from 'express';
import {
  TriggerRequestSchema,
  UpdateCheckedRequestSchema,
  buildUserAlertTriggeredEvent,
  toIso,
} from '@volspike/contracts';
import type { UserCrossAlert } from '@volspike/db';
import type { AppContext } from '../context.js';
import { HttpError, parseOr400 } from '../http/errors.js';
import { inTransaction, type Tx } from '../http/idempotency.js';
import { requireTriggerKey } from '../http/ingest-key.js';
import { USER_ALERT_EMAIL_KIND, userAlertDedupeKey, userAlertEmail, wantsEmail } from '../services/alert-email.js';
import { userAlertJson } from './user-alerts.js';

/**
 * Queues the alert's email in `email_outbox` (same transaction as the trigger) when its delivery method includes
 * EMAIL and its user has an address. At most one row per trigger (dedupe key: alert id + trigger count).
 */
async function enqueueAlertEmail(
  tx: Tx,
  row: UserCrossAlert & { user: { email: string } },
  trigger: { currentValue: number; previousValue: number; crossedUp: boolean },
  now: Date,
  dashboardUrl: string,
): Promise<boolean> {
  const to = row.user.email.trim();
  if (!wantsEmail(row.deliveryMethod) || !to) return false;
  const mail = userAlertEmail({
    alertId: row.id,
    symbol: row.symbol,
    alertType: row.alertType,
    threshold: row.threshold,
    crossedUp: trigger.crossedUp,
    triggeredValue: trigger.currentValue,
    previousValue: trigger.previousValue,
    triggeredAt: now,
    dashboardUrl,
  });
  const r = await tx.emailOutbox.createMany({
    data: [
      {
        kind: USER_ALERT_EMAIL_KIND,
        dedupeKey: userAlertDedupeKey(row.id, row.triggeredCount),
        toAddress: to,
        subject: mail.subject,
        textBody: mail.text,
        nextAttemptAt: now,
        createdAt: now,
      },
    ],
    skipDuplicates: true,
  });
  return r.count > 0;
}

/**
 * `/api/user-alerts-trigger` (the checker). The key (X-API-Key, or the legacy `apiKey` field) is checked before
 * the body. Triggering is one conditional UPDATE … WHERE isActive, so concurrent triggers fire exactly once; in
 * the same transaction an EMAIL/BOTH alert's email is queued in `email_outbox` (sent by services/email-sender.ts,
 * which this route only wakes: the answer never waits for SMTP).
 */
export function userAlertsTriggerRouter(ctx: AppContext): Router {
  const router = Router();
  router.use(requireTriggerKey(ctx.config.ingestKeys));
  router.get('/active', (req, res) => getActive(ctx, req, res));
  router.post('/trigger', (req, res) => postTrigger(ctx, req, res));
  router.post('/update-checked', (req, res) => postUpdateChecked(ctx, req, res));

  return router;
}

/** GET /api/user-alerts-trigger/active */
async function getActive(ctx: AppContext, _req: Request, res: Response): Promise<void> {
  const { prisma } = ctx;
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
      lastCheckedAt: toIso(r.lastCheckedAt),
      deliveryMethod: r.deliveryMethod,
      userTier: r.user.tier,
    })),
  });
}

/** POST /api/user-alerts-trigger/trigger */
async function postTrigger(ctx: AppContext, req: Request, res: Response): Promise<void> {
  const { prisma } = ctx;
  const p = parseOr400(TriggerRequestSchema, req.body, 'Invalid request data');
  const now = new Date(ctx.now());
  const { fired, row, queued } = await inTransaction(prisma, async (tx) => {
    const updated = await tx.userCrossAlert.updateMany({
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
    const row = await tx.userCrossAlert.findUnique({
      where: { id: p.alertId },
      include: { user: { select: { email: true } } },
    });
    const fired = updated.count > 0 && row !== null;
    const queued = fired && (await enqueueAlertEmail(tx, row, p, now, ctx.config.frontendUrl));
    return { fired, row, queued };
  });
  if (!row) throw new HttpError(404, 'NOT_FOUND', { error: 'Alert not found' });
  if (!fired) throw new HttpError(400, 'BAD_REQUEST', { error: 'Alert is not active' });
  ctx.metrics.alerts.inc({ kind: 'user-cross' });
  if (queued) {
    ctx.metrics.emails.inc({ result: 'queued' });
    ctx.email.nudge();
  }
  const { user: _user, ...alert } = row;
  ctx.realtime.emitUserAlertTriggered(
    alert.userId,
    buildUserAlertTriggeredEvent({
      id: alert.id,
      symbol: alert.symbol,
      alertType: alert.alertType,
      threshold: alert.threshold,
      currentValue: p.currentValue,
      previousValue: p.previousValue,
      crossedUp: p.crossedUp,
      timestamp: now,
    }),
  );
  res.json({ success: true, alert: userAlertJson(alert) });
}

/** POST /api/user-alerts-trigger/update-checked */
async function postUpdateChecked(ctx: AppContext, req: Request, res: Response): Promise<void> {
  const { prisma } = ctx;
  const p = parseOr400(UpdateCheckedRequestSchema, req.body, 'Invalid request data');
  const r = await prisma.userCrossAlert.updateMany({
    where: { id: p.alertId },
    data: { lastCheckedValue: p.lastCheckedValue, lastCheckedAt: new Date(ctx.now()) },
  });
  if (r.count === 0) throw new HttpError(404, 'NOT_FOUND', { error: 'Alert not found' });
  res.json({ success: true });
}
