import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { VolumeAlert } from '@volspike/db';
import {
  normalizeSymbol,
  symbolString,
  SubscriptionCreateSchema,
  VolumeAlertIngestSchema,
  VolumeAlertsQuerySchema,
  VolumeAlertsRecentQuerySchema,
  type VolumeAlertRow,
  toIso,
  volumeAlertEvent,
} from '@volspike/contracts';
import type { AuthUser } from '../auth/index.js';
import type { AppContext } from '../context.js';
import { SMALL_BODY_LIMIT_BYTES, jsonBody } from '../http/body.js';
import { HttpError, parseOr400 } from '../http/errors.js';
import { idempotencyKeyOf, runIngest } from '../http/idempotency.js';
import { requireIngestKey } from '../http/ingest-key.js';

const LIMITS = { free: 10, pro: 50, elite: 100, admin: 100 } as const;
type GateTier = keyof typeof LIMITS;

/** REST rows and the `volume-alert` socket event carry the same legacy shape (dates as ISO strings). */
export function volumeAlertJson(row: VolumeAlert): VolumeAlertRow {
  return volumeAlertEvent(row);
}

/** Legacy time gate: elite/admin now; pro floored to 5 min; free floored to 15 min (UTC wall clock). */
export function lastBroadcastTime(tier: GateTier, now: number): Date {
  if (tier === 'elite' || tier === 'admin') return new Date(now);
  const step = (tier === 'pro' ? 5 : 15) * 60_000;
  return new Date(Math.floor(now / step) * step);
}

function gateTier(user: AuthUser | undefined): GateTier {
  if (!user) return 'free';
  if (user.role === 'ADMIN') return 'admin';
  return user.tier === 'pro' || user.tier === 'elite' ? user.tier : 'free';
}

const SubscriptionParamsSchema = z.object({ symbol: symbolString().transform((s) => s.toUpperCase()) });

export function volumeAlertsRouter(ctx: AppContext): Router {
  const { config } = ctx;
  const router = Router();

  router.post('/ingest', requireIngestKey(config.ingestKeys), (req, res) => ingestAlert(ctx, req, res));
  router.get('/recent', ctx.auth.requireDebugAccess(config.debugAccess), (req, res) => getRecent(ctx, req, res));
  router.get('/subscriptions', ctx.auth.requireUser, (req, res) => getSubscriptions(ctx, req, res));
  router.post('/subscriptions', ctx.auth.requireUser, jsonBody(SMALL_BODY_LIMIT_BYTES), (req, res) =>
    postSubscriptions(ctx, req, res),
  );
  router.delete('/subscriptions/:symbol', ctx.auth.requireUser, (req, res) => deleteSubscriptionsSymbol(ctx, req, res));
  router.get('/', ctx.auth.optionalUser, (req, res) => listAlerts(ctx, req, res));

  return router;
}

/** POST /api/volume-alerts/ingest */
async function ingestAlert(ctx: AppContext, req: Request, res: Response): Promise<void> {
  const { prisma, metrics } = ctx;
  const stop = metrics.ingestDuration.startTimer({ route: 'volume-alerts' });
  const p = parseOr400(VolumeAlertIngestSchema, req.body, 'Invalid alert data');
  const key = idempotencyKeyOf(req);
  await runIngest(prisma, req, res, 'POST /api/volume-alerts/ingest', async (tx) => {
    const timestamp = new Date(p.timestamp);
    const row = await tx.volumeAlert.create({
      data: {
        symbol: normalizeSymbol(p.symbol),
        asset: p.asset,
        currentVolume: p.currentVolume,
        previousVolume: p.previousVolume,
        volumeRatio: p.volumeRatio,
        price: p.price ?? null,
        fundingRate: p.fundingRate ?? null,
        candleDirection: p.candleDirection ?? null,
        message: p.message,
        timestamp,
        detectionTime: p.detectionTime ? new Date(p.detectionTime) : timestamp,
        hourTimestamp: new Date(p.hourTimestamp),
        isUpdate: p.isUpdate ?? false,
        alertType: p.alertType ?? 'SPIKE',
        priceChange: p.priceChange ?? null,
        oiChange: p.oiChange ?? null,
        idempotencyKey: key ?? null,
      },
    });
    return {
      status: 200,
      body: { success: true, alertId: row.id },
      after: () => {
        metrics.alerts.inc({ kind: 'volume' });
        ctx.realtime.emitVolumeAlert(row);
      },
    };
  });
  stop({ status: String(res.statusCode) });
}

/** GET /api/volume-alerts/recent */
async function getRecent(ctx: AppContext, req: Request, res: Response): Promise<void> {
  const { prisma } = ctx;
  const q = parseOr400(VolumeAlertsRecentQuerySchema, req.query, 'Invalid query', 'query');
  const hours = q.hours ?? 24;
  const take = Math.min(q.limit ?? 50, 100);
  const rows = await prisma.volumeAlert.findMany({
    where: { timestamp: { gte: new Date(ctx.now() - hours * 3_600_000) } },
    orderBy: { timestamp: 'desc' },
    take,
  });
  res.json({ alerts: rows.map(volumeAlertJson), hours, count: rows.length });
}

/** GET /api/volume-alerts/subscriptions */
async function getSubscriptions(ctx: AppContext, _req: Request, res: Response): Promise<void> {
  const { prisma } = ctx;
  const user = res.locals.user as AuthUser;
  const rows = await prisma.alertSubscription.findMany({ where: { userId: user.id }, orderBy: { createdAt: 'asc' } });
  res.json({ subscriptions: rows.map((r) => ({ ...r, createdAt: toIso(r.createdAt) })) });
}

/** POST /api/volume-alerts/subscriptions */
async function postSubscriptions(ctx: AppContext, req: Request, res: Response): Promise<void> {
  const { prisma } = ctx;
  const user = res.locals.user as AuthUser;
  const p = parseOr400(SubscriptionCreateSchema, req.body, 'Invalid request data');
  if (user.role !== 'ADMIN' && user.tier !== 'pro' && user.tier !== 'elite') {
    throw new HttpError(403, 'FORBIDDEN', { error: 'Pro or Elite tier required' });
  }
  const symbol = p.symbol.toUpperCase();
  const row = await prisma.alertSubscription.upsert({
    where: { userId_symbol: { userId: user.id, symbol } },
    create: { userId: user.id, symbol },
    update: {},
  });
  res.json({ success: true, subscription: { ...row, createdAt: toIso(row.createdAt) } });
}

/** DELETE /api/volume-alerts/subscriptions/:symbol */
async function deleteSubscriptionsSymbol(ctx: AppContext, req: Request, res: Response): Promise<void> {
  const { prisma } = ctx;
  const user = res.locals.user as AuthUser;
  const { symbol } = parseOr400(SubscriptionParamsSchema, req.params, 'Invalid request data', 'params');
  const r = await prisma.alertSubscription.deleteMany({ where: { userId: user.id, symbol } });
  if (r.count === 0) throw new HttpError(404, 'NOT_FOUND', { error: 'Subscription not found' });
  res.json({ success: true });
}

/** GET /api/volume-alerts */
async function listAlerts(ctx: AppContext, req: Request, res: Response): Promise<void> {
  const { prisma } = ctx;
  const q = parseOr400(VolumeAlertsQuerySchema, req.query, 'Invalid query', 'query');
  const tier = gateTier(res.locals.user as AuthUser | undefined);
  const limit = LIMITS[tier];
  const gate = lastBroadcastTime(tier, ctx.now());
  const timeFilter =
    tier === 'free' || tier === 'pro'
      ? { OR: [{ detectionTime: { lte: gate } }, { detectionTime: null, timestamp: { lte: gate } }] }
      : {};
  const rows = await prisma.volumeAlert.findMany({
    where: { ...(q.symbol ? { symbol: normalizeSymbol(q.symbol) } : {}), ...timeFilter },
    orderBy: { timestamp: 'desc' },
    take: limit,
  });
  res.json({ alerts: rows.map(volumeAlertJson), tier, limit, lastBroadcastTime: gate.toISOString() });
}
