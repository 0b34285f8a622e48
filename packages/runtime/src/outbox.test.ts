import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  FileOutboxStore,
  MemoryOutboxStore,
  Outbox,
  RedisOutboxStore,
  parseRetryAfter,
  type OutboxStore,
} from './outbox.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const logger = pino({ level: 'silent' });
const redisPrefix = `test:runtime-outbox:${randomUUID()}`;
let dir: string;
let n = 0;

/**
 * The receiving end: an HTTP server that can be down (not listening), and that dedupes by
 * Idempotency-Key like the backend's ingest does. `requests` is every request seen, `stored`
 * what its "database" holds.
 */
class Receiver {
  port = 0;
  readonly requests: { key: string | undefined; body: unknown; headers: IncomingMessage['headers'] }[] = [];
  readonly stored = new Map<string, unknown>();
  /** Per-request override: return true when handled. */
  behaviour: (req: { key: string; body: unknown; nth: number }, res: ServerResponse) => boolean = () => false;
  private server: Server | null = null;

  async up(): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
        const key = req.headers['idempotency-key'] as string | undefined;
        this.requests.push({ key, body, headers: req.headers });
        const nth = this.requests.filter((r) => r.key === key).length;
        if (this.behaviour({ key: key ?? '', body, nth }, res)) return;
        if (!key) {
          res.writeHead(400).end('missing Idempotency-Key');
          return;
        }
        if (!this.stored.has(key)) this.stored.set(key, body);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      });
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  async down(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/api/ingest`;
  }
}

async function waitFor(cond: () => boolean, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const receivers: Receiver[] = [];
const outboxes: Outbox[] = [];
async function receiver(up: boolean): Promise<Receiver> {
  const r = new Receiver();
  receivers.push(r);
  await r.up();
  if (!up) await r.down(); // keeps the port: "down" means connection refused until up() again
  return r;
}
function outbox(store: OutboxStore, extra: Partial<ConstructorParameters<typeof Outbox>[0]> = {}): Outbox {
  const o = new Outbox({
    name: 'test',
    store,
    logger,
    baseDelayMs: 20,
    maxDelayMs: 100,
    timeoutMs: 2000,
    random: () => 0.5,
    ...extra,
  });
  outboxes.push(o);
  return o;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'runtime-outbox-'));
});
afterEach(async () => {
  await Promise.all(outboxes.splice(0).map((o) => o.stop()));
  await Promise.all(receivers.splice(0).map((r) => r.down()));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  const r = new Redis(REDIS_URL);
  const keys = await r.keys(`${redisPrefix}*`);
  if (keys.length > 0) await r.del(...keys);
  await r.quit();
});

/** Each factory returns a function that opens the SAME persisted store again (a restart). */
const stores: [string, () => () => OutboxStore][] = [
  [
    'file',
    () => {
      const name = `box-${++n}`;
      return () => new FileOutboxStore(dir, name);
    },
  ],
  [
    'redis',
    () => {
      const key = `${redisPrefix}:box-${++n}`;
      return () => new RedisOutboxStore(REDIS_URL, key);
    },
  ],
];

describe.each(stores)('Outbox with %s store', (_kind, makeStore) => {
  it('delivers in order with the Idempotency-Key header and JSON body', async () => {
    const rx = await receiver(true);
    const box = outbox(makeStore()());
    await box.start();
    await box.enqueue({ url: rx.url, body: { n: 1 }, idempotencyKey: 'alert-1', headers: { 'x-source': 'k' } });
    await box.enqueue({ url: rx.url, body: { n: 2 } });
    await box.enqueue({ url: rx.url, method: 'PUT', body: { n: 3 } });
    await waitFor(() => box.depth() === 0);
    expect(rx.requests.map((r) => r.body)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(rx.requests[0]?.key).toBe('alert-1');
    expect(rx.requests[0]?.headers['x-source']).toBe('k');
    expect(rx.requests[0]?.headers['content-type']).toBe('application/json');
    expect(rx.requests[1]?.key).toMatch(/^[0-9a-f-]{36}$/);
    expect(box.stats()).toMatchObject({
      depth: 0,
      delivered: 3,
      failedAttempts: 0,
      dropped: 0,
      deadLettered: 0,
      oldestAgeMs: null,
    });
  });

  it('keeps everything while the receiver is down and delivers it all, in order, when it comes back', async () => {
    const rx = await receiver(false);
    const box = outbox(makeStore()());
    await box.start();
    const keys: string[] = [];
    for (let i = 0; i < 5; i++)
      keys.push(await box.enqueue({ url: rx.url, body: { i }, idempotencyKey: `k-${i}` }).then(() => `k-${i}`));
    await waitFor(() => box.stats().failedAttempts >= 3);
    expect(box.depth()).toBe(5);
    expect(box.stats().lastError).toMatch(/fetch failed|ECONNREFUSED/);
    expect(box.stats().oldestAgeMs).toBeGreaterThanOrEqual(0);
    await rx.up();
    await waitFor(() => box.depth() === 0);
    expect([...rx.stored.keys()]).toEqual(keys);
    expect(rx.requests.map((r) => r.key)).toEqual(keys); // nothing sent twice once the server answered
    expect(box.stats().delivered).toBe(5);
  });

  it('survives a restart of the sender: a new Outbox on the same store delivers what the old one queued', async () => {
    const rx = await receiver(false);
    const reopen = makeStore();
    const first = outbox(reopen());
    await first.start();
    for (let i = 0; i < 4; i++) await first.enqueue({ url: rx.url, body: { i }, idempotencyKey: `restart-${i}` });
    await waitFor(() => first.stats().failedAttempts >= 1);
    await first.stop();
    expect(rx.requests).toEqual([]);

    await rx.up();
    const second = outbox(reopen());
    await second.start();
    expect(second.depth()).toBeGreaterThan(0);
    await second.enqueue({ url: rx.url, body: { i: 4 }, idempotencyKey: 'restart-4' });
    await waitFor(() => second.depth() === 0);
    expect([...rx.stored.keys()]).toEqual(['restart-0', 'restart-1', 'restart-2', 'restart-3', 'restart-4']);
    expect([...rx.stored.values()]).toEqual([0, 1, 2, 3, 4].map((i) => ({ i })));
    // and nothing is left to resend after a further restart
    await second.stop();
    const third = outbox(reopen());
    await third.start();
    expect(third.depth()).toBe(0);
  });

  it('re-sends the same key after a timeout, so the receiver can dedupe the late first attempt', async () => {
    const rx = await receiver(true);
    rx.behaviour = ({ key, body, nth }, res) => {
      if (key !== 'slow-1' || nth !== 1) return false;
      rx.stored.set(key, body); // the receiver commits, but the response arrives too late
      setTimeout(() => res.writeHead(200).end('{}'), 1500);
      return true;
    };
    const box = outbox(makeStore()(), { timeoutMs: 400 });
    await box.start();
    await box.enqueue({ url: rx.url, body: { slow: true }, idempotencyKey: 'slow-1' });
    await box.enqueue({ url: rx.url, body: { next: true }, idempotencyKey: 'next-1' });
    await waitFor(() => box.depth() === 0);
    expect(rx.requests.map((r) => r.key)).toEqual(['slow-1', 'slow-1', 'next-1']);
    expect([...rx.stored.entries()]).toEqual([
      ['slow-1', { slow: true }],
      ['next-1', { next: true }],
    ]);
    expect(box.stats()).toMatchObject({ delivered: 2, failedAttempts: 1 });
    expect(box.stats().lastError).toMatch(/timed out after 400 ms/);
  });

  it('retries 503/429/408, and dead-letters other 4xx without blocking the queue', async () => {
    const rx = await receiver(true);
    rx.behaviour = ({ key, nth }, res) => {
      if (key === 'retry' && nth <= 3) {
        res.writeHead([503, 429, 408][nth - 1] ?? 500).end('busy');
        return true;
      }
      if (key === 'bad') {
        res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"symbol is required"}');
        return true;
      }
      return false;
    };
    const box = outbox(makeStore()());
    await box.start();
    await box.enqueue({ url: rx.url, body: {}, idempotencyKey: 'retry' });
    await box.enqueue({ url: rx.url, body: {}, idempotencyKey: 'bad' });
    await box.enqueue({ url: rx.url, body: {}, idempotencyKey: 'after' });
    await waitFor(() => box.depth() === 0);
    expect(rx.requests.map((r) => r.key)).toEqual(['retry', 'retry', 'retry', 'retry', 'bad', 'after']);
    expect([...rx.stored.keys()]).toEqual(['retry', 'after']);
    expect(box.stats()).toMatchObject({ delivered: 2, failedAttempts: 3, deadLettered: 1 });
    expect(box.stats().lastError).toContain('symbol is required');
  });

  it.each([
    [1, 1],
    [3, 3],
  ])('with concurrency %i keeps at most %i requests in flight', async (concurrency, expected) => {
    const rx = await receiver(true);
    let inFlight = 0;
    let peak = 0;
    rx.behaviour = ({ key, body }, res) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      setTimeout(() => {
        inFlight--;
        rx.stored.set(key, body);
        res.writeHead(200).end('{}');
      }, 150);
      return true;
    };
    const box = outbox(makeStore()(), { concurrency });
    for (let i = 0; i < 6; i++) await box.enqueue({ url: rx.url, body: { i }, idempotencyKey: `c-${i}` });
    await box.start();
    await waitFor(() => box.depth() === 0);
    expect(peak).toBe(expected);
    expect(rx.stored.size).toBe(6);
  });

  it('is bounded: when full it drops the oldest and counts it', async () => {
    const rx = await receiver(true);
    const box = outbox(makeStore()(), { maxItems: 3 });
    for (let i = 0; i < 5; i++) await box.enqueue({ url: rx.url, body: { i }, idempotencyKey: `b-${i}` });
    expect(box.stats()).toMatchObject({ depth: 3, dropped: 2 });
    await box.start();
    await waitFor(() => box.depth() === 0);
    expect([...rx.stored.keys()]).toEqual(['b-2', 'b-3', 'b-4']);
  });

  it('flush drains what can be delivered; stop keeps undelivered messages for the next start', async () => {
    const rx = await receiver(false);
    const reopen = makeStore();
    const box = outbox(reopen(), { baseDelayMs: 5000, maxDelayMs: 5000 });
    await box.start();
    await box.enqueue({ url: rx.url, body: { f: 1 }, idempotencyKey: 'f-1' });
    await waitFor(() => box.stats().failedAttempts === 1);
    await rx.up();
    await box.flush(2000); // retries now instead of waiting out the 5 s backoff
    expect(box.depth()).toBe(0);
    await rx.down();
    await box.enqueue({ url: rx.url, body: { f: 2 }, idempotencyKey: 'f-2' });
    await box.flush(50);
    expect(box.depth()).toBe(1);
    await box.stop();
    await expect(box.enqueue({ url: rx.url, body: {} })).rejects.toMatchObject({ code: 'OUTBOX_STOPPED' });
    const again = outbox(reopen());
    await again.start();
    expect(again.depth()).toBe(1);
  });
});

describe('secrets and outbox journals', () => {
  it('refuses a secret header on a message a durable store would keep, and allows it in memory only', async () => {
    const rx = await receiver(false);
    for (const header of ['X-API-Key', 'authorization']) {
      const durable = outbox(new FileOutboxStore(dir, `secret-${++n}`));
      await expect(durable.enqueue({ url: rx.url, headers: { [header]: 'k-123' }, body: {} })).rejects.toMatchObject({
        code: 'OUTBOX_SECRET_HEADER',
      });
      expect(durable.depth()).toBe(0);
    }
    const memory = outbox(new MemoryOutboxStore());
    await memory.enqueue({ url: rx.url, headers: { 'X-API-Key': 'k-123' }, body: {} });
    expect(memory.depth()).toBe(1);
  });

  it('keeps the key of a route message out of the journal file: resolveTarget adds it at send time', async () => {
    const rx = await receiver(false); // down: the message stays queued and journalled
    const name = `route-${++n}`;
    const box = outbox(new FileOutboxStore(dir, name), {
      resolveTarget: () => ({ url: rx.url, headers: { 'x-api-key': 'the-secret-key-0123' } }),
    });
    await box.start();
    await box.enqueue({ route: 'oiIngest', body: { n: 1 } });
    await box.stop();
    const files = (await readdir(dir)).filter((f) => f.startsWith(name));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      expect(await readFile(join(dir, f), 'utf8')).not.toContain('the-secret-key-0123');
      expect((await stat(join(dir, f))).mode & 0o777).toBe(0o600);
    }
  });
});

describe('Outbox when its store fails', () => {
  it('still delivers what is enqueued while the store is unavailable (in memory, counted), and persists again after', async () => {
    const rx = await receiver(true);
    const inner = new MemoryOutboxStore();
    let broken = false;
    const store: OutboxStore = {
      load: () => inner.load(),
      append: (m) => (broken ? Promise.reject(new Error('store down')) : inner.append(m)),
      update: (m) => inner.update(m),
      remove: (id) => inner.remove(id),
    };
    const box = outbox(store);
    await box.start();
    broken = true;
    await box.enqueue({ url: rx.url, body: { n: 1 }, idempotencyKey: 'while-down' });
    broken = false;
    await box.enqueue({ url: rx.url, body: { n: 2 }, idempotencyKey: 'after' });
    await waitFor(() => box.depth() === 0);
    expect([...rx.stored.keys()]).toEqual(['while-down', 'after']);
    expect(box.stats()).toMatchObject({ delivered: 2, unpersisted: 1 });
  });
});

describe('Outbox backoff (fake timers)', () => {
  afterEach(() => vi.useRealTimers());

  function fakeFetch(responses: (() => Response)[]) {
    const calls: number[] = [];
    const impl = vi.fn(async () => {
      calls.push(Date.now());
      const next = responses.shift();
      if (!next) return new Response('{}', { status: 200 });
      return next();
    });
    return { impl: impl as unknown as typeof fetch, calls };
  }

  it('honours Retry-After on 429 even when the backoff is shorter', async () => {
    vi.useFakeTimers();
    const { impl, calls } = fakeFetch([
      () => new Response('slow down', { status: 429, headers: { 'retry-after': '2' } }),
    ]);
    const box = new Outbox({
      name: 't',
      store: new MemoryOutboxStore(),
      logger,
      baseDelayMs: 10,
      fetchImpl: impl,
      random: () => 0,
    });
    await box.start();
    await box.enqueue({ url: 'http://receiver.invalid/x', body: {} });
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1999);
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toHaveLength(2);
    expect(box.depth()).toBe(0);
    await box.stop();
  });

  it('backs off exponentially with jitter up to the cap', async () => {
    vi.useFakeTimers();
    const fail = () => new Response('down', { status: 502 });
    const { impl, calls } = fakeFetch([fail, fail, fail, fail, fail, fail]);
    const box = new Outbox({
      name: 't',
      store: new MemoryOutboxStore(),
      logger,
      baseDelayMs: 100,
      maxDelayMs: 800,
      fetchImpl: impl,
      random: () => 1,
    });
    await box.start();
    await box.enqueue({ url: 'http://receiver.invalid/x', body: {} });
    await vi.advanceTimersByTimeAsync(10_000);
    const gaps = calls.slice(1).map((t, i) => t - (calls[i] ?? 0));
    expect(gaps).toEqual([100, 200, 400, 800, 800, 800]);
    expect(box.stats()).toMatchObject({ delivered: 1, failedAttempts: 6 });
    await box.stop();
  });
});

describe('parseRetryAfter', () => {
  it.each([
    ['3', 3000],
    ['0', 0],
    ['1.5', 1500],
    ['Thu, 01 Jan 1970 00:00:10 GMT', 10_000],
    ['soon', null],
    [null, null],
  ])('%s → %s ms', (value, expected) => {
    expect(parseRetryAfter(value, 0)).toBe(expected);
  });
});
