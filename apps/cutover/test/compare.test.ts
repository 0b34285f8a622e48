// `cutover compare` on a real database holding what the "legacy" side delivered through the backend's
// legacy ingest routes (our volume-alerts and universe-job, not in shadow mode, posting exactly the legacy
// payloads), against the shadow journals of the same daemons run with SHADOW=true on the same scripted
// simulated market: they agree (exit 0); one alert changed and one missing in the DB → reported, exit 1.
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as backendApp from '@volspike/backend';
import { WeightBudget } from '@volspike/binance-client';
import { startSim } from '@volspike/binance-sim';
import type { Sim } from '@volspike/binance-sim';
import { createTestDatabase } from '@volspike/db/testing';
import { createBus, createLogger, createMetrics } from '@volspike/runtime';
import * as universeJob from '@volspike/universe-job';
import * as volumeAlerts from '@volspike/volume-alerts';
import { loadAppEnv, parseCompareArgs, runCompare } from '../src/index.js';

const KEY = 'cutover-ingest-key';
const logger = createLogger({ name: 'cutover-test', level: 'silent' });
const T0 = Date.UTC(2026, 10, 23, 10, 3, 0);
const CYCLE = Date.UTC(2026, 10, 23, 10, 5, 0);
const REPO = resolve(import.meta.dirname, '../../..');

let sim: Sim;
let simNow = T0;
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let backend: Awaited<ReturnType<typeof backendApp.start>>;
let backendUrl: string;
let work: string;
let shadowDir: string;
let spiked: string[] = [];

function advanceMarket(to: number): void {
  for (let t = simNow + 10_000; t < to; t += 10_000) sim.market.tick(t);
  sim.market.tick(to);
  simNow = to;
}

/** Runs one volume-alerts cycle and one universe refresh, live (→ backend) or SHADOW (→ journal). */
async function runDaemons(name: string, shadow: boolean): Promise<void> {
  const dataDir = join(work, name);
  const common = {
    VOLSPIKE_API_URL: backendUrl,
    VOLSPIKE_API_KEY: KEY,
    BINANCE_REST_URL: sim.url,
    BINANCE_WS_URL: sim.wsUrl,
    SHADOW: String(shadow),
    SHADOW_DIR: shadowDir,
    DATA_DIR: dataDir,
  };
  const bus = createBus({ logger });
  const budget = new WeightBudget({ logger });
  const deps = { logger, bus, budget, dataDir, metrics: createMetrics() };
  const va = await volumeAlerts.start(
    volumeAlerts.loadAppEnv({
      ...common,
      VOLUME_USE_KLINE_WS: 'false',
      WS_FUNDING_ENABLED: 'false',
      OI_SNAPSHOT_REUSE_REALTIME: 'false',
    }),
    deps,
    { now: () => CYCLE, schedule: false, memoryOutboxes: true },
  );
  const r = await va.runCycle(CYCLE);
  expect(r.volume.alerts.map((a) => a.symbol).sort()).toEqual([...spiked].sort());
  await va.flush(10_000);
  expect(va.pending()).toBe(0);
  await va.stop();
  const uj = await universeJob.start(
    universeJob.loadAppEnv({
      ...common,
      BINANCE_PROXY_URL: 'http://127.0.0.1:1',
      UNIVERSE_USE_TICKER_WS: 'false',
    }),
    deps,
  );
  expect(await uj.refreshNow()).toBe(true);
  await uj.outbox.flush(10_000);
  await uj.stop();
  await budget.stop();
  await bus.close();
}

beforeAll(async () => {
  sim = await startSim({ port: 0, symbols: 30, clock: () => simNow, tickMs: 20 });
  db = await createTestDatabase();
  work = await mkdtemp(join(tmpdir(), 'cutover-'));
  shadowDir = join(work, 'shadow');
  const bus = createBus({ logger });
  backend = await backendApp.start(
    backendApp.loadAppEnv({
      PORT: '0',
      HOST: '127.0.0.1',
      NODE_ENV: 'test',
      ALERT_INGEST_API_KEY: KEY,
      JWT_SECRET: 'cutover-secret-that-is-long-enough-for-hs256',
      DATA_DIR: work,
    }),
    { logger, bus, metrics: createMetrics(), dataDir: work, prisma: db.prisma },
  );
  backendUrl = `http://127.0.0.1:${backend.port}`;
  // the scripted market: two liquid symbols get 4× and 5× their previous hour's volume
  spiked = sim.market.liquid(4e6).filter((s) => (sim.market.hourVolumes(s).previous ?? 0) * 4 >= 3_000_000);
  spiked = spiked.slice(0, 2);
  for (const [i, symbol] of spiked.entries())
    await fetch(`${sim.url}/__sim/volume`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ symbol, ratio: 4 + i }),
    });
  advanceMarket(CYCLE - 1);
  await runDaemons('legacy', false);
  await runDaemons('shadow', true);
}, 240_000);

afterAll(async () => {
  await backend?.stop();
  await db?.drop();
  await sim?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

const window = (): string[] => [
  'compare',
  '--since',
  new Date(CYCLE - 3_600_000).toISOString(),
  '--until',
  new Date(Date.now() + 3_600_000).toISOString(),
  '--shadow-dir',
  shadowDir,
];

describe('npm run cutover -- compare', { timeout: 120_000 }, () => {
  it('agrees (exit 0) when the legacy rows and the shadow journal describe the same market', async () => {
    const { exitCode, report, result } = await runCompare(
      loadAppEnv({ DATABASE_URL: db.url }),
      parseCompareArgs(window(), Date.now()),
    );
    expect(report).toContain('AGREE');
    expect(result.hours).toHaveLength(1);
    expect(result.hours[0]?.volume).toEqual({ legacy: 2, shadow: 2, matched: 2 });
    expect(result.hours[0]?.snapshots.legacy).toBeGreaterThan(20);
    expect(result.hours[0]?.snapshots.matched).toBe(result.hours[0]?.snapshots.legacy);
    expect(result.universe?.matched).toBeGreaterThan(0);
    expect(result.universe?.matched).toBe(result.universe?.legacy);
    expect(exitCode).toBe(0);
    // the CLI itself: same verdict as its exit code
    const cli = spawnSync(process.execPath, ['--import', 'tsx', 'apps/cutover/src/cli.ts', ...window()], {
      cwd: REPO,
      env: { ...process.env, DATABASE_URL: db.url },
      encoding: 'utf8',
    });
    expect(cli.stdout).toContain('AGREE');
    expect(cli.status).toBe(0);
  });

  it('reports a changed alert and a missing one and exits 1', async () => {
    const [changed, missing] = spiked as [string, string];
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    await client.query(`update volume_alerts set "currentVolume" = "currentVolume" * 1.5 where symbol = $1`, [changed]);
    await client.query(`delete from volume_alerts where symbol = $1`, [missing]);
    await client.end();
    const { exitCode, report } = await runCompare(
      loadAppEnv({ DATABASE_URL: db.url }),
      parseCompareArgs(window(), Date.now()),
    );
    expect(report).toMatch(new RegExp(`DIFFERENCE\\s+volume alert SPIKE ${changed} .*currentVolume`));
    expect(report).toMatch(new RegExp(`SHADOW ONLY\\s+volume alert SPIKE ${missing} `));
    expect(report).toContain('DIFFER: 2 finding(s)');
    expect(exitCode).toBe(1);
  });

  it('exits 2 on a usage error or an unreachable database', () => {
    const run = (args: string[], url: string) =>
      spawnSync(process.execPath, ['--import', 'tsx', 'apps/cutover/src/cli.ts', ...args], {
        cwd: REPO,
        env: { ...process.env, DATABASE_URL: url },
        encoding: 'utf8',
      });
    const usage = run(['compare', '--until', '2026-01-01T00:00:00Z'], db.url);
    expect(usage.stderr).toContain('--since is required');
    expect(usage.status).toBe(2);
    const down = run(['compare', '--since', '2026-01-01T00:00:00Z'], 'postgres://postgres@127.0.0.1:1/x');
    expect(down.stderr).toContain('compare failed');
    expect(down.status).toBe(2);
  });
});
