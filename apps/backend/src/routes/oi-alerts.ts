import { Router, type Request, type RequestHandler, type Response } from 'express';
import type { Prisma, OpenInterestAlert } from '@volspike/db';
import {
  OiAlertAlsoCrossedSchema,
  OiAlertIngestSchema,
  OiAlertsQuerySchema,
  OiAlertsRecentQuerySchema,
  normalizeSymbol,
  parseNormalisedSymbol,
  decimalToString,
  oiAlertEvent,
  toIso,
} from '@volspike/contracts';
import type { AuthUser } from '../auth/index.js';
import type { AppContext } from '../context.js';
import { HttpError, parseOr400 } from '../http/errors.js';
import { runIngest } from '../http/idempotency.js';
import { requireIngestKey } from '../http/ingest-key.js';
import { withAuthKind } from '../http/route-auth.js';

/** Legacy REST form: Decimals as strings (as Prisma JSON had them). */
function oiAlertRestRow(row: OpenInterestAlert) {
  return {
    id: row.id,
    symbol: row.symbol,
    direction: row.direction,
    baseline: decimalToString(row.baseline),
    current: decimalToString(row.current),
    pctChange: decimalToString(row.pctChange),
    absChange: decimalToString(row.absChange),
    priceChange: decimalToString(row.priceChange),
    fundingRate: decimalToString(row.fundingRate),
    timeframe: row.timeframe,
    source: row.source,
    ts: toIso(row.ts),
    createdAt: toIso(row.createdAt),
    details: row.details,
  };
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Bearer, as every signed-in route; only a request without an Authorization header gets this route's own
 * legacy body, `{"error":"Authentication required"}`.
 */
function requireUserOrLegacy401(ctx: AppContext): RequestHandler {
  return withAuthKind('bearer', (req, res, next) => {
    if (req.headers.authorization) ctx.auth.requireUser(req, res, next);
    else next(new HttpError(401, 'UNAUTHORIZED', { error: 'Authentication required' }));
  });
}

export function oiAlertsRouter(ctx: AppContext): Router {
  const { config } = ctx;
  const router = Router();

  router.post('/ingest', requireIngestKey(config.ingestKeys), (req, res) => ingestAlert(ctx, req, res));

  // A timeframe the poller held back under the symbol's cap (FR-OI-ALERT-3): appended to the sent alert's
  // details.alsoCrossed (once per timeframe and sample), its state row marked OUTSIDE; nothing is broadcast.
  router.post('/also-crossed', requireIngestKey(config.ingestKeys), (req, res) => postAlsoCrossed(ctx, req, res));
  router.get('/recent', ctx.auth.requireDebugAccess(config.debugAccess), (req, res) => getRecent(ctx, req, res));
  router.get('/', requireUserOrLegacy401(ctx), (req, res) => listAlerts(ctx, req, res));

  return router;
}

/** POST /api/open-interest-alerts/ingest */
async function ingestAlert(ctx: AppContext, req: Request, res: Response): Promise<void> {
  const { prisma, metrics } = ctx;
  const stop = metrics.ingestDuration.startTimer({ route: 'oi-alerts' });
  const p = parseOr400(OiAlertIngestSchema, req.body, 'Invalid payload: missing required fields');
  const symbol = parseNormalisedSymbol(p.symbol);
  if (symbol === null) {
    throw new HttpError(400, 'BAD_REQUEST', {
      error: 'Invalid payload: missing required fields',
      message: 'symbol: not a symbol',
    });
  }
  const ts = new Date(Date.parse(p.timestamp));
  await runIngest(prisma, req, res, 'POST /api/open-interest-alerts/ingest', async (tx) => {
    const key = { symbol, direction: p.direction, timeframe: p.timeframe, ts };
    const existing = await tx.openInterestAlert.findUnique({ where: { symbol_direction_timeframe_ts: key } });
    if (existing) {
      // A retry of an alert that was already stored (no Idempotency-Key): same answer, no second broadcast.
      return { status: 200, body: { success: true, id: existing.id, duplicate: true } };
    }
    const row = await tx.openInterestAlert.create({
      data: {
        ...key,
        baseline: p.baseline,
        current: p.current,
        pctChange: p.pctChange,
        absChange: p.absChange,
        priceChange: p.priceChange ?? null,
        fundingRate: p.fundingRate ?? null,
        source: p.source,
        ...(p.details ? { details: p.details as Prisma.InputJsonValue } : {}),
      },
    });
    await tx.oiAlertState.upsert({
      where: { symbol_timeframe_direction: { symbol, timeframe: p.timeframe, direction: p.direction } },
      create: { symbol, timeframe: p.timeframe, direction: p.direction, lastAlertAt: ts, state: 'OUTSIDE' },
      update: { lastAlertAt: ts, state: 'OUTSIDE' },
    });
    return {
      status: 200,
      body: { success: true, id: row.id },
      after: () => {
        metrics.alerts.inc({ kind: 'open-interest' });
        ctx.realtime.emitOiAlert(oiAlertEvent(row));
      },
    };
  });
  stop({ status: String(res.statusCode) });
}

/** POST /api/open-interest-alerts/also-crossed */
async function postAlsoCrossed(ctx: AppContext, req: Request, res: Response): Promise<void> {
  const { prisma } = ctx;
  const p = parseOr400(OiAlertAlsoCrossedSchema, req.body, 'Invalid payload: missing required fields');
  const symbol = normalizeSymbol(p.symbol);
  const ts = new Date(Date.parse(p.alert.timestamp));
  await runIngest(prisma, req, res, 'POST /api/open-interest-alerts/also-crossed', async (tx) => {
    const [row] = await tx.$queryRaw<{ id: string; details: unknown }[]>`
      SELECT "id", "details" FROM "open_interest_alerts"
      WHERE "symbol" = ${symbol} AND "direction" = ${p.direction} AND "timeframe" = ${p.alert.timeframe}
        AND "ts" = ${ts}
      FOR UPDATE`;
    if (!row) {
      throw new HttpError(404, 'NOT_FOUND', {
        error: 'Alert not found',
        message: `no ${p.direction} alert of ${symbol} for ${p.alert.timeframe} at ${p.alert.timestamp}`,
      });
    }
    const details = isRecord(row.details) ? row.details : {};
    const list = Array.isArray(details.alsoCrossed) ? (details.alsoCrossed as unknown[]) : [];
    const c = p.crossing;
    const duplicate = list.some((e) => isRecord(e) && e.timeframe === c.timeframe && e.ts === c.ts);
    if (!duplicate) {
      await tx.openInterestAlert.update({
        where: { id: row.id },
        data: { details: { ...details, alsoCrossed: [...list, c] } as Prisma.InputJsonValue },
      });
    }
    await tx.oiAlertState.upsert({
      where: { symbol_timeframe_direction: { symbol, timeframe: c.timeframe, direction: p.direction } },
      create: { symbol, timeframe: c.timeframe, direction: p.direction, state: 'OUTSIDE' },
      update: { state: 'OUTSIDE' },
    });
    return { status: 200, body: { success: true, id: row.id, duplicate } };
  });
}

/** GET /api/open-interest-alerts/recent */
async function getRecent(ctx: AppContext, req: Request, res: Response): Promise<void> {
  const { prisma } = ctx;
  const q = parseOr400(OiAlertsRecentQuerySchema, req.query, 'Invalid query', 'query');
  const rows = await prisma.openInterestAlert.findMany({
    where: {
      ...(q.symbol ? { symbol: normalizeSymbol(q.symbol) } : {}),
      ...(q.direction ? { direction: q.direction } : {}),
    },
    orderBy: [{ ts: 'desc' }, { createdAt: 'desc' }],
    take: q.limit ?? 50,
  });
  res.json({ alerts: rows.map(oiAlertEvent), count: rows.length });
}

/** GET /api/open-interest-alerts */
async function listAlerts(ctx: AppContext, req: Request, res: Response): Promise<void> {
  const { prisma } = ctx;
  const user = res.locals.user as AuthUser;
  if (user.role !== 'ADMIN' && user.tier !== 'pro' && user.tier !== 'elite') {
    throw new HttpError(403, 'FORBIDDEN', { error: 'Pro or Elite subscription required' });
  }
  const q = parseOr400(OiAlertsQuerySchema, req.query, 'Invalid query', 'query');
  const limit = Math.min(q.limit ?? 50, 100);
  const offset = q.offset ?? 0;
  const rows = await prisma.openInterestAlert.findMany({
    where: {
      ...(q.symbol ? { symbol: normalizeSymbol(q.symbol) } : {}),
      ...(q.direction ? { direction: q.direction } : {}),
    },
    orderBy: [{ ts: 'desc' }, { id: 'desc' }],
    take: limit,
    skip: offset,
  });
  res.json({ alerts: rows.map(oiAlertRestRow), count: rows.length, limit, offset });
}
