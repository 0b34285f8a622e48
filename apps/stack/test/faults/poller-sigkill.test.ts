// The OI poller as a real child process (apps/oi-poller/src/main.ts), SIGKILLed mid-cycle and restarted
// with the same DATA_DIR. The kill comes at the worst moment of at-least-once delivery: the backend has
// stored the alert and a sample batch, but the responses are held (a forwarder between poller and backend),
// so those messages are still in the poller's durable outbox, and OI requests are going out. What a user
// notices afterwards: the alert once in the database and once on a pro socket, its cooldown still running
// (a second move inside the cooldown stays silent while a control symbol alerts), every sample that was in
// the outbox at the kill stored once, and no burst of OI requests at start-up.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as backendApp from '@volspike/backend';
import { startSim, type Sim } from '@volspike/binance-sim';
import { createTestDatabase, type TestDatabase } from '@volspike/db/testing';
import { createBus, createLogger, createMetrics, type Bus } from '@volspike/runtime';
import { freePort, signUserToken, waitFor } from '../helpers.js';
import { startHoldingProxy, type HoldingProxy } from './holding-proxy.js';
import { faultPollerEnv } from './poller-env.js';
import { FaultSummary } from './summary.js';

const root = resolve(import.meta.dirname, '../../../..');
const KEY = 'faults-sigkill-key';
const JWT_SECRET = 'faults-sigkill-secret-long-enough-for-hs256';
const OI_PATH = '/fapi/v1/openInterest';
const INTERVAL_MS = 1000;
const POLLER_ENV = faultPollerEnv(INTERVAL_MS, { OI_UNIVERSE_REFRESH_MS: '2000' });
const logger = createLogger({ name: 'faults-sigkill', level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const summary = new FaultSummary('oi-poller child process SIGKILLed mid-cycle');

interface PollerProcess {
  child: ChildProcess;
  statusPort: number;
  exited: Promise<void>;
  output(): string;
}

interface OutboxEntry {
  id: string;
  idempotencyKey: string;
  body: { symbol?: string; data?: { symbol: string; ts: string }[] };
}

let sim: Sim;
let db: TestDatabase;
let bus: Bus;
let dataDir: string;
let pollerDir: string;
let backend: Awaited<ReturnType<typeof backendApp.start>> | null = null;
let proxy: HoldingProxy | null = null;
let socket: Socket | null = null;
let poller: PollerProcess | null = null;
let symbols: string[];
const received: { symbol: string }[] = [];

async function spawnPoller(): Promise<PollerProcess> {
  const statusPort = await freePort();
  const env: Record<string, string | undefined> = {
    ...process.env,
    ...POLLER_ENV,
    VOLSPIKE_API_URL: proxy!.url,
    VOLSPIKE_API_KEY: KEY,
    BINANCE_REST_URL: sim.url,
    DATA_DIR: pollerDir,
    OI_POLLER_STATUS_PORT: String(statusPort),
    OI_POLLER_STATUS_HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    LOG_PRETTY: 'false',
    REDIS_URL: '', // file outbox journal and memory bus with a state file in DATA_DIR
  };
  const child = spawn(process.execPath, ['--import', 'tsx', 'apps/oi-poller/src/main.ts'], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (d: Buffer): void => {
    out = (out + d.toString()).slice(-200_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((res) => child.once('exit', () => res()));
  return { child, statusPort, exited, output: () => out };
}

async function pollerHealth(p: PollerProcess): Promise<{ outboxDepth: number; status: string }> {
  const res = await fetch(`http://127.0.0.1:${p.statusPort}/health`);
  return (await res.json()) as { outboxDepth: number; status: string };
}

/** The messages still in an outbox journal (put without del), as the next start will load them. */
function journal(name: 'samples' | 'alerts'): OutboxEntry[] {
  const file = join(pollerDir, `oi-poller-all-${name}.outbox.jsonl`);
  if (!existsSync(file)) return [];
  const live = new Map<string, OutboxEntry>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    let rec: { op: string; m?: OutboxEntry; id?: string };
    try {
      rec = JSON.parse(line) as typeof rec;
    } catch {
      continue; // a torn last line, as the store itself skips it
    }
    if (rec.op === 'put' && rec.m) live.set(rec.m.id, rec.m);
    if (rec.op === 'del' && rec.id) live.delete(rec.id);
  }
  return [...live.values()];
}

async function moveOi(symbol: string, changePct: number, rampSec: number): Promise<number> {
  const res = await fetch(`${sim.url}/__sim/oi`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ symbol, changePct, rampSec }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { rampEndsAt: number }).rampEndsAt;
}

const requestsSince = (t: number): number[] =>
  Object.values(sim.requestLog(OI_PATH))
    .flat()
    .filter((x) => x >= t)
    .sort((a, b) => a - b);

const alertRows = (symbol: string): Promise<number> => db.prisma.openInterestAlert.count({ where: { symbol } });

beforeAll(async () => {
  sim = await startSim({ port: 0, symbols: 30, seed: 23 });
  db = await createTestDatabase();
  dataDir = mkdtempSync(join(tmpdir(), 'faults-sigkill-'));
  pollerDir = join(dataDir, 'poller');
  bus = createBus({ logger, stateFile: join(dataDir, 'backend-bus.json') });
  backend = await backendApp.start(
    backendApp.loadAppEnv({
      PORT: String(await freePort()),
      HOST: '127.0.0.1',
      NODE_ENV: 'test',
      ALERT_INGEST_API_KEY: KEY,
      JWT_SECRET,
      DATA_DIR: dataDir,
      RETENTION_INTERVAL_MS: '3600000',
      SOCKET_LEGACY_TOKEN_AUTH: 'false',
    }),
    { logger, bus, metrics: createMetrics(), dataDir, prisma: db.prisma },
  );
  const api = `http://127.0.0.1:${backend.port}`;
  proxy = await startHoldingProxy(api, /^\/api\/(market\/open-interest\/ingest|open-interest-alerts\/ingest)$/);
  // The child has its own in-memory bus: it learns the universe from the backend, as a standalone poller does.
  symbols = sim.market.liquid(0).slice(0, 10);
  const uni = await fetch(`${api}/api/market/open-interest/liquid-universe/update`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': KEY },
    body: JSON.stringify({
      symbols: symbols.map((symbol) => ({ symbol, quoteVolume24h: sim.market.quoteVolume24h(symbol) })),
    }),
  });
  expect(uni.status).toBe(200);

  const user = await db.prisma.user.create({
    data: { email: 'pro@sigkill.test', tier: 'pro', role: 'USER', status: 'ACTIVE' },
  });
  const token = await signUserToken(user.id, JWT_SECRET);
  const s = io(api, { transports: ['websocket'], auth: { token }, forceNew: true });
  socket = s;
  s.on('open-interest-alert', (a: { symbol: string }) => received.push(a));
  await new Promise<void>((res, rej) => {
    s.once('connected', () => res());
    s.once('connect_error', rej);
  });

  poller = await spawnPoller();
  await waitFor(
    'the child poller to store samples of every symbol',
    async () => (await db.prisma.openInterestLatest.count()) === symbols.length,
    90_000,
    500,
  );
}, 150_000);

afterAll(async () => {
  summary.print();
  if (poller && poller.child.exitCode === null && poller.child.signalCode === null) {
    poller.child.kill('SIGKILL');
    await poller.exited;
  }
  socket?.close();
  await proxy?.close();
  await backend?.stop().catch(() => undefined);
  await bus?.close();
  await db?.drop();
  await sim?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('oi-poller SIGKILLed mid-cycle and restarted with the same DATA_DIR', () => {
  it('no duplicate alert row or socket receipt, the cooldown kept, nothing from the outbox lost, no start-up burst', async () => {
    await summary.run('SIGKILL with the alert and a batch unacknowledged', async () => {
      const [a, control] = [symbols[2]!, symbols[5]!];
      const first = poller!;

      // 1. The backend stores what arrives, but the poller gets no acknowledgement.
      proxy!.hold(true);
      await moveOi(a, 8, 4);
      await waitFor(
        'the alert stored and on the pro socket',
        async () => (await alertRows(a)) === 1 && received.length === 1,
        30_000,
      );
      // 2. Mid-cycle: a sample batch committed but unacknowledged, more batches waiting behind it in the
      //    journal, and fresh OI requests on the wire.
      const midCycle = await waitFor(
        'a held sample batch, a backlog in the journal and fresh OI requests',
        async () => {
          const heldSamples = proxy!.held().filter((h) => h.path.endsWith('/open-interest/ingest'));
          const lastHeld = heldSamples.at(-1)?.at;
          if (lastHeld === undefined || journal('samples').length < 3) return null;
          return requestsSince(lastHeld + 200).length >= 3 ? { heldSamples: heldSamples.length } : null;
        },
        30_000,
      );
      first.child.kill('SIGKILL');
      await first.exited;
      expect(first.child.signalCode).toBe('SIGKILL');
      const pendingSamples = journal('samples');
      const pendingAlerts = journal('alerts');
      // the alert was committed by the backend but never acknowledged: it is still in the journal
      expect(pendingAlerts.map((m) => m.body.symbol)).toEqual([a]);
      expect(pendingSamples.length).toBeGreaterThanOrEqual(3);
      const inOutbox = pendingSamples.flatMap((m) => m.body.data ?? []);
      const storedAtKill = await db.prisma.openInterestSnapshot.count({ where: { source: 'realtime' } });
      proxy!.hold(false);

      // 3. Restart with the same DATA_DIR.
      const restartedAt = Date.now();
      poller = await spawnPoller();
      const second = poller;
      await waitFor(
        'the restarted poller to drain its outbox',
        async () => (await pollerHealth(second)).outboxDepth === 0 && requestsSince(restartedAt).length > 0,
        90_000,
        500,
      );
      // every sample that was in the durable outbox at the kill is stored, once (unique per symbol, ts, source)
      const rows = await db.prisma.openInterestSnapshot.findMany({
        where: { source: 'realtime', symbol: { in: [...new Set(inOutbox.map((d) => d.symbol))] } },
        select: { symbol: true, ts: true },
      });
      const have = new Set(rows.map((r) => `${r.symbol}|${r.ts.toISOString()}`));
      const lost = inOutbox.filter((d) => !have.has(`${d.symbol}|${new Date(d.ts).toISOString()}`)).length;
      expect(lost).toBe(0);
      expect(await db.prisma.openInterestSnapshot.count({ where: { source: 'realtime' } })).toBeGreaterThanOrEqual(
        storedAtKill,
      );
      // the resent alert is answered from the idempotency record: no second row, no second socket event
      expect(await alertRows(a)).toBe(1);

      // 4. Cooldown: once the restarted poller has enough history for the 3 s lookback, the same symbol and a
      //    control symbol move again. The control alerts (detection works after the restart); `a` does not.
      const firstPoll = await waitFor(
        'four polls of every symbol after the restart',
        async () => {
          const log = sim.requestLog(OI_PATH);
          return symbols.every((s) => (log[s] ?? []).filter((t) => t >= restartedAt).length >= 4)
            ? requestsSince(restartedAt)[0]
            : null;
        },
        60_000,
      );
      const rampEnds = Math.max(await moveOi(a, 8, 4), await moveOi(control, 8, 4));
      await waitFor('the control alert on the socket', async () => received.some((r) => r.symbol === control), 30_000);
      await waitFor(
        `a sample of ${a} taken after its ramp ended`,
        async () => {
          const l = await db.prisma.openInterestLatest.findUnique({ where: { symbol: a } });
          return l !== null && l.ts.getTime() > rampEnds + 1500;
        },
        30_000,
      );
      await new Promise((r) => setTimeout(r, 1500)); // the alert of that sample would be queued by now
      expect(await alertRows(a)).toBe(1);
      expect(await alertRows(control)).toBe(1);
      expect(received.filter((r) => r.symbol === a)).toHaveLength(1);
      expect(received.filter((r) => r.symbol === control)).toHaveLength(1);

      // 5. No start-up burst: in the first 3 s of polling after the restart, at most the planned rate
      //    (10 symbols at 1 s) plus one round of every symbol.
      const windowMs = 3000;
      const planned = (symbols.length * windowMs) / INTERVAL_MS;
      const early = requestsSince(firstPoll).filter((t) => t < firstPoll + windowMs).length;
      expect(early).toBeLessThanOrEqual(planned + symbols.length);
      expect(sim.stats().rejected429).toBe(0);
      expect(sim.stats().banned418).toBe(0);
      expect(second.child.exitCode).toBeNull();
      return {
        dataLost: lost,
        note: `${midCycle.heldSamples} batch(es) held at the kill, ${inOutbox.length} samples in the journal; ${early} OI requests in the first 3 s (planned ${planned})`,
      };
    });
  }, 300_000);
});
