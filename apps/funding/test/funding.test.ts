import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startSim, type Sim } from '@volspike/binance-sim';
import {
  CHANNELS,
  KEYS,
  createBus,
  createLogger,
  createMetrics,
  type Bus,
  type MarkPriceRecord,
  type MarkPricesMessage,
} from '@volspike/runtime';
import { loadAppEnv, start, type FundingApp } from '../src/index.js';

const logger = createLogger({ name: 'funding-test', level: 'silent' });

interface Ctx {
  sim: Sim;
  bus: Bus;
  app: FundingApp;
  base: string;
}
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!().catch(() => undefined);
});

async function setup(extraEnv: Record<string, string> = {}, beforeStart?: (bus: Bus) => Promise<void>): Promise<Ctx> {
  const sim = await startSim({ port: 0, symbols: 60, seed: 7, tickMs: 100, markPrice1sIntervalMs: 200 });
  cleanups.push(() => sim.close());
  const bus = createBus({ logger });
  cleanups.push(() => bus.close());
  await beforeStart?.(bus);
  const env = loadAppEnv({
    BINANCE_WS_URL: sim.wsUrl,
    FUNDING_API_PORT: '0',
    FUNDING_HEARTBEAT_ENABLED: 'false',
    FUNDING_PUBLISH_INTERVAL_MS: '200',
    FUNDING_SNAPSHOT_INTERVAL_MS: '300',
    WS_RECONNECT_BASE_MS: '50',
    WS_RECONNECT_MAX_MS: '300',
    ...extraEnv,
  });
  const app = await start(env, { logger, bus, metrics: createMetrics() });
  cleanups.push(() => app.stop());
  return { sim, bus, app, base: `http://127.0.0.1:${app.port}` };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON bodies asserted field by field
type Json = any;

async function get(url: string): Promise<{ status: number; body: Json }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.json() };
}

async function until<T>(
  what: string,
  fn: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 5000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const streamed = (sim: Sim): string[] =>
  sim.market
    .symbols()
    .filter((s) => s.status !== 'PENDING_TRADING' && s.status !== 'CLOSE')
    .map((s) => s.symbol);
const post = (sim: Sim, path: string, body: unknown): Promise<Response> =>
  fetch(sim.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('funding against the sim', () => {
  it('serves every streamed symbol within 5 s with the legacy shapes; batch, 404, 400, /funding, health', async () => {
    const started = Date.now();
    const { sim, base } = await setup();
    const symbols = streamed(sim);
    expect(symbols.length).toBeGreaterThan(40);
    await until('all symbols', async () => (await get(`${base}/funding`)).body.count === symbols.length);
    expect(Date.now() - started).toBeLessThan(5000);
    for (const s of symbols) {
      const r = await get(`${base}/funding/${s.toLowerCase()}`);
      expect(r.status, s).toBe(200);
      expect(r.body.symbol).toBe(s);
    }
    const usdt = sim.market.symbols().find((s) => s.usdtPerpetual)!.symbol;
    const one = await get(`${base}/funding/${usdt}`);
    expect(Object.keys(one.body).sort()).toEqual([
      'ageSeconds',
      'fundingRate',
      'indexPrice',
      'markPrice',
      'nextFundingTime',
      'symbol',
      'updatedAt',
    ]);
    expect(Math.abs(one.body.markPrice / sim.market.markPrice(usdt) - 1)).toBeLessThan(0.002);
    expect(typeof one.body.fundingRate).toBe('number');
    expect(one.body.nextFundingTime).toBeGreaterThan(Date.now() - 60_000);
    expect(one.body.updatedAt).toBeGreaterThan(started / 1000 - 1);
    expect(one.body.updatedAt).toBeLessThan(Date.now() / 1000 + 1);
    expect(one.body.ageSeconds).toBeLessThan(3);

    // batch is reachable (declared before :symbol), trims, upper-cases, drops empties
    const batch = await get(
      `${base}/funding/batch?symbols=${encodeURIComponent(` ${usdt.toLowerCase()}, ,NOPEUSDT,`)}`,
    );
    expect(batch.status).toBe(200);
    expect(batch.body).toMatchObject({ found: 1, missing: 1, total: 2 });
    expect(batch.body.data[0].symbol).toBe(usdt);
    expect(batch.body.data[0].markPrice).toBeGreaterThan(0);
    expect(batch.body.data[1]).toEqual({ symbol: 'NOPEUSDT', error: 'Symbol not found' });
    expect(await get(`${base}/funding/batch?symbols=,%20,`)).toEqual({
      status: 400,
      body: { detail: { error: 'No symbols provided' } },
    });
    expect(await get(`${base}/funding/nopeusdt`)).toEqual({
      status: 404,
      body: { detail: { error: 'Symbol not found', symbol: 'NOPEUSDT' } },
    });
    expect((await get(`${base}/funding/BTC%20USDT$`)).status).toBe(400);

    const health = await get(`${base}/funding/health`);
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({
      status: 'healthy',
      websocketConnected: true,
      symbolCount: symbols.length,
      reconnectAttempts: 0,
    });
    expect(health.body.medianDataAgeSeconds).toBeLessThan(2);
    const h2 = await get(`${base}/health`);
    expect(h2.status).toBe(200);
    expect(h2.body.ok).toBe(true);
    expect((await get(`${base}/`)).body.service).toBe('Binance Funding Rate API');
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/funding_symbols \d+/);
    expect(metrics).toContain('funding_ws_connected 1');
  });

  it('publishes changed mark prices on the bus and keeps the full map under KEYS.markPrices', async () => {
    const messages: MarkPricesMessage[] = [];
    const { sim, bus } = await setup({}, async (b) => {
      await b.subscribe(CHANNELS.markPrices, (m) => messages.push(m as MarkPricesMessage));
    });
    const symbols = streamed(sim);
    await until('a publication with every symbol', () => messages.some((m) => m.prices.length === symbols.length));
    const usdt = sim.market.symbols().find((s) => s.usdtPerpetual)!.symbol;
    const rec = messages.at(-1)!.prices.find((p) => p.symbol === usdt)!;
    expect(Math.abs(rec.markPrice / sim.market.markPrice(usdt) - 1)).toBeLessThan(0.002);
    expect(rec.updatedAt).toBeGreaterThan(Date.now() - 5000);
    const snap = await until('snapshot', async () => {
      const s = await bus.getJson<Record<string, MarkPriceRecord>>(KEYS.markPrices);
      return s && Object.keys(s).length === symbols.length ? s : undefined;
    });
    expect(snap[usdt]!.symbol).toBe(usdt);
    // publications are throttled: never two within the publish interval's order of magnitude
    const times = messages.map((m) => m.updatedAt);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(150);
    // a price move reaches the bus as the mark price (never a ticker's last price)
    await post(sim, '/__sim/price', { symbol: usdt, price: 12345 });
    await until('moved mark price', () =>
      messages.some((m) => m.prices.some((p) => p.symbol === usdt && Math.abs(p.markPrice - 12345) / 12345 < 0.01)),
    );
  });

  it('recovers after /__sim/ws/drop', async () => {
    const { sim, app, base } = await setup();
    const usdt = sim.market.symbols().find((s) => s.usdtPerpetual)!.symbol;
    await until('data', async () => (await get(`${base}/funding/${usdt}`)).status === 200);
    await post(sim, '/__sim/ws/drop', { mode: 'terminate' });
    const dropped = Date.now();
    await until('reconnect', () => app.stream.stats().reconnects > 0 && app.stream.connected());
    await until(
      'fresh data after the drop',
      async () => (await get(`${base}/funding/${usdt}`)).body.updatedAt * 1000 > dropped,
    );
    const h = await get(`${base}/funding/health`);
    expect(h.status).toBe(200);
    expect(h.body.reconnectAttempts).toBeGreaterThan(0);
  });

  it('silence: the watchdog replaces the connection; health is 503 while data is stale and 200 after', async () => {
    const { sim, app, base } = await setup({
      FUNDING_STALE_SEC: '1',
      WS_SILENCE_TIMEOUT_MS: '600',
      FUNDING_GAP_ALERT_SEC: '0.5',
    });
    const usdt = sim.market.symbols().find((s) => s.usdtPerpetual)!.symbol;
    await until('healthy', async () => (await get(`${base}/funding/health`)).status === 200);
    // Silence long enough (4 s against a 1 s stale limit) that the stale window is wide even on a loaded machine;
    // the three endpoints are read together so they see the same moment.
    await post(sim, '/__sim/ws/silence', { ms: 4000 });
    const [stale, overall, one] = await until('503 while stale', async () => {
      const r = await Promise.all([
        get(`${base}/funding/health`),
        get(`${base}/health`),
        get(`${base}/funding/${usdt}`),
      ]);
      return r.every((x) => x.status === 503) ? r : undefined;
    });
    expect(stale.body.status).toBe('unhealthy');
    expect(['Data stale', 'WebSocket disconnected']).toContain(stale.body.error);
    expect(overall.status).toBe(503);
    expect(one.body.detail).toMatchObject({ error: 'Data stale', symbol: usdt, maxAgeSeconds: 1 });
    expect(one.body.detail.ageSeconds).toBeGreaterThanOrEqual(1); // 2 dp: 1.004 s shows as 1
    await until('watchdog reconnect', () => app.stream.stats().reconnects > 0, 3000); // the watchdog terminated the silent socket
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/funding_gaps_total [1-9]/);
    await until('healthy again', async () => (await get(`${base}/funding/health`)).status === 200, 10_000);
    expect((await get(`${base}/health`)).status).toBe(200);
    expect((await get(`${base}/funding/${usdt}`)).status).toBe(200);
  });

  it('sends heartbeats to the backend with the funding details', async () => {
    const beats: Json[] = [];
    const server: Server = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        beats.push({ path: req.url, key: req.headers['x-api-key'], body: JSON.parse(body) });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"success":true,"lastSeenAt":"x"}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    const api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const { app } = await setup({
      FUNDING_HEARTBEAT_ENABLED: 'true',
      FUNDING_HEARTBEAT_SEC: '0.3',
      VOLSPIKE_API_URL: api,
      VOLSPIKE_API_KEY: 'k1',
    });
    const beat = await until('heartbeat with symbols', () => beats.find((b) => b.body.details.symbols > 0));
    expect(beat.path).toBe('/api/heartbeats');
    expect(beat.key).toBe('k1');
    expect(beat.body.component).toBe('funding');
    expect(beat.body.details).toMatchObject({ connected: true });
    expect(beat.body.details.messagesPerMin).toBeGreaterThan(0);
    expect(typeof beat.body.details.medianAgeSec).toBe('number');
    expect(typeof beat.body.details.oldestAgeSec).toBe('number');
    await app.stop();
    expect(beats.at(-1)!.body.status).toBe('stopped');
  });
  it('FUNDING_LEGACY_STATE_FILE: the legacy state file follows the mark prices, rewritten atomically at most once a second', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'funding-legacy-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const file = join(dir, '.funding_state.json');
    const started = Date.now();
    const { sim, app } = await setup({ FUNDING_LEGACY_STATE_FILE: file });
    const symbols = streamed(sim);
    const read = async (): Promise<Json> => JSON.parse(await readFile(file, 'utf8').catch(() => 'null'));
    const doc = await until('every symbol in the file', async () => {
      const d = await read();
      return d && Object.keys(d.funding_state).length === symbols.length ? d : undefined;
    });
    // The exact legacy shape (docs/legacy-contracts.md §4.5), as the legacy OI poller and health monitor parse it.
    expect(Object.keys(doc).sort()).toEqual(['connection_status', 'funding_state', 'updated_at']);
    expect(Object.keys(doc.connection_status).sort()).toEqual([
      'connected',
      'last_connected_time',
      'last_message_time',
      'messages_received',
      'reconnect_attempts',
    ]);
    expect(doc.connection_status.connected).toBe(true);
    expect(doc.connection_status.last_connected_time).toBeGreaterThan(started / 1000 - 1);
    expect(doc.updated_at).toBeLessThan(Date.now() / 1000 + 1);
    const usdt = sim.market.symbols().find((s) => s.usdtPerpetual)!.symbol;
    const rec = doc.funding_state[usdt];
    expect(Object.keys(rec).sort()).toEqual(['fundingRate', 'indexPrice', 'markPrice', 'nextFundingTime', 'updatedAt']);
    expect(Math.abs(rec.markPrice / sim.market.markPrice(usdt) - 1)).toBeLessThan(0.002);
    expect(rec.updatedAt).toBeGreaterThan(started / 1000 - 1);
    expect((await stat(file)).mode & 0o777).toBe(0o644);

    // The sim sends mark prices every 200 ms; the file is rewritten at most once a second, and no temp file stays.
    const writesBefore = app.legacyStateFile!.writes();
    const t0 = Date.now();
    await until('a few more writes', () => app.legacyStateFile!.writes() >= writesBefore + 2, 8000);
    const elapsedSec = (Date.now() - t0) / 1000;
    expect(app.legacyStateFile!.writes() - writesBefore).toBeLessThanOrEqual(Math.floor(elapsedSec) + 1);
    await app.stop();
    expect((await read()).connection_status.connected).toBe(false);
    expect(await readdir(dir)).toEqual(['.funding_state.json']);
  });
  it('SHADOW=true: the legacy state file stays the legacy daemon’s (not written)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'funding-shadow-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const file = join(dir, '.funding_state.json');
    const { app } = await setup({ FUNDING_LEGACY_STATE_FILE: file, SHADOW: 'true', SHADOW_DIR: join(dir, 'shadow') });
    await until('mark prices', () => app.store.size() > 0);
    expect(app.legacyStateFile).toBeNull();
    await app.stop();
    expect(await readdir(dir)).not.toContain('.funding_state.json');
  });
});
