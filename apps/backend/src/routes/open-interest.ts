import { Router, type Request, type Response } from 'express';
import { Prisma } from '@volspike/db';
import {
  LiquidUniverseUpdateSchema,
  OiLatestQuerySchema,
  OiSamplesQuerySchema,
  type LiquidUniverseResponse,
  toIso,
  decimalToNumber,
} from '@volspike/contracts';
import { estimatedPollIntervalSec } from '@volspike/oi-core';
import type { AppContext } from '../context.js';
import { HttpError, parseOr400 } from '../http/errors.js';
import { runIngest, runIngestOneStatement } from '../http/idempotency.js';
import { requireIngestKey } from '../http/ingest-key.js';
import { oiIngestRows, symbolOr400 } from '../services/oi-ingest-body.js';
import { IngestGate } from '../services/ingest-gate.js';
import { OiIngestStore } from '../services/oi-store.js';

const STALE_MS = 5 * 60_000;

/**
 * A mark price or USD value as served: the legacy snapshot script stored 0.0 where it did not know them; a zero is
 * served as missing (null), never as a real value (docs/legacy-contracts.md §6, STYLE 11).
 */
function knownAmount(value: Prisma.Decimal | null): number | null {
  const n = decimalToNumber(value);
  return n === 0 ? null : n;
}
const DANGEROUSLY_STALE_MS = STALE_MS + 90_000;

/**
 * What the OI poller reports it really does (heartbeat `details.scheduler`): its measured mean interval
 * (60·N ÷ polls per minute) and max staleness. Null when there is no heartbeat, it is older than
 * `staleMs`, the poller stopped, or it has not measured yet — then the legacy formula stands in.
 */
export function measuredPolling(
  beat: { status: string; lastSeenAt: Date; details: unknown } | null,
  now: number,
  staleMs: number,
): { meanIntervalSec: number; maxStalenessSec: number | null } | null {
  if (!beat || beat.status === 'stopped' || now - beat.lastSeenAt.getTime() > staleMs) return null;
  const d = beat.details as { scheduler?: { meanIntervalSec?: unknown; maxStalenessSec?: unknown } } | null;
  const mean = d?.scheduler?.meanIntervalSec;
  if (typeof mean !== 'number' || !Number.isFinite(mean) || mean <= 0) return null;
  const stale = d?.scheduler?.maxStalenessSec;
  return { meanIntervalSec: mean, maxStalenessSec: typeof stale === 'number' && Number.isFinite(stale) ? stale : null };
}

export function openInterestRouter(ctx: AppContext): Router {
  const { prisma, config } = ctx;
  const router = Router();
  const ingestKey = requireIngestKey(config.ingestKeys);
  const { oiIngestGateWait, oiIngestStatements } = ctx.metrics;
  const gate = new IngestGate({
    concurrency: config.oiIngestConcurrency,
    observer: {
      admitted: (waitedMs) => oiIngestGateWait.observe(waitedMs / 1000),
      changed: (running, waiting) => {
        oiIngestStatements.set({ state: 'running' }, running);
        oiIngestStatements.set({ state: 'waiting' }, waiting);
      },
    },
  });
  const oiStore = new OiIngestStore(prisma, ctx.oiLatest, gate);

  router.post(['/ingest', '/'], ingestKey, (req, res) => ingestSamples(ctx, oiStore, req, res));
  router.get('/', (req, res) => getUsdMap(ctx, req, res));
  router.get('/latest', (req, res) => getLatest(ctx, req, res));
  router.get('/samples', (req, res) => getSamples(ctx, req, res));
  router.get('/snapshot', ingestKey, (req, res) => getSnapshot(ctx, req, res));
  router.get('/liquid-universe', (req, res) => getLiquidUniverse(ctx, req, res));
  router.post('/liquid-universe/update', ingestKey, (req, res) => postLiquidUniverseUpdate(ctx, req, res));

  return router;
}

/** POST /api/market/open-interest/ingest, /api/market/open-interest */
async function ingestSamples(ctx: AppContext, oiStore: OiIngestStore, req: Request, res: Response): Promise<void> {
  const { prisma, metrics } = ctx;
  const stop = metrics.ingestDuration.startTimer({ route: 'open-interest' });
  const { rows, source } = oiIngestRows(req.body, ctx.now());
  // The live feed carries what the exchange said as soon as a valid batch is received, not once Postgres has
  // committed it: the commit waits behind every other write (fsync), which under a backfill is most of the
  // time to clients, and a database outage would otherwise blind the feed. The fan-out sends only samples
  // newer than the last one of their symbol, so a retry (or a replay of an Idempotency-Key) is not sent again.
  if (source === 'realtime') ctx.realtime.queueOiUpdates(rows);
  const route = 'POST /api/market/open-interest/ingest';
  await runIngestOneStatement(
    prisma,
    req,
    res,
    route,
    (key) => oiStore.ingest(rows, source, { key, route }),
    (body) => metrics.oiSamples.inc({ source }, body.inserted),
  );
  stop({ status: String(res.statusCode) });
}

/** GET /api/market/open-interest */
async function getUsdMap(ctx: AppContext, _req: Request, res: Response): Promise<void> {
  const { prisma } = ctx;
  await ctx.oiLatest.flushed();
  const rows = await prisma.openInterestLatest.findMany({
    select: { symbol: true, openInterestUsd: true, updatedAt: true },
  });
  const data: Record<string, number> = {};
  let asOf: number | null = null;
  for (const r of rows) {
    const usd = decimalToNumber(r.openInterestUsd);
    if (usd !== null) data[r.symbol] = usd;
    asOf = Math.max(asOf ?? 0, r.updatedAt.getTime());
  }
  const age = asOf === null ? Number.POSITIVE_INFINITY : ctx.now() - asOf;
  res.json({ data, stale: age > STALE_MS, asOf, dangerouslyStale: age > DANGEROUSLY_STALE_MS });
}

/** GET /api/market/open-interest/latest */
async function getLatest(ctx: AppContext, req: Request, res: Response): Promise<void> {
  const { prisma } = ctx;
  const q = parseOr400(OiLatestQuerySchema, req.query, 'Invalid query', 'query');
  const symbols = q.symbols
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => symbolOr400(s, 'symbols'));
  await ctx.oiLatest.flushed();
  const rows = await prisma.openInterestLatest.findMany({
    ...(symbols ? { where: { symbol: { in: symbols } } } : {}),
    orderBy: { symbol: 'asc' },
  });
  const now = ctx.now();
  const data = rows.map((r) => ({
    symbol: r.symbol,
    openInterest: decimalToNumber(r.openInterest),
    openInterestUsd: knownAmount(r.openInterestUsd),
    markPrice: knownAmount(r.markPrice),
    ts: toIso(r.ts),
    source: r.source,
    ageMs: now - r.ts.getTime(),
  }));
  res.json({ data, count: data.length });
}

/** GET /api/market/open-interest/samples */
async function getSamples(ctx: AppContext, req: Request, res: Response): Promise<void> {
  const { prisma } = ctx;
  const q = parseOr400(OiSamplesQuerySchema, req.query, 'Invalid query', 'query');
  const symbol = symbolOr400(q.symbol, 'symbol');
  const since = q.since ? new Date(Date.parse(q.since)) : new Date(ctx.now() - 3_600_000);
  const limit = q.limit ?? 1000;
  const rows = await prisma.openInterestSnapshot.findMany({
    where: { symbol, ts: { gte: since } },
    orderBy: { ts: 'desc' },
    take: limit,
  });
  const samples = rows.reverse().map((r) => ({
    ts: toIso(r.ts),
    openInterest: decimalToNumber(r.openInterest),
    openInterestUsd: knownAmount(r.openInterestUsd),
    markPrice: knownAmount(r.markPrice),
    source: r.source,
  }));
  res.json({ symbol, samples, count: samples.length });
}

/** GET /api/market/open-interest/snapshot */
async function getSnapshot(ctx: AppContext, req: Request, res: Response): Promise<void> {
  const { prisma } = ctx;
  const { symbol: rawSymbol, ts: rawTs } = req.query as Record<string, unknown>;
  if (typeof rawSymbol !== 'string' || rawSymbol === '') {
    throw new HttpError(400, 'BAD_REQUEST', { error: 'symbol parameter required', message: 'symbol: required' });
  }
  if (typeof rawTs !== 'string' || rawTs === '') {
    throw new HttpError(400, 'BAD_REQUEST', {
      error: 'ts parameter required (ISO 8601 timestamp)',
      message: 'ts: required',
    });
  }
  const t = Date.parse(rawTs);
  if (Number.isNaN(t))
    throw new HttpError(400, 'BAD_REQUEST', { error: 'Invalid timestamp format', message: 'ts: not a date' });
  const symbol = symbolOr400(rawSymbol, 'symbol');
  const row = await prisma.openInterestSnapshot.findFirst({
    where: { symbol, ts: { lte: new Date(t) } },
    orderBy: { ts: 'desc' },
  });
  if (!row) {
    res.json({ found: false, symbol, requestedTs: new Date(t).toISOString() });
    return;
  }
  res.json({
    found: true,
    symbol: row.symbol,
    openInterest: decimalToNumber(row.openInterest),
    openInterestUsd: knownAmount(row.openInterestUsd),
    markPrice: knownAmount(row.markPrice),
    ts: toIso(row.ts),
    source: row.source,
  });
}

/** GET /api/market/open-interest/liquid-universe */
async function getLiquidUniverse(ctx: AppContext, _req: Request, res: Response): Promise<void> {
  const { prisma, config } = ctx;
  const [rows, poller] = await Promise.all([
    prisma.openInterestLiquidSymbol.findMany({ orderBy: { quoteVolume24h: 'desc' } }),
    prisma.componentHeartbeat.findUnique({ where: { component: 'oi-poller' } }),
  ]);
  const u = config.universe;
  const measured = measuredPolling(poller, ctx.now(), config.health.heartbeatStaleSec * 1000);
  const interval = measured
    ? Math.max(1, Math.round(measured.meanIntervalSec))
    : estimatedPollIntervalSec(rows.length, u.maxReqPerMin, u.minIntervalSec, u.maxIntervalSec);
  const maxStalenessSec = measured?.maxStalenessSec != null ? Math.ceil(measured.maxStalenessSec) : null;
  let updatedAt = rows.length ? 0 : ctx.now();
  for (const r of rows) updatedAt = Math.max(updatedAt, r.lastSeenAt.getTime());
  const body: LiquidUniverseResponse = {
    updatedAt: new Date(updatedAt).toISOString(),
    enterThreshold: u.enterThreshold,
    exitThreshold: u.exitThreshold,
    symbols: rows.map((r) => ({
      symbol: r.symbol,
      quoteVolume24h: decimalToNumber(r.quoteVolume24h) ?? 0,
      enteredAt: toIso(r.enteredAt),
      lastSeenAt: toIso(r.lastSeenAt),
      estimatedPollIntervalSec: interval,
      maxStalenessSec,
    })),
    totalSymbols: rows.length,
    pollIntervalSource: measured ? 'measured' : 'formula',
  };
  res.json(body);
}

/** POST /api/market/open-interest/liquid-universe/update */
async function postLiquidUniverseUpdate(ctx: AppContext, req: Request, res: Response): Promise<void> {
  const { prisma, metrics } = ctx;
  const stop = metrics.ingestDuration.startTimer({ route: 'liquid-universe' });
  const p = parseOr400(LiquidUniverseUpdateSchema, req.body, 'Invalid payload');
  if (p.symbols.length === 0 && p.allowEmpty !== true) {
    throw new HttpError(400, 'BAD_REQUEST', {
      error: 'Refusing to empty the liquid universe',
      message: 'symbols: empty list (send "allowEmpty": true to clear the universe on purpose)',
    });
  }
  const now = new Date(ctx.now());
  const bySymbol = new Map<string, { symbol: string; quoteVolume24h: number; enteredAt: Date; lastSeenAt: Date }>();
  p.symbols.forEach((item, i) => {
    const symbol = symbolOr400(item.symbol, `symbols[${i}].symbol`);
    bySymbol.set(symbol, {
      symbol,
      quoteVolume24h:
        typeof item.quoteVolume24h === 'number' ? item.quoteVolume24h : Number(item.quoteVolume24h.trim()),
      enteredAt: item.enteredAt ? new Date(Date.parse(item.enteredAt)) : now,
      lastSeenAt: item.lastSeenAt ? new Date(Date.parse(item.lastSeenAt)) : now,
    });
  });
  const items = [...bySymbol.values()];
  await runIngest(prisma, req, res, 'POST /api/market/open-interest/liquid-universe/update', async (tx) => {
    if (items.length > 0) {
      const values = items.map(
        (r) =>
          Prisma.sql`(${r.symbol}, ${String(r.quoteVolume24h)}::numeric, ${r.enteredAt.toISOString()}::timestamp(3), ${r.lastSeenAt.toISOString()}::timestamp(3))`,
      );
      await tx.$executeRaw`
        INSERT INTO open_interest_liquid_symbols (symbol, "quoteVolume24h", "enteredAt", "lastSeenAt")
        VALUES ${Prisma.join(values)}
        ON CONFLICT (symbol) DO UPDATE SET "quoteVolume24h" = EXCLUDED."quoteVolume24h", "lastSeenAt" = EXCLUDED."lastSeenAt"`;
    }
    const removed = await tx.openInterestLiquidSymbol.deleteMany({
      where: { symbol: { notIn: items.map((r) => r.symbol) } },
    });
    return {
      status: 200,
      body: { success: true, upserted: items.length, removed: removed.count, totalSymbols: items.length },
    };
  });
  stop({ status: String(res.statusCode) });
}
