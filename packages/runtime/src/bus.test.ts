import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BusError, CHANNELS, KEYS, createBus, type Bus } from './bus.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const logger = pino({ level: 'silent' });
const filePrefix = `test:runtime-bus:${randomUUID()}:`;
let dir: string;
let n = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'runtime-bus-'));
});

const open: Bus[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((b) => b.close()));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  const r = new Redis(REDIS_URL);
  const keys = await r.keys(`${filePrefix}*`);
  if (keys.length > 0) await r.del(...keys);
  await r.quit();
});

/** Each test gets its own key prefix (Redis) or state file (memory) so runs never collide. */
const impls: [string, () => { make: () => Bus; prefix: string }][] = [
  [
    'redis',
    () => {
      const prefix = `${filePrefix}${++n}:`;
      return { prefix, make: () => createBus({ redisUrl: REDIS_URL, keyPrefix: prefix, logger }) };
    },
  ],
  [
    'memory',
    () => {
      const stateFile = join(dir, `state-${++n}.json`);
      return { prefix: '', make: () => createBus({ stateFile, logger }) };
    },
  ],
];

function nextMessage(bus: Bus, channel: string): Promise<{ message: unknown; unsubscribe: () => Promise<void> }> {
  return new Promise((resolve, reject) => {
    let unsubscribe: (() => Promise<void>) | undefined;
    const timer = setTimeout(() => reject(new Error(`no message on ${channel}`)), 3000);
    bus
      .subscribe(channel, (message) => {
        clearTimeout(timer);
        resolve({ message, unsubscribe: unsubscribe ?? (async () => undefined) });
      })
      .then((u) => (unsubscribe = u), reject);
  });
}

describe.each(impls)('%s bus', (kind, setup) => {
  it('reports its kind and answers ping', async () => {
    const { make } = setup();
    const bus = make();
    open.push(bus);
    expect(bus.kind).toBe(kind);
    expect(await bus.ping()).toBe(true);
  });

  it('delivers a published JSON message to every subscriber of the channel only', async () => {
    const { make } = setup();
    const bus = make();
    open.push(bus);
    const got: unknown[] = [];
    const other: unknown[] = [];
    const unsubA = await bus.subscribe(CHANNELS.markPrices, (m) => got.push(m));
    const second = nextMessage(bus, CHANNELS.markPrices);
    await bus.subscribe(CHANNELS.oiSamples, (m) => other.push(m));
    await new Promise((r) => setTimeout(r, 20));
    const payload = {
      updatedAt: 1,
      prices: [
        {
          symbol: 'BTCUSDT',
          markPrice: 50_000.5,
          indexPrice: null,
          fundingRate: 0.0001,
          nextFundingTime: null,
          updatedAt: 1,
        },
      ],
    };
    await bus.publish(CHANNELS.markPrices, payload);
    const { message } = await second;
    expect(message).toEqual(payload);
    await new Promise((r) => setTimeout(r, 50));
    expect(got).toEqual([payload]);
    expect(other).toEqual([]);
    await unsubA();
  });

  it('stops delivering to a handler after it unsubscribes', async () => {
    const { make } = setup();
    const bus = make();
    open.push(bus);
    const got: unknown[] = [];
    const unsub = await bus.subscribe('ch', (m) => got.push(m));
    const keep = nextMessage(bus, 'ch');
    await unsub();
    await bus.publish('ch', { n: 1 });
    await keep;
    await new Promise((r) => setTimeout(r, 50));
    expect(got).toEqual([]);
  });

  it('a subscriber that throws does not stop the others', async () => {
    const { make } = setup();
    const bus = make();
    open.push(bus);
    await bus.subscribe('boom', () => {
      throw new Error('handler bug');
    });
    const ok = nextMessage(bus, 'boom');
    await bus.publish('boom', { n: 2 });
    expect((await ok).message).toEqual({ n: 2 });
  });

  it('stores and reads JSON values, null when missing', async () => {
    const { make } = setup();
    const bus = make();
    open.push(bus);
    const universe = { updatedAt: '2026-01-01T00:00:00.000Z', enterThreshold: 2e6, exitThreshold: 1.5e6, symbols: [] };
    await bus.setJson(KEYS.universe, universe);
    expect(await bus.getJson(KEYS.universe)).toEqual(universe);
    expect(await bus.getJson('missing')).toBeNull();
  });

  it('expires values set with a TTL', async () => {
    const { make } = setup();
    const bus = make();
    open.push(bus);
    // a generous TTL: the first read must land inside it even on a loaded CI machine
    await bus.setJson('short', { a: 1 }, 0.8);
    await bus.setJson('long', { b: 2 }, 60);
    expect(await bus.getJson('short')).toEqual({ a: 1 });
    await new Promise((r) => setTimeout(r, 900));
    expect(await bus.getJson('long')).toEqual({ b: 2 });
    expect(await bus.getJson('short')).toBeNull();
  });

  it('keeps state across re-creation (Redis keys / memory state file)', async () => {
    const { make } = setup();
    const a = make();
    await a.setJson(KEYS.markPrices, { BTCUSDT: { markPrice: 1 } });
    await a.close();
    const b = make();
    open.push(b);
    expect(await b.getJson(KEYS.markPrices)).toEqual({ BTCUSDT: { markPrice: 1 } });
  });

  it('rejects values that are not JSON-serialisable with a typed error', async () => {
    const { make } = setup();
    const bus = make();
    open.push(bus);
    await expect(bus.publish('x', undefined)).rejects.toBeInstanceOf(BusError);
    await expect(bus.setJson('x', { n: 1n })).rejects.toMatchObject({ code: 'BUS_NOT_SERIALISABLE' });
  });

  it('rejects use after close and pings false', async () => {
    const { make } = setup();
    const bus = make();
    await bus.close();
    await bus.close();
    expect(await bus.ping()).toBe(false);
    await expect(bus.publish('x', {})).rejects.toMatchObject({ code: 'BUS_CLOSED' });
  });
});

describe('redis bus isolation', () => {
  it('applies keyPrefix to keys and channels, so two prefixes never see each other', async () => {
    const p1 = `${filePrefix}iso-a:`;
    const p2 = `${filePrefix}iso-b:`;
    const a = createBus({ redisUrl: REDIS_URL, keyPrefix: p1, logger });
    const b = createBus({ redisUrl: REDIS_URL, keyPrefix: p2, logger });
    open.push(a, b);
    const seenByB: unknown[] = [];
    await b.subscribe(CHANNELS.universe, (m) => seenByB.push(m));
    const seenByA = nextMessage(a, CHANNELS.universe);
    await a.setJson(KEYS.universe, { v: 'a' });
    await a.publish(CHANNELS.universe, { v: 'a' });
    expect((await seenByA).message).toEqual({ v: 'a' });
    await new Promise((r) => setTimeout(r, 50));
    expect(seenByB).toEqual([]);
    expect(await b.getJson(KEYS.universe)).toBeNull();
    const raw = new Redis(REDIS_URL);
    expect(await raw.get(`${p1}${KEYS.universe}`)).toBe('{"v":"a"}');
    await raw.quit();
  });
});

describe('memory bus state file', () => {
  it('writes the state atomically as JSON and starts empty from a corrupt file', async () => {
    const stateFile = join(dir, 'atomic.json');
    const a = createBus({ stateFile, logger });
    await Promise.all([a.setJson('k1', 1), a.setJson('k2', 2), a.setJson('k1', 3)]);
    await a.close();
    const saved = JSON.parse(await readFile(stateFile, 'utf8')) as { entries: Record<string, unknown> };
    expect(Object.keys(saved.entries).sort()).toEqual(['k1', 'k2']);
    const b = createBus({ stateFile, logger });
    open.push(b);
    expect(await b.getJson('k1')).toBe(3);
    await writeFile(stateFile, '{"entries": {"k1": ');
    const c = createBus({ stateFile, logger });
    open.push(c);
    expect(await c.getJson('k1')).toBeNull();
  });
});

describe('redis bus when Redis is unreachable', () => {
  it('pings false instead of hanging, logs the outage once, and still closes', async () => {
    const { PassThrough } = await import('node:stream');
    const out = new PassThrough();
    const chunks: string[] = [];
    out.on('data', (c: Buffer) => chunks.push(c.toString()));
    const bus = createBus({
      redisUrl: 'redis://127.0.0.1:1',
      keyPrefix: `${filePrefix}down:`,
      logger: pino({ level: 'warn' }, out),
    });
    expect(await bus.ping()).toBe(false);
    await new Promise((r) => setTimeout(r, 600)); // several reconnect attempts
    await bus.close();
    const lost = chunks
      .join('')
      .split('\n')
      .filter((l) => l.includes('redis bus connection lost'));
    expect(lost).toHaveLength(2); // once per connection (commands, subscriber), not once per retry
  });
});

/** A TCP proxy to Redis that delays every reply by `delayMs`; `accepted` counts the connections it took. */
async function slowRedisProxy(delayMs: number): Promise<{ url: string; accepted: () => number; close: () => void }> {
  const target = new URL(REDIS_URL);
  const sockets: Socket[] = [];
  let accepted = 0;
  const server = createServer((client) => {
    accepted++;
    const upstream = connect(Number(target.port || 6379), target.hostname);
    sockets.push(client, upstream);
    client.on('data', (d) => upstream.write(d));
    upstream.on('data', (d) => setTimeout(() => client.write(d), delayMs));
    for (const s of [client, upstream]) s.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `redis://127.0.0.1:${(server.address() as AddressInfo).port}`,
    accepted: () => accepted,
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

describe('redis bus subscribing during the connection handshake', () => {
  // ioredis writes a SUBSCRIBE sent while its connection handshake runs (SUBSCRIBE is allowed while Redis
  // loads); its own ready check (INFO) then failed with "Connection in subscriber mode" (redis/ioredis#2037),
  // and a daemon that subscribed at start could exit. The proxy holds the handshake's replies open.
  it('waits for the connection to be ready, and the subscription works', async () => {
    const proxy = await slowRedisProxy(300);
    const lines: string[] = [];
    const log = pino({ level: 'warn' }, { write: (l: string) => void lines.push(l) });
    try {
      const bus = createBus({ redisUrl: proxy.url, keyPrefix: `${filePrefix}handshake:`, logger: log });
      open.push(bus);
      while (proxy.accepted() < 2) await new Promise((r) => setImmediate(r)); // both connections in handshake
      let resolve!: (m: unknown) => void;
      const received = new Promise<unknown>((r) => (resolve = r));
      await bus.subscribe(CHANNELS.oiAlerts, resolve);
      await bus.publish(CHANNELS.oiAlerts, { n: 1 });
      expect(await received).toEqual({ n: 1 });
      expect(lines.filter((l) => l.includes('connection lost'))).toEqual([]);
    } finally {
      proxy.close();
    }
  });
});
