// The real backend (start()) on a database created by the legacy backend and adopted by `db:migrate`: it serves
// the legacy history, `npm run users -- list` shows the legacy users, and a legacy user gets a signed token that
// the REST API (user-alerts) and Socket.IO accept.
import { Registry } from 'prom-client';
import { io as connect } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrismaClient, migrate, type PrismaClient } from '@volspike/db';
import { createLegacyDatabase, LEGACY_USERS, type LegacyDatabase } from '@volspike/db/testing';
import { createBus, createLogger, type Bus } from '@volspike/runtime';
import { runUsersCommand, type UsersCommand } from '../src/auth/users.js';
import { start, type BackendHandle } from '../src/index.js';
import { startEnv, TEST_JWT_SECRET } from './app-helpers.js';

let legacy: LegacyDatabase;
let prisma: PrismaClient;
let bus: Bus;
let handle: BackendHandle;
let base: string;

async function get<T = Record<string, unknown>>(path: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}${path}`, { headers });
  return { status: res.status, body: (await res.json()) as T };
}

async function users(argv: UsersCommand): Promise<string[]> {
  const lines: string[] = [];
  await runUsersCommand(argv, { prisma, jwtSecret: TEST_JWT_SECRET, out: (l) => lines.push(l) });
  return lines;
}

beforeAll(async () => {
  legacy = await createLegacyDatabase();
  const adopted = await migrate(legacy.url);
  expect(adopted.state).toBe('legacy');
  prisma = createPrismaClient(legacy.url, { maxConnections: 4 });
  const logger = createLogger({ name: 'test', level: 'silent' });
  bus = createBus({ logger });
  handle = await start(startEnv({ DEBUG_ACCESS: 'public' }), { logger, bus, metrics: new Registry(), prisma });
  base = `http://127.0.0.1:${handle.port}`;
}, 120_000);
afterAll(async () => {
  await handle?.stop();
  await bus?.close();
  await prisma?.$disconnect();
  await legacy?.drop();
});

describe('the backend on an adopted legacy database', () => {
  it('serves the legacy volume alerts, newest first', async () => {
    const { status, body } = await get<{ alerts: { id: string; symbol: string }[]; count: number }>(
      '/api/volume-alerts/recent?hours=168&limit=100',
    );
    expect(status).toBe(200);
    const newest = await prisma.volumeAlert.findMany({ orderBy: { timestamp: 'desc' }, take: 100 });
    expect(newest).toHaveLength(100);
    expect(body.alerts.map((a) => a.id)).toEqual(newest.map((a) => a.id));
  });

  it('serves OI latest (rebuilt from the legacy snapshots), samples and OI alerts', async () => {
    // open_interest_latest is new: the backend's start-up repair fills it from the newest stored samples.
    await expect
      .poll(
        async () =>
          Object.keys((await get<{ data: Record<string, number> }>('/api/market/open-interest')).body.data).length,
        {
          timeout: 30_000,
        },
      )
      .toBeGreaterThanOrEqual(49);
    const since = new Date(legacy.end.getTime() - 2 * 3_600_000).toISOString();
    const samples = await get<{ samples?: unknown[]; data?: unknown[] }>(
      `/api/market/open-interest/samples?symbol=ETHUSDT&since=${since}&limit=10000`,
    );
    expect(samples.status).toBe(200);
    const stored = await prisma.openInterestSnapshot.count({
      where: { symbol: 'ETHUSDT', ts: { gte: new Date(since) } },
    });
    expect(stored).toBe(25 + 120); // 5-minute snapshots + the legacy poller's realtime samples
    expect(JSON.stringify(samples.body)).toContain('"source":"snapshot"');
    const rows = (samples.body.samples ?? samples.body.data ?? []) as unknown[];
    expect(rows).toHaveLength(stored);
    const alerts = await get<{ alerts: { symbol: string }[]; count: number }>(
      '/api/open-interest-alerts/recent?limit=500',
    );
    expect(alerts.status).toBe(200);
    expect(alerts.body.count).toBe(await prisma.openInterestAlert.count());
    expect(alerts.body.count).toBe(96); // one per half-hour for two days; the 3 retried duplicates were archived
    // The legacy snapshot script stored 0.0 for an unknown mark price / USD value: served as missing, not as zero.
    const zeros = await get<{ samples: { ts: string; markPrice: number | null; openInterestUsd: number | null }[] }>(
      `/api/market/open-interest/samples?symbol=1000PEPEUSDT&since=${since}&limit=10000`,
    );
    const zeroRows = await prisma.openInterestSnapshot.findMany({
      where: { symbol: '1000PEPEUSDT', ts: { gte: new Date(since) }, markPrice: 0 },
    });
    expect(zeroRows.length).toBeGreaterThan(0);
    for (const z of zeroRows) {
      expect(zeros.body.samples.find((x) => x.ts === z.ts.toISOString())).toMatchObject({
        markPrice: null,
        openInterestUsd: null,
      });
    }
    expect(zeros.body.samples.filter((x) => x.markPrice === 0 || x.openInterestUsd === 0)).toEqual([]);
  }, 90_000);

  it('serves the liquid universe and the Telegram messages of enabled channels', async () => {
    const universe = await get<{ symbols?: unknown[]; data?: unknown }>('/api/market/open-interest/liquid-universe');
    expect(universe.status).toBe(200);
    for (const s of legacy.symbols) expect(JSON.stringify(universe.body)).toContain(`"${s}"`);
    const messages = await get<{ messages: { channelUsername: string; date: string }[] }>(
      '/api/telegram/messages?limit=100',
    );
    expect(messages.status).toBe(200);
    expect(messages.body.messages).toHaveLength(40); // 20 from each enabled channel; old_signals is disabled
    const dates = messages.body.messages.map((m) => m.date);
    expect(dates).toEqual([...dates].sort().reverse());
  });

  it('lists the legacy users with their tier, role and status', async () => {
    const lines = await users({ kind: 'list' });
    for (const u of LEGACY_USERS) {
      const line = lines.find((l) => l.includes(u.email));
      expect(line, u.email).toBeDefined();
      expect(line!.split(/\s+/).slice(0, 5)).toEqual([u.id, u.email, u.tier, u.role, u.status]);
    }
  });

  it('gives a legacy user a signed token that user-alerts and Socket.IO accept', async () => {
    const pro = LEGACY_USERS.find((u) => u.tier === 'pro' && u.status === 'ACTIVE')!;
    const [token] = await users({ kind: 'token', email: pro.email, ttlSec: 3600 });
    const mine = await get<{ alerts: { id: string }[] }>('/api/user-alerts', { authorization: `Bearer ${token!}` });
    expect(mine.status).toBe(200);
    const legacyRows = await prisma.userCrossAlert.findMany({ where: { userId: pro.id } });
    expect(legacyRows.length).toBeGreaterThan(0);
    expect(mine.body.alerts.map((a) => a.id).sort()).toEqual(legacyRows.map((a) => a.id).sort());
    const socket = connect(base, { auth: { token }, transports: ['websocket'], reconnection: false });
    try {
      const payload = await new Promise<unknown>((resolve, reject) => {
        socket.once('connected', resolve);
        socket.once('connect_error', reject);
      });
      expect(payload).toMatchObject({ tier: 'pro' });
    } finally {
      socket.close();
    }
  });

  it('`users add` updates a legacy user in place (their account columns untouched) and prints a token that works', async () => {
    const elite = LEGACY_USERS.find((u) => u.tier === 'elite' && u.role === 'USER')!;
    const before = await prisma.user.findUniqueOrThrow({ where: { id: elite.id } });
    const lines = await users({ kind: 'add', email: elite.email, tier: 'pro', admin: false, ttlSec: 3600 });
    expect(lines[0]).toBe(`updated user ${elite.email} (id ${elite.id}, tier pro, role USER)`);
    const after = await prisma.user.findUniqueOrThrow({ where: { id: elite.id } });
    const { tier: _t, updatedAt: _u, ...keptBefore } = before;
    const { tier, updatedAt: _u2, ...keptAfter } = after;
    expect(tier).toBe('pro');
    expect(keptAfter).toEqual(keptBefore); // password hash, wallet, Stripe id, 2FA… as the legacy backend left them
    const res = await get('/api/user-alerts', { authorization: `Bearer ${lines.at(-1)!}` });
    expect(res.status).toBe(200);
  });
});
