// The MTProto mode's rules against a fake Telegram (behind the ChannelSource interface) and the REAL backend
// (migrated test database) behind a forwarding proxy that can refuse ingests and records every POST.
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BackendHandle } from '@volspike/backend';
import { createTestDatabase, type TestDatabase } from '@volspike/db/testing';
import { createBus, createLogger, type Bus } from '@volspike/runtime';
import { BackendClient, NO_RETRY } from '@volspike/backend-client';
import { ChannelOffsets, MtprotoPoller, backendIngestSink, loadAppEnv, parseCategories, start } from '../src/index.js';
import { FakeChannelSource } from './fake-channel-source.js';
import { listen, readBody, startTestBackend } from './harness.js';

const INGEST_KEY = 'telegram-mtproto-test-key';
const logger = createLogger({ name: 'test', level: 'silent' });
const FEED = { username: 'marketfeed', id: -1001234567890, title: 'Market Feed' };
const GURU = { username: 'watcherguru', id: -1009876543210, title: 'Watcher Guru' };

let db: TestDatabase;
let bus: Bus;
let backend: BackendHandle;
let proxy: { url: string; close(): Promise<void> };
let posted: { key: string; status: number; ids: number[]; channel: string }[] = [];
let refuseIngests = 0;
/** Set: that many more batches reach the backend, then the poller's connection fails (a half-way outage). */
let acceptBeforeCut: number | null = null;
let dataDir: string;

beforeAll(async () => {
  db = await createTestDatabase();
  bus = createBus({ logger });
  backend = await startTestBackend({ db, bus, logger, ingestKey: INGEST_KEY });
  const target = `http://127.0.0.1:${backend.port}`;
  proxy = await listen(async (req, res) => {
    const body = await readBody(req);
    const key = String(req.headers['idempotency-key'] ?? '');
    const parsed = JSON.parse(body || '{}') as { channel?: { username: string }; messages?: { id: number }[] };
    const entry = { key, ids: (parsed.messages ?? []).map((m) => m.id), channel: parsed.channel?.username ?? '' };
    if (req.url === '/api/telegram/ingest' && refuseIngests > 0) {
      refuseIngests--;
      posted.push({ ...entry, status: 503 });
      res.writeHead(503).end('{"error":"unavailable"}');
      return;
    }
    const r = await fetch(target + (req.url ?? '/'), {
      method: req.method,
      headers: {
        'content-type': 'application/json',
        'x-api-key': String(req.headers['x-api-key'] ?? ''),
        ...(key ? { 'idempotency-key': key } : {}),
      },
      body: req.method === 'GET' ? undefined : body,
    });
    if (req.url === '/api/telegram/ingest') posted.push({ ...entry, status: r.status });
    res.writeHead(r.status, { 'content-type': 'application/json' }).end(await r.text());
  });
});

afterAll(async () => {
  await proxy?.close();
  await backend?.stop();
  await bus?.close();
  await db?.drop();
});

beforeEach(async () => {
  posted = [];
  refuseIngests = 0;
  acceptBeforeCut = null;
  dataDir = await mkdtemp(join(tmpdir(), 'telegram-mtproto-'));
  await db.prisma.telegramMessage.deleteMany();
  await db.prisma.telegramChannel.deleteMany();
  return () => rm(dataDir, { recursive: true, force: true });
});

const offsetsFile = () => join(dataDir, 'telegram-poller', 'channels.json');
const storedIds = async (username: string) =>
  (
    await db.prisma.telegramMessage.findMany({
      where: { channel: { username } },
      orderBy: { messageId: 'asc' },
      select: { messageId: true },
    })
  ).map((r) => Number(r.messageId));
const savedPosition = async (username: string) =>
  (JSON.parse(await readFile(offsetsFile(), 'utf8')) as { channels: Record<string, { lastMessageId: number }> })
    .channels[username]?.lastMessageId;

/** A poller over the fake, driven round by round (pollOnce) so no test waits on the clock. */
async function poller(source: FakeChannelSource, waits: number[] = []) {
  // The production sink over the typed backend client (no in-call retries: the poller's rounds are the retry).
  const backendSink = backendIngestSink(new BackendClient({ baseUrl: proxy.url, apiKey: INGEST_KEY, retry: NO_RETRY }));
  const offsets = new ChannelOffsets(offsetsFile());
  await offsets.load();
  return new MtprotoPoller({
    source,
    sink: {
      send: (batch, signal) => {
        if (acceptBeforeCut !== null && acceptBeforeCut-- <= 0) throw new Error('connection reset');
        return backendSink.send(batch, signal);
      },
    },
    offsets,
    channels: [FEED.username, GURU.username],
    categories: parseCategories([]),
    pollIntervalMs: 30_000,
    fetchLimit: 100,
    batchSize: 50,
    backoffMaxMs: 1000,
    logger,
    wait: async (ms) => {
      waits.push(ms);
    },
  });
}

function telegram(): FakeChannelSource {
  const t = new FakeChannelSource();
  t.addChannel(FEED.username, FEED.id, FEED.title);
  t.addChannel(GURU.username, GURU.id, GURU.title);
  return t;
}

describe('MTProto poller (fake Telegram, real backend)', () => {
  it('first read: the newest page only; then more than 100 new messages are read in pages with no gap', async () => {
    const t = telegram();
    t.post(FEED.username, 1, 250);
    const p = await poller(t);
    expect(await p.pollOnce()).toBe(true);
    expect(await storedIds(FEED.username)).toEqual(Array.from({ length: 100 }, (_, i) => 151 + i));
    expect(await savedPosition(FEED.username)).toBe(250);

    t.post(FEED.username, 251, 480, [300, 480]); // 230 new, two of them service messages
    expect(await p.pollOnce()).toBe(true);
    const ids = await storedIds(FEED.username);
    expect(ids.filter((id) => id > 250)).toEqual(
      Array.from({ length: 230 }, (_, i) => 251 + i).filter((id) => id !== 300 && id !== 480),
    );
    expect(await savedPosition(FEED.username)).toBe(480); // past the trailing service message
    expect(t.calls.filter((c) => c.op === 'fetch' && c.username === FEED.username).map((c) => c.minId)).toEqual([
      null,
      250, // first read, then caught up
      250,
      350,
      450, // pages of 100 from the saved position, oldest first; the last one is short, so caught up
    ]);
    // Batches of ≤ 50 with deterministic keys; the channel row carries the legacy category.
    expect(posted.filter((x) => x.channel === FEED.username).every((x) => x.ids.length <= 50)).toBe(true);
    expect(posted[0]).toMatchObject({ key: `telegram:${FEED.id}|151..200`, status: 200 });
    const row = await db.prisma.telegramChannel.findFirstOrThrow({ where: { username: FEED.username } });
    expect(row).toMatchObject({ title: 'Market Feed', category: 'macro' });
    expect((await stat(offsetsFile())).mode & 0o777).toBe(0o600);
  });

  it('backend outage: the position stays until a batch is accepted; nothing lost, nothing stored twice', async () => {
    const t = telegram();
    t.post(FEED.username, 1, 10);
    const p = await poller(t);
    await p.pollOnce();
    t.post(FEED.username, 11, 130);
    refuseIngests = 1000;
    expect(await p.pollOnce()).toBe(false);
    expect(await savedPosition(FEED.username)).toBe(10);
    expect(p.failingChannels()).toEqual([FEED.username]);
    // Half-way recovery: the first batch is accepted, the second fails → the position follows the first.
    refuseIngests = 0;
    const before = posted.length;
    acceptBeforeCut = 1; // the connection drops after one more accepted batch
    expect(await p.pollOnce()).toBe(false);
    acceptBeforeCut = null;
    expect(await savedPosition(FEED.username)).toBe(60);
    expect(await p.pollOnce()).toBe(true);
    expect(await savedPosition(FEED.username)).toBe(130);
    expect(await storedIds(FEED.username)).toEqual(Array.from({ length: 130 }, (_, i) => i + 1));
    const accepted = posted
      .slice(before)
      .filter((x) => x.status === 200)
      .map((x) => x.key);
    expect(accepted).toEqual([
      `telegram:${FEED.id}|11..60`,
      `telegram:${FEED.id}|61..110`,
      `telegram:${FEED.id}|111..130`,
    ]);
    expect(p.failingChannels()).toEqual([]);
  });

  it('restart: a new poller resumes from the saved positions; a crash before saving re-sends the same keys only', async () => {
    const t = telegram();
    t.post(GURU.username, 1, 40);
    await (await poller(t)).pollOnce();
    expect(await savedPosition(GURU.username)).toBe(40);
    t.post(GURU.username, 41, 45);
    await (await poller(t)).pollOnce();
    expect(t.calls.filter((c) => c.op === 'fetch' && c.username === GURU.username).at(-1)!.minId).toBe(40);
    // Crash after the backend accepted 41..45 but before the position was saved.
    const doc = JSON.parse(await readFile(offsetsFile(), 'utf8'));
    doc.channels[GURU.username].lastMessageId = 40;
    await writeFile(offsetsFile(), JSON.stringify(doc));
    const before = posted.length;
    await (await poller(t)).pollOnce();
    expect(posted.slice(before).map((x) => [x.key, x.status])).toEqual([[`telegram:${GURU.id}|41..45`, 200]]);
    expect(await storedIds(GURU.username)).toEqual(Array.from({ length: 45 }, (_, i) => i + 1));
    expect(await db.prisma.telegramMessage.count()).toBe(45);
  });

  it('FLOOD_WAIT: waits the seconds Telegram asked for, skips that channel this round, reads it next round', async () => {
    const t = telegram();
    t.post(FEED.username, 1, 3);
    t.post(GURU.username, 1, 2);
    const waits: number[] = [];
    const p = await poller(t, waits);
    t.floods = [37]; // the first call (resolving @marketfeed) is refused
    expect(await p.pollOnce()).toBe(true);
    expect(waits).toEqual([37_000]);
    expect(p.stats().floodWaits).toBe(1);
    expect(await storedIds(FEED.username)).toEqual([]);
    expect(await storedIds(GURU.username)).toEqual([1, 2]);
    await p.pollOnce();
    expect(await storedIds(FEED.username)).toEqual([1, 2, 3]);
  });

  it('a username that now belongs to another channel starts over from that channel’s newest messages', async () => {
    const t = telegram();
    t.post(FEED.username, 1, 500);
    await (await poller(t)).pollOnce();
    expect(await savedPosition(FEED.username)).toBe(500);
    const t2 = new FakeChannelSource();
    t2.addChannel(FEED.username, -1005555555555, 'Market Feed (new)');
    t2.addChannel(GURU.username, GURU.id, GURU.title);
    t2.post(FEED.username, 1, 7);
    await (await poller(t2)).pollOnce();
    expect(await savedPosition(FEED.username)).toBe(7);
    expect(t2.calls.find((c) => c.op === 'fetch' && c.username === FEED.username)!.minId).toBeNull();
  });

  it('start(): the mode follows the credentials, the session is required, and the app polls through the fake', async () => {
    const env = loadAppEnv({
      TELEGRAM_API_ID: '12345',
      TELEGRAM_API_HASH: '0123456789abcdef',
      TELEGRAM_CHANNELS: '@MarketFeed',
      TELEGRAM_POLL_INTERVAL_MS: '1000',
      VOLSPIKE_API_URL: proxy.url,
      VOLSPIKE_API_KEY: INGEST_KEY,
      DATA_DIR: dataDir,
    });
    await expect(start(env, { logger, dataDir, metrics: new Registry() })).rejects.toThrow(
      /no Telegram session at .*npm run telegram -- login/,
    );
    const t = telegram();
    t.post(FEED.username, 1, 5);
    const app = await start(env, { logger, dataDir, metrics: new Registry(), channelSource: t });
    try {
      expect(app.mode).toBe('mtproto');
      for (let i = 0; i < 400 && (await storedIds(FEED.username)).length < 5; i++)
        await new Promise((r) => setTimeout(r, 25));
      expect(await storedIds(FEED.username)).toEqual([1, 2, 3, 4, 5]);
      expect((await app.health()).body).toMatchObject({ mode: 'mtproto', status: 'ok' });
    } finally {
      await app.stop();
    }
  });
  it('SHADOW=true: reads Telegram and records the would-be ingests in the journal; the backend gets nothing', async () => {
    const shadowDir = join(dataDir, 'shadow');
    const env = loadAppEnv({
      TELEGRAM_API_ID: '12345',
      TELEGRAM_API_HASH: '0123456789abcdef',
      TELEGRAM_CHANNELS: 'marketfeed',
      VOLSPIKE_API_URL: proxy.url,
      VOLSPIKE_API_KEY: INGEST_KEY,
      SHADOW: 'true',
      SHADOW_DIR: shadowDir,
    });
    const t = telegram();
    t.post(FEED.username, 1, 3);
    const app = await start(env, { logger, dataDir, metrics: new Registry(), channelSource: t });
    try {
      const journal = async () => {
        const [file] = (await readdir(shadowDir).catch(() => [])).filter((f) => f.startsWith('telegram-poller-'));
        if (!file) return [];
        return (await readFile(join(shadowDir, file), 'utf8'))
          .split('\n')
          .filter((l) => l.includes('"telegramIngest"'))
          .map((l) => JSON.parse(l) as { route: string; path: string; body: { messages: { id: number }[] } });
      };
      for (let i = 0; i < 400 && (await journal()).length === 0; i++) await new Promise((r) => setTimeout(r, 25));
      const [entry] = await journal();
      expect(entry).toMatchObject({ route: 'telegramIngest', path: '/api/telegram/ingest' });
      expect(entry!.body.messages.map((m) => m.id)).toEqual([1, 2, 3]);
      expect(JSON.stringify(entry)).not.toContain(INGEST_KEY);
      expect(posted).toEqual([]);
      expect(await storedIds(FEED.username)).toEqual([]);
    } finally {
      await app.stop();
    }
  });
});
