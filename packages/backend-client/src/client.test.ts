import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, expectTypeOf, it } from 'vitest';
import { createLogger, FileOutboxStore, MemoryOutboxStore } from '@volspike/runtime';
import { BackendClient, BackendError, ShadowJournal, joinUrl, parseShadowLine } from './index.js';
import type { ResultOf } from './index.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

const logger = createLogger({ name: 'test', level: 'silent' });
const UNIVERSE = {
  updatedAt: '2025-03-01T10:05:01.000Z',
  enterThreshold: 4e6,
  exitThreshold: 2e6,
  symbols: [
    {
      symbol: 'BTCUSDT',
      quoteVolume24h: 1.2e10,
      enteredAt: '2025-03-01T09:00:00.000Z',
      lastSeenAt: '2025-03-01T10:05:01.000Z',
      estimatedPollIntervalSec: 9,
    },
  ],
  totalSymbols: 1,
};

let server: Server;
let base: string;
let seen: Seen[];
let answer: (req: Seen, n: number) => { status: number; body?: unknown; headers?: Record<string, string> } | 'hang';

beforeEach(async () => {
  seen = [];
  answer = () => ({ status: 200, body: {} });
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const s: Seen = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      seen.push(s);
      const a = answer(s, seen.length);
      if (a === 'hang') return;
      res.writeHead(a.status, { 'content-type': 'application/json', ...a.headers });
      res.end(a.body === undefined ? '' : JSON.stringify(a.body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  // a path prefix, as behind a reverse proxy: every call must keep it
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/prefix/`;
});

afterEach(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

describe('joinUrl (the one URL rule)', () => {
  it.each([
    ['http://h:1', '/api/a', 'http://h:1/api/a'],
    ['http://h:1/', '/api/a', 'http://h:1/api/a'],
    ['http://h:1/v2', '/api/a', 'http://h:1/v2/api/a'],
    ['http://h:1/v2/', '/api/a', 'http://h:1/v2/api/a'],
    ['https://h/v2?x=1', '/api/a', 'https://h/v2/api/a'],
  ])('%s + %s → %s', (b, p, want) => {
    expect(joinUrl(b, p).toString()).toBe(want);
  });
});

describe('BackendClient', () => {
  it('is typed by the route table: names, bodies and results (a mismatch fails the typecheck)', () => {
    const c = new BackendClient({ baseUrl: 'http://127.0.0.1:1' });
    // @ts-expect-error a GET route is not a write
    void (() => c.send('liquidUniverse', {}));
    // @ts-expect-error not a route
    void (() => c.get('liquidUniverses'));
    // @ts-expect-error the body must match the contract
    void (() => c.send('userAlertUpdateChecked', { body: { alertId: 1, lastCheckedValue: 1 } }));
    expectTypeOf<ResultOf<'liquidUniverse'>['symbols'][number]['symbol']>().toEqualTypeOf<string>();
    expectTypeOf<ResultOf<'liquidUniverseUpdate'>['upserted']>().toEqualTypeOf<number>();
  });

  it('calls a route by name: method, path (base prefix kept), query and X-API-Key; the answer parsed by the route schema', async () => {
    answer = () => ({ status: 200, body: { ...UNIVERSE, extra: 'dropped by the schema' } });
    const client = new BackendClient({ baseUrl: base, apiKey: 'k1' });
    const u = await client.get('liquidUniverse');
    expect(u.symbols[0]?.symbol).toBe('BTCUSDT');
    expect(u).not.toHaveProperty('extra');
    expect(seen[0]).toMatchObject({ method: 'GET', url: '/prefix/api/market/open-interest/liquid-universe' });
    expect(seen[0]?.headers['x-api-key']).toBe('k1');

    answer = () => ({ status: 200, body: { found: false, symbol: 'BTCUSDT', requestedTs: 'x' } });
    const snap = await client.get('oiSnapshot', { query: { symbol: 'BTCUSDT', ts: '2025-03-01T10:00:00Z' } });
    expect(snap.found).toBe(false);
    expect(seen[1]?.url).toBe('/prefix/api/market/open-interest/snapshot?symbol=BTCUSDT&ts=2025-03-01T10%3A00%3A00Z');
  });

  it('fills path parameters and sends the body byte for byte', async () => {
    answer = () => ({ status: 200, body: { success: true } });
    const client = new BackendClient({ baseUrl: base, apiKey: 'k' });
    const body = { alertId: 'a1', lastCheckedValue: 0.1 + 0.2 };
    const r = await client.send('userAlertUpdateChecked', { body });
    expect(r).toEqual({ delivered: true, status: 200, data: { success: true } });
    expect(seen[0]?.body).toBe(JSON.stringify(body));
    expect(client.url('userAlertReactivate', { id: 'a b/c' }).pathname).toBe(
      '/prefix/api/user-alerts/a%20b%2Fc/reactivate',
    );
    expect(() => client.url('userAlertReactivate', {})).toThrow(/path parameter "id" is missing/);
  });

  it('a non-2xx is a BackendError BACKEND_HTTP with status and the parsed body', async () => {
    answer = () => ({ status: 404, body: { error: 'Alert not found' } });
    const client = new BackendClient({ baseUrl: base, apiKey: 'k' });
    const err = await client
      .send('userAlertTrigger', {
        body: { alertId: 'x', symbol: 'BTCUSDT', currentValue: 2, previousValue: 1, crossedUp: true },
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendError);
    expect(err).toMatchObject({
      code: 'BACKEND_HTTP',
      status: 404,
      body: { error: 'Alert not found' },
      route: 'userAlertTrigger',
    });
    expect((err as BackendError).transient).toBe(false);
  });

  it('a 2xx that breaks the contract is BACKEND_INVALID_RESPONSE', async () => {
    answer = () => ({ status: 200, body: { symbols: 'not a list' } });
    const client = new BackendClient({ baseUrl: base });
    await expect(client.get('liquidUniverse')).rejects.toMatchObject({ code: 'BACKEND_INVALID_RESPONSE', status: 200 });
  });

  it('retries an idempotent GET on 503 by the policy; a non-idempotent POST is sent once', async () => {
    answer = (_s, n) => (n === 1 ? { status: 503, body: { error: 'busy' } } : { status: 200, body: UNIVERSE });
    const policy = { delaysMs: [1, 1], statuses: [503], network: true, maxRetryAfterMs: 10 };
    const client = new BackendClient({ baseUrl: base, retry: policy });
    await expect(client.get('liquidUniverse')).resolves.toMatchObject({ totalSymbols: 1 });
    expect(seen).toHaveLength(2);

    seen = [];
    answer = () => ({ status: 503, body: { error: 'busy' } });
    await expect(
      client.send('userAlertTrigger', {
        body: { alertId: 'x', symbol: 'S', currentValue: 1, previousValue: 0, crossedUp: true },
      }),
    ).rejects.toMatchObject({ code: 'BACKEND_HTTP', status: 503 });
    expect(seen).toHaveLength(1);

    seen = [];
    await expect(client.get('liquidUniverse')).rejects.toMatchObject({ status: 503 });
    expect(seen).toHaveLength(3); // 1 + the policy's 2 retries
  });

  it('an idempotent POST with an Idempotency-Key is retried with the same key', async () => {
    answer = (_s, n) =>
      n === 1 ? { status: 502 } : { status: 200, body: { success: true, upserted: 1, removed: 0, totalSymbols: 1 } };
    const client = new BackendClient({
      baseUrl: base,
      retry: { delaysMs: [1], statuses: [502], network: true, maxRetryAfterMs: 10 },
    });
    const r = await client.send('liquidUniverseUpdate', {
      body: { symbols: [{ symbol: 'BTCUSDT', quoteVolume24h: 5e6 }] },
      idempotencyKey: 'u-1',
    });
    expect(r).toMatchObject({ delivered: true, data: { upserted: 1 } });
    expect(seen.map((s) => s.headers['idempotency-key'])).toEqual(['u-1', 'u-1']);
  });

  it('a call without an answer times out with BACKEND_TIMEOUT; a refused connection is BACKEND_NETWORK', async () => {
    answer = () => 'hang';
    const client = new BackendClient({
      baseUrl: base,
      retry: { delaysMs: [], statuses: [], network: false, maxRetryAfterMs: 0 },
    });
    await expect(client.get('liquidUniverse', { timeoutMs: 50 })).rejects.toMatchObject({ code: 'BACKEND_TIMEOUT' });
    const closed = new BackendClient({
      baseUrl: 'http://127.0.0.1:1',
      retry: { delaysMs: [], statuses: [], network: false, maxRetryAfterMs: 0 },
    });
    await expect(closed.get('liquidUniverse')).rejects.toMatchObject({ code: 'BACKEND_NETWORK', transient: true });
  });
});

describe('BackendClient.queue (outbox integration)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'backend-client-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('stores route name and body, never the key; URL and X-API-Key are added at send time', async () => {
    answer = () => 'hang'; // nothing is delivered while we look at the store
    const client = new BackendClient({ baseUrl: base, apiKey: 'secret-key-1' });
    const q = client.queue({ name: 't', store: new FileOutboxStore(dir, 't'), logger, timeoutMs: 60_000 });
    await q.start();
    const body = { component: 'x', status: 'ok', details: {} };
    await q.enqueue('heartbeat', body, { idempotencyKey: 'hb-1' });
    const files = await readdir(dir);
    const stored = (await Promise.all(files.map((f) => readFile(join(dir, f), 'utf8')))).join('');
    expect(stored).toContain('"route":"heartbeat"');
    expect(stored).not.toContain('secret-key-1');
    expect(stored).not.toContain('127.0.0.1');
    await q.stop();

    answer = () => ({ status: 200, body: { ok: true } });
    // a restart with a new base URL and key: the persisted message goes where the client says now
    const client2 = new BackendClient({ baseUrl: base.replace('/prefix/', '/other'), apiKey: 'secret-key-2' });
    const q2 = client2.queue({ name: 't', store: new FileOutboxStore(dir, 't'), logger });
    seen = [];
    await q2.start();
    await q2.flush(5000);
    const hit = seen.find((s) => s.method === 'POST');
    expect(hit).toMatchObject({ url: '/other/api/heartbeats', body: JSON.stringify(body) });
    expect(hit?.headers['x-api-key']).toBe('secret-key-2');
    expect(hit?.headers['idempotency-key']).toBe('hb-1');
    await q2.stop();
  });
});

describe('shadow mode', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'shadow-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes are recorded in the journal (0600, daily file, no key) and nothing reaches the backend; reads still do', async () => {
    const at = Date.parse('2025-03-01T23:59:59.500Z');
    let now = at;
    const journal = new ShadowJournal({ dir, app: 'volume-alerts', now: () => now });
    const client = new BackendClient({
      baseUrl: base,
      apiKey: 'secret-key',
      shadow: journal,
      shadowTarget: 'backend-dev',
    });
    const r = await client.send('userAlertUpdateChecked', { body: { alertId: 'a', lastCheckedValue: 1 } });
    expect(r.delivered).toBe(false);
    now = at + 1000; // the next UTC day → the next file
    const q = client.queue({ name: 'x', store: new MemoryOutboxStore(), logger });
    await q.start();
    await q.enqueue('oiIngest', { data: [{ symbol: 'BTCUSDT', openInterest: 1 }], timestamp: '2025-03-02T00:00:00Z' });
    expect(q.stats().recorded).toBe(1);
    answer = () => ({ status: 200, body: UNIVERSE });
    await client.get('liquidUniverse');
    await journal.close();

    expect(seen.map((s) => s.method)).toEqual(['GET']);
    const files = (await readdir(dir)).sort();
    expect(files).toEqual(['volume-alerts-2025-03-01.jsonl', 'volume-alerts-2025-03-02.jsonl']);
    for (const f of files) expect((await stat(join(dir, f))).mode & 0o777).toBe(0o600);
    const day1 = (await readFile(join(dir, files[0] as string), 'utf8')).trim();
    expect(day1).not.toContain('secret-key');
    expect(parseShadowLine(day1)).toEqual({
      v: 1,
      at: '2025-03-01T23:59:59.500Z',
      app: 'volume-alerts',
      target: 'backend-dev',
      route: 'userAlertUpdateChecked',
      method: 'POST',
      path: '/api/user-alerts-trigger/update-checked',
      body: { alertId: 'a', lastCheckedValue: 1 },
    });
    const day2 = parseShadowLine((await readFile(join(dir, files[1] as string), 'utf8')).trim());
    expect(day2).toMatchObject({ route: 'oiIngest', path: '/api/market/open-interest/ingest', method: 'POST' });
  });
});
