// The stack as the systemd units run it: deploy/install.sh into a scratch root, then every installed unit's
// ExecStart run in its WorkingDirectory with its environment (the unit's Environment= lines, then the
// volspike.env install.sh wrote, then this test's servers and ports) — one process per app, two backend
// instances, NODE_ENV=production, one shared DATA_DIR; real Postgres; a real Redis carrying the shared
// weight budget, the bus and the Socket.IO adapter; a reverse proxy that routes by the generated route
// table; the simulated exchange. Data flows end to end: universe job → backend A → the OI poller → samples
// ingested through backend A → a Socket.IO client on backend B (and one through the proxy) sees the
// updates; an OI move injected at the exchange becomes an alert at those clients; the funding API answers;
// legacy routes reach the legacy backend.
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type Sim } from '@volspike/binance-sim';
import { createTestDatabase, type TestDatabase } from '@volspike/db/testing';
import { REPO_ROOT } from '../../src/launch.js';
import { COMMITTED_NGINX_CONF, parseNginxLocations, routeOf } from '../../src/proxy-config.js';
import { startDedicatedRedis, redisUnavailable, type DedicatedRedis } from '../faults/services.js';
import { freePort, liquidUniverse, skipWhenMissing, waitFor } from '../helpers.js';

const execFileP = promisify(execFile);
const KEY = 'multi-process-ingest-key-0123456789';
const JWT_SECRET = 'multi-process-jwt-secret-0123456789-abcdefghij';
const N_LIQUID = 6;
const APPS = [
  'funding',
  'binance-proxy',
  'universe-job',
  'oi-poller',
  'volume-alerts',
  'user-alerts',
  'telegram-poller',
];

interface Proc {
  name: string;
  /** The current process (replaced when it is restarted). */
  child: ChildProcess;
  /** Resolves when the current process has exited. */
  exited: Promise<void>;
  /** Times it failed and was started again (Restart=on-failure). */
  restarts: number;
  output(): string;
}

/** Set at teardown: exits are then expected, not restarted. */
let stopping = false;
/** The units' Restart=on-failure with RestartSec=5, StartLimitBurst=10: at most this many restarts. */
const RESTART_LIMIT = 3;

let sim: Sim;
let db: TestDatabase;
let redis: DedicatedRedis;
let dataDir: string;
let liquid: string[];
let proxy: Server;
let legacy: Server;
let proxyUrl: string;
let installRoot: string;
let installedEnv: Record<string, string>;
const procs: Proc[] = [];
const sockets: Socket[] = [];
const ports: Record<string, number> = {};

interface UnitCommand {
  cwd: string;
  argv: string[];
  /** The unit's Environment= lines (an EnvironmentFile overrides them). */
  unitEnv: Record<string, string>;
  /** Assignments `/usr/bin/env` makes on the command line (they override everything). */
  execEnv: Record<string, string>;
}

const assign = (into: Record<string, string>, kv: string): void => {
  into[kv.slice(0, kv.indexOf('='))] = kv.slice(kv.indexOf('=') + 1);
};

/** An installed unit's ExecStart, WorkingDirectory and Environment= lines (`%i` = the instance). */
function unitCommand(unit: string, instance = ''): UnitCommand {
  const text = readFileSync(join(installRoot, 'etc/systemd/system', unit), 'utf8').replaceAll('%i', instance);
  const lines = (key: string): string[] =>
    [...text.matchAll(new RegExp(`^${key}=(.*)$`, 'gm'))].map((m) => m[1]!.trim());
  const unitEnv: Record<string, string> = {};
  for (const e of lines('Environment')) assign(unitEnv, e);
  const execEnv: Record<string, string> = {};
  let argv = lines('ExecStart')[0]!.split(/\s+/);
  if (argv[0] === '/usr/bin/env') {
    argv = argv.slice(1);
    while (argv[0]?.includes('=')) assign(execEnv, argv.shift()!);
  }
  return { cwd: lines('WorkingDirectory')[0]!, argv, unitEnv, execEnv };
}

/** Runs an installed unit: Environment= < the installed volspike.env < `overrides` < env(1) assignments. */
function launch(name: string, unit: string, overrides: Record<string, string>, instance = ''): Proc {
  const cmd = unitCommand(unit, instance);
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    ...cmd.unitEnv,
    ...installedEnv,
    ...overrides,
    ...cmd.execEnv,
  };
  let out = '';
  const keep = (d: Buffer): void => {
    out = (out + d.toString()).slice(-100_000);
  };
  const p: Proc = { name, child: null as never, exited: Promise.resolve(), restarts: 0, output: () => out };
  // As systemd runs a unit: a process that fails is started again after RestartSec (here 1 s), a few times.
  const start = (): void => {
    const child = spawn(cmd.argv[0]!, cmd.argv.slice(1), { cwd: cmd.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    p.child = child;
    p.exited = new Promise<void>((r) =>
      child.once('exit', (code) => {
        r();
        if (stopping || code === 0 || p.restarts >= RESTART_LIMIT) return;
        p.restarts += 1;
        out += `\n[test] ${name} exited with ${String(code ?? child.signalCode)}: restarted (${p.restarts})\n`;
        setTimeout(() => {
          if (!stopping) start();
        }, 1000);
      }),
    );
  };
  start();
  procs.push(p);
  return p;
}

/** KEY=value lines of a systemd EnvironmentFile (single or double quotes removed). */
function parseEnvFile(path: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of readFileSync(path, 'utf8').split('\n')) {
    const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(l);
    if (m) out[m[1]!] = m[2]!.replace(/^"(.*)"$|^'(.*)'$/, '$1$2');
  }
  return out;
}

function running(p: Proc): boolean {
  return p.child.exitCode === null && p.child.signalCode === null;
}

/** What this test sets over the installed volspike.env: its servers, free ports and fast test cadences. */
function testOverrides(): Record<string, string> {
  const uni = liquidUniverse(sim, N_LIQUID);
  return {
    LOG_LEVEL: 'info',
    DATA_DIR: dataDir,
    SHADOW_DIR: join(dataDir, 'shadow'),
    DATABASE_URL: db.url,
    REDIS_URL: redis.url,
    BINANCE_REST_URL: sim.url,
    BINANCE_WS_URL: sim.wsUrl,
    ALERT_INGEST_API_KEY: KEY,
    VOLSPIKE_API_KEY: KEY,
    JWT_SECRET,
    VOLSPIKE_API_URL: `http://127.0.0.1:${ports.backendA}`,
    FUNDING_API_PORT: String(ports.funding),
    FUNDING_API_URL: `http://127.0.0.1:${ports.funding}/funding`,
    BINANCE_PROXY_PORT: String(ports.binanceProxy),
    BINANCE_PROXY_HOST: '127.0.0.1',
    BINANCE_PROXY_URL: `http://127.0.0.1:${ports.binanceProxy}`,
    UNIVERSE_JOB_STATUS_PORT: String(ports.universe),
    OI_POLLER_STATUS_PORT: String(ports.poller),
    VOLUME_ALERTS_STATUS_PORT: String(ports.volume),
    USER_ALERTS_STATUS_PORT: String(ports.userAlerts),
    TELEGRAM_POLLER_STATUS_PORT: String(ports.telegram),
    OI_LIQUID_ENTER_QUOTE_24H: String(uni.enter),
    OI_LIQUID_EXIT_QUOTE_24H: String(uni.enter / 2),
    OI_UNIVERSE_REFRESH_SEC: '5',
    OI_UNIVERSE_REFRESH_MS: '2000',
    UNIVERSE_USE_TICKER_WS: 'false',
    OI_POLL_MIN_INTERVAL_MS: '1000',
    OI_POLL_MAX_INTERVAL_MS: '1000',
    OI_PUBLISH_INTERVAL_MS: '500',
    OI_UPDATE_TICK_MS: '200',
    OI_WARM_START: 'false',
    OI_ALERT_TIMEFRAMES: '3s:2%:600s:tol=1s:min=1:label=3s',
    RETENTION_INTERVAL_MS: '3600000',
  };
}

// --- the reverse proxy, routing by the committed nginx file's locations --------------------------------

function startProxy(backends: number[], legacyPort: number): Promise<Server> {
  const locations = parseNginxLocations(readFileSync(COMMITTED_NGINX_CONF, 'utf8'));
  let next = 0;
  const target = (path: string): number => {
    const side = routeOf(path, locations);
    if (side === 'legacy') return legacyPort;
    if (side === 'socketio') return backends[0]!; // sticky: one client address, one backend
    next = (next + 1) % backends.length;
    return backends[next]!;
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const upstream = request(
      { host: '127.0.0.1', port: target(req.url ?? '/'), path: req.url, method: req.method, headers: req.headers },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  // WebSocket upgrades: raw TCP to the chosen backend, the request head replayed.
  server.on('upgrade', (req: IncomingMessage, sock, head: Buffer) => {
    const up = connect(target(req.url ?? '/'), '127.0.0.1', () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      up.write(lines.join('\r\n') + '\r\n\r\n');
      up.write(head);
      up.pipe(sock).pipe(up);
    });
    up.on('error', () => sock.destroy());
    sock.on('error', () => up.destroy());
  });
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r(server)));
}

const url = (s: Server): string => `http://127.0.0.1:${(s.address() as { port: number }).port}`;

async function getJson<T>(u: string, headers: Record<string, string> = {}): Promise<{ status: number; body: T }> {
  const res = await fetch(u, { headers });
  return { status: res.status, body: (await res.json()) as T };
}

/**
 * An elite user and the signed token `npm run users -- add` prints for it (the operator's path). Run
 * asynchronously: a blocked event loop would stop reading the children's output pipes and stall them.
 */
async function eliteToken(): Promise<string> {
  const { stdout } = await execFileP(
    process.execPath,
    ['--import', 'tsx', 'apps/backend/src/users-cli.ts', 'add', '--email', 'elite@multi.test', '--tier', 'elite'],
    { cwd: REPO_ROOT, env: { ...process.env, DATABASE_URL: db.url, JWT_SECRET }, encoding: 'utf8', timeout: 120_000 },
  );
  return stdout.trim().split('\n').at(-1)!;
}

function connectClient(base: string, token: string): Promise<{ socket: Socket; events: Map<string, unknown[]> }> {
  const socket = io(base, { transports: ['websocket'], auth: { token }, forceNew: true, reconnection: true });
  sockets.push(socket);
  const events = new Map<string, unknown[]>();
  socket.onAny((event: string, payload: unknown) => events.set(event, [...(events.get(event) ?? []), payload]));
  return new Promise((resolve, reject) => {
    socket.once('connected', () => resolve({ socket, events }));
    socket.once('connect_error', reject);
  });
}

const skipWhy = redisUnavailable();

describe.skipIf(skipWhenMissing('multi-process stack', skipWhy))(
  'the stack as the units run it (one process per app, two backends)',
  () => {
    beforeAll(async () => {
      // The units run the bundles: build them when a source is newer (what `npm run build` does).
      const build = spawnSync(process.execPath, ['scripts/build.mjs', '--if-stale'], {
        cwd: REPO_ROOT,
        encoding: 'utf8',
      });
      expect(build.status, build.stderr).toBe(0);
      sim = await startSim({ port: 0, symbols: 30, seed: 31 });
      liquid = liquidUniverse(sim, N_LIQUID).liquid;
      [db, redis] = await Promise.all([createTestDatabase(), startDedicatedRedis()]);
      dataDir = mkdtempSync(join(tmpdir(), 'volspike-units-'));
      for (const k of [
        'backendA',
        'backendB',
        'funding',
        'binanceProxy',
        'universe',
        'poller',
        'volume',
        'userAlerts',
        'telegram',
      ]) {
        ports[k] = await freePort();
      }
      legacy = createServer((req, res) => res.end(JSON.stringify({ legacy: true, url: req.url })));
      await new Promise<void>((r) => legacy.listen(0, '127.0.0.1', r));
      // deploy/install.sh into a scratch root: the units and the env file the processes run with.
      installRoot = mkdtempSync(join(tmpdir(), 'volspike-units-root-'));
      const inst = spawnSync('bash', [join(REPO_ROOT, 'deploy/install.sh'), '--root', installRoot, '--skip-build'], {
        encoding: 'utf8',
      });
      expect(inst.status, inst.stdout + inst.stderr).toBe(0);
      installedEnv = parseEnvFile(join(installRoot, 'etc/volspike/volspike.env'));
      expect(installedEnv.NODE_ENV).toBe('production');
      const env = testOverrides();
      // Dependency order, as install.sh enables them: both backend instances, then the daemons.
      launch('backend-A', 'volspike-backend@.service', env, String(ports.backendA));
      launch('backend-B', 'volspike-backend@.service', env, String(ports.backendB));
      for (const port of [ports.backendA, ports.backendB]) {
        await waitFor(
          `backend :${port} to answer /health`,
          async () => (await fetch(`http://127.0.0.1:${port}/health`)).status > 0,
          90_000,
          300,
        );
      }
      for (const app of APPS) launch(app, `volspike-${app}.service`, env);
      proxy = await startProxy([ports.backendA!, ports.backendB!], (legacy.address() as { port: number }).port);
      proxyUrl = url(proxy);
    }, 240_000);

    afterAll(async () => {
      for (const s of sockets) s.close();
      // One shutdown path, as systemd stops them: SIGTERM, then SIGKILL for anything still there after 20 s.
      stopping = true;
      const restarted = procs.filter((p) => p.restarts > 0).map((p) => `${p.name} ×${p.restarts}`);
      if (restarted.length > 0) console.warn(`[multi-process] restarted after a failure: ${restarted.join(', ')}`);
      for (const p of procs) if (running(p)) p.child.kill('SIGTERM');
      await Promise.race([Promise.all(procs.map((p) => p.exited)), new Promise((r) => setTimeout(r, 20_000))]);
      for (const p of procs) if (running(p)) p.child.kill('SIGKILL');
      await Promise.all(procs.map((p) => p.exited));
      await new Promise((r) => (proxy ? proxy.close(r) : r(null)));
      await new Promise((r) => (legacy ? legacy.close(r) : r(null)));
      await redis?.destroy();
      await db?.drop();
      await sim?.close();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
      if (installRoot) rmSync(installRoot, { recursive: true, force: true });
    }, 60_000);

    const diagnose = (): string =>
      procs
        .map(
          (p) =>
            `--- ${p.name} (${running(p) ? 'running' : `exited ${String(p.child.exitCode ?? p.child.signalCode)}`})\n${p.output().slice(-3000)}`,
        )
        .join('\n');

    it('classifies the universe, ingests OI through backend A, and fans updates out to a client on backend B', async () => {
      const token = await eliteToken();
      const onB = await connectClient(`http://127.0.0.1:${ports.backendB}`, token);
      const viaProxy = await connectClient(proxyUrl, token);
      try {
        // universe job → backend A → the database, read through the proxy (either backend)
        await waitFor(
          'the liquid universe through the proxy',
          async () => {
            const r = await getJson<{ symbols: { symbol: string }[] }>(
              `${proxyUrl}/api/market/open-interest/liquid-universe`,
            );
            return (
              r.body.symbols
                .map((s) => s.symbol)
                .sort()
                .join() === [...liquid].sort().join()
            );
          },
          120_000,
          500,
        );
        // oi-poller (shared budget in Redis) → backend A → every symbol stored
        await waitFor(
          'OI samples of every liquid symbol',
          async () => (await db.prisma.openInterestLatest.count()) === N_LIQUID,
          120_000,
          500,
        );
        // …and backend A's ingest reaches sockets on backend B and through the proxy (Redis adapter)
        const updated = (c: typeof onB): Set<string> =>
          new Set([
            ...(c.events.get('open-interest-update') ?? []).map((u) => (u as { symbol: string }).symbol),
            ...(c.events.get('open-interest-updates') ?? []).flatMap((b) =>
              (b as { updates: { symbol: string }[] }).updates.map((u) => u.symbol),
            ),
          ]);
        await waitFor(
          'OI updates of every liquid symbol on backend B',
          async () => updated(onB).size === N_LIQUID,
          60_000,
          300,
        );
        await waitFor('OI updates through the proxy', async () => updated(viaProxy).size === N_LIQUID, 60_000, 300);
      } catch (err) {
        throw new Error(`${(err as Error).message}\n${diagnose()}`);
      }
    }, 300_000);

    it('turns an OI move injected at the exchange into an alert at the clients', async () => {
      const onB = await connectClient(`http://127.0.0.1:${ports.backendB}`, await eliteToken());
      const symbol = liquid[0]!;
      try {
        const res = await fetch(`${sim.url}/__sim/oi`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ symbol, changePct: 8, rampSec: 2 }),
        });
        expect(res.status).toBe(200);
        const alert = await waitFor(
          `an open-interest-alert for ${symbol} on backend B`,
          async () =>
            (onB.events.get('open-interest-alert') ?? []).find((a) => (a as { symbol: string }).symbol === symbol),
          90_000,
          300,
        );
        expect(alert).toMatchObject({ symbol, direction: 'UP', timeframe: '3s' });
        expect(await db.prisma.openInterestAlert.count({ where: { symbol } })).toBe(1);
      } catch (err) {
        throw new Error(`${(err as Error).message}\n${diagnose()}`);
      }
    }, 150_000);

    it('serves the funding API, keeps legacy routes on the legacy backend, and shares one budget in Redis', async () => {
      const symbol = liquid[0]!;
      const funding = await waitFor(
        'a fresh funding record',
        async () => {
          const r = await getJson<{ markPrice?: number }>(`http://127.0.0.1:${ports.funding}/funding/${symbol}`);
          return r.status === 200 && typeof r.body.markPrice === 'number' ? r.body : null;
        },
        60_000,
        500,
      );
      expect(funding.markPrice).toBeGreaterThan(0);
      expect((await getJson<{ legacy?: boolean }>(`${proxyUrl}/api/auth/session`)).body.legacy).toBe(true);
      expect((await getJson<{ legacy?: boolean }>(`${proxyUrl}/api/payments/checkout`)).body.legacy).toBe(true);
      // The budget lives in Redis: every process that calls Binance draws from the same keys.
      const keys = spawnSync('redis-cli', ['-p', String(redis.port), '--scan', '--pattern', '*budget*'], {
        encoding: 'utf8',
      });
      expect(keys.stdout.trim().length, 'no budget keys in Redis').toBeGreaterThan(0);
      for (const p of procs) {
        expect(running(p), `${p.name} exited:\n${p.output().slice(-2000)}`).toBe(true);
        // A unit that keeps failing would hit systemd's start limit; one failed start is logged above.
        expect(p.restarts, `${p.name} restarted ${p.restarts} times:\n${p.output().slice(-3000)}`).toBeLessThan(
          RESTART_LIMIT,
        );
      }
    }, 90_000);
  },
);
