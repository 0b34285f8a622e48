// /debug: server-rendered diagnostic pages (universe, open interest, alerts, weight budget) and their
// small JSON endpoints. Access per DEBUG_ACCESS: everyone, or an admin's token (Bearer header, or the
// HttpOnly cookie that `/debug?token=<jwt>` sets so that a browser can use the pages).
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Router } from 'express';
import type { NextFunction, Request, Response } from 'express';
import type { PrismaClient } from '@volspike/db';
import { CHANNELS, KEYS } from '@volspike/runtime';
import type { Bus, Logger, OiScheduleMessage } from '@volspike/runtime';
import type { Auth } from '../auth/index.js';
import type { LatestOiWriter } from '../services/oi-latest.js';
import { DEBUG_TOKEN_COOKIE } from '../auth/index.js';
import { BudgetHistory } from './budget-history.js';
import { renderIndex, renderOpenInterest, renderUniverse } from './pages.js';
import { renderAlerts, renderRateLimit } from './pages-live.js';
import { UniverseTracker, isUniverseMessage } from './universe-tracker.js';

/** Bus key holding the newest BudgetSnapshot (next to the `weight-budget` channel). */
export const BUDGET_LATEST_KEY = KEYS.budgetLatest;
const OI_POLLER_COMPONENT = 'oi-poller';

export interface DebugRouter extends Router {
  /** Unsubscribes from the bus. */
  close(): Promise<void>;
}

export interface DebugRouterDeps {
  prisma: PrismaClient;
  /** Flushed before the pages that read open_interest_latest. */
  oiLatest: Pick<LatestOiWriter, 'flushed'>;
  bus: Bus;
  auth: Auth;
  debugAccess: 'public' | 'admin';
  logger: Logger;
  now?: () => number;
}

function uplotDir(): string {
  const require = createRequire(import.meta.url);
  return dirname(require.resolve('uplot/dist/uPlot.iife.min.js'));
}

const pick = (details: unknown, key: string): number | null => {
  if (typeof details !== 'object' || details === null) return null;
  const v = (details as Record<string, unknown>)[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
};

/** The scheduler stats an oi-poller heartbeat carries (details.scheduler), or null. */
export function schedulerOf(details: unknown): Record<string, unknown> | null {
  if (typeof details !== 'object' || details === null) return null;
  const s = (details as Record<string, unknown>).scheduler;
  return typeof s === 'object' && s !== null ? (s as Record<string, unknown>) : null;
}

export function createDebugRouter(deps: DebugRouterDeps): DebugRouter {
  const { prisma, bus } = deps;
  const now = deps.now ?? Date.now;
  const log = deps.logger.child({ component: 'debug' });
  const history = new BudgetHistory();
  const tracker = new UniverseTracker();
  const router = Router() as DebugRouter;
  const unsubscribes: Promise<(() => Promise<void>) | null>[] = [];

  const subscribe = (channel: string, handler: (m: unknown) => void) =>
    unsubscribes.push(
      bus.subscribe(channel, handler).catch((err: unknown) => {
        log.warn({ err, channel }, 'debug pages could not subscribe to the bus; the page shows stored data only');
        return null;
      }),
    );
  subscribe(CHANNELS.budget, (m) => history.add(m));
  subscribe(CHANNELS.universe, (m) => tracker.observe(m));
  void bus.getJson(BUDGET_LATEST_KEY).then(
    (v) => history.add(v),
    () => undefined,
  );
  void bus.getJson(KEYS.universe).then(
    (v) => tracker.observe(v),
    () => undefined,
  );

  router.get('/vendor/:name', vendorFiles());
  // `?token=<jwt>` → HttpOnly cookie, then the same URL without the token (it must not stay in history).
  router.use(tokenToCookie(deps.auth));
  router.use(deps.auth.requireDebugAccess(deps.debugAccess));

  const html = (body: string) => (_req: unknown, res: Response) => {
    res.set('Cache-Control', 'no-store').type('html').send(body);
  };

  router.get('/', async (req, res) => {
    await deps.oiLatest.flushed();
    html(await renderIndex(prisma, now()))(req, res);
  });
  router.get('/universe', async (req, res) => {
    const busUniverse = await bus.getJson(KEYS.universe).catch(() => null);
    html(await renderUniverse(prisma, tracker, isUniverseMessage(busUniverse) ? busUniverse : null, now()))(req, res);
  });
  router.get('/open-interest', async (req, res) => {
    const q = typeof req.query.symbol === 'string' ? req.query.symbol.trim().toUpperCase() : null;
    await deps.oiLatest.flushed();
    html(await renderOpenInterest(prisma, now(), q))(req, res);
  });
  router.get('/alerts', async (req, res) => html(await renderAlerts(prisma))(req, res));
  router.get('/rate-limit', (req, res) => html(renderRateLimit())(req, res));
  router.get('/api/rate-limit', async (_req, res) => {
    history.add(await bus.getJson(BUDGET_LATEST_KEY).catch(() => null));
    const oiSchedule = await bus.getJson<OiScheduleMessage>(KEYS.oiSchedule).catch(() => null);
    res.set('Cache-Control', 'no-store').json(await rateLimitJson(prisma, history, now(), oiSchedule));
  });

  router.close = async () => {
    const fns = await Promise.all(unsubscribes);
    await Promise.all(fns.map((fn) => fn?.().catch(() => undefined)));
  };
  return router;
}

/** uPlot's script and stylesheet for the charts, from the installed package. */
function vendorFiles(): (req: Request, res: Response, next: NextFunction) => Promise<void> {
  // Read once: the files live under node_modules/.pnpm, a dot-directory that res.sendFile refuses to serve.
  const vendorDir = uplotDir();
  const files: Record<string, { file: string; type: string; body?: Buffer }> = {
    'uplot.iife.min.js': { file: 'uPlot.iife.min.js', type: 'application/javascript' },
    'uplot.min.css': { file: 'uPlot.min.css', type: 'text/css' },
  };
  return async (req: Request, res: Response, next: NextFunction) => {
    const entry = files[String(req.params.name)];
    if (!entry) {
      next();
      return;
    }
    entry.body ??= await readFile(join(vendorDir, entry.file));
    res.set('Cache-Control', 'public, max-age=86400').type(entry.type).send(entry.body);
  };
}

/** `?token=<jwt>` → HttpOnly cookie, then the same URL without the token (it must not stay in history). */
function tokenToCookie(auth: Auth): (req: Request, res: Response, next: NextFunction) => Promise<void> {
  return async (req: Request, res: Response, next: NextFunction) => {
    const token = typeof req.query.token === 'string' ? req.query.token : null;
    if (!token || req.method !== 'GET') {
      next();
      return;
    }
    const user = await auth.verifyToken(token);
    if (!user) {
      res.status(401).json({ error: 'Invalid token' });
      return;
    }
    const secure = req.secure ? '; Secure' : '';
    res.setHeader(
      'Set-Cookie',
      `${DEBUG_TOKEN_COOKIE}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Strict; Max-Age=604800${secure}`,
    );
    const url = new URL(req.originalUrl, 'http://x');
    url.searchParams.delete('token');
    res.redirect(303, url.pathname + url.search);
  };
}

/** The JSON behind /debug/rate-limit: the budget's history and each component's last heartbeat. */
async function rateLimitJson(
  prisma: PrismaClient,
  history: BudgetHistory,
  t: number,
  oiSchedule: OiScheduleMessage | null,
) {
  const heartbeats = await prisma.componentHeartbeat.findMany({ orderBy: { component: 'asc' } });
  const poller = heartbeats.find((h) => h.component === OI_POLLER_COMPONENT);
  return {
    now: t,
    latest: history.latest(),
    history: history.history(),
    components: history.components(),
    oiPoller: poller
      ? {
          status: poller.status,
          lastSeenAt: poller.lastSeenAt.toISOString(),
          pollIntervalMs: pick(poller.details, 'pollIntervalMs'),
          pollsPerMin: pick(poller.details, 'pollsPerMin'),
          universeSize: pick(poller.details, 'universeSize'),
          errors: pick(poller.details, 'errors'),
          alertsPerMin: pick(poller.details, 'alertsPerMin'),
          scheduler: schedulerOf(poller.details),
        }
      : null,
    oiSchedule,
    heartbeats: heartbeats.map((h) => ({
      component: h.component,
      status: h.status,
      lastSeenAt: h.lastSeenAt.toISOString(),
      ageMs: t - h.lastSeenAt.getTime(),
      details: h.details,
    })),
  };
}
