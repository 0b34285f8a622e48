// The poller against a fake Bot API (port 0) and the REAL backend (migrated test database) behind a small
// forwarding proxy that can refuse ingests and records every POST with its Idempotency-Key.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackendHandle } from '@volspike/backend';
import { createTestDatabase, type TestDatabase } from '@volspike/db/testing';
import { createBus, createLogger, type Bus } from '@volspike/runtime';
import { loadAppEnv, start, type TelegramPollerHandle, type TgUpdate } from '../src/index.js';
import { listen, readBody, startTestBackend } from './harness.js';

const INGEST_KEY = 'telegram-test-key';
const TOKEN = '123:secret-token';
const logger = createLogger({ name: 'test', level: 'silent' });
const feed = { id: -1001234, type: 'channel', title: 'Market Feed', username: 'marketfeed' };

/** Fake Bot API: keeps every update, serves those ≥ offset; long-polls; scripted 429s. */
class FakeBot {
  updates: TgUpdate[] = [];
  calls: { offset: number | null; at: number; path: string; allowed: unknown }[] = [];
  faults: { retryAfter: number }[] = [];
  private waiters: (() => void)[] = [];
  server!: { url: string; close(): Promise<void> };
  private nextId = 1000;

  async start() {
    this.server = await listen(async (req, res) => {
      const body = JSON.parse((await readBody(req)) || '{}') as {
        offset?: number;
        timeout?: number;
        allowed_updates?: unknown;
      };
      this.calls.push({
        offset: body.offset ?? null,
        at: Date.now(),
        path: req.url ?? '',
        allowed: body.allowed_updates,
      });
      res.setHeader('content-type', 'application/json');
      if (req.url !== `/bot${TOKEN}/getUpdates`) {
        res.writeHead(404).end(JSON.stringify({ ok: false, error_code: 404, description: 'Not Found' }));
        return;
      }
      const fault = this.faults.shift();
      if (fault) {
        res.writeHead(429).end(
          JSON.stringify({
            ok: false,
            error_code: 429,
            description: `Too Many Requests: retry after ${fault.retryAfter}`,
            parameters: { retry_after: fault.retryAfter },
          }),
        );
        return;
      }
      const pending = () => this.updates.filter((u) => u.update_id >= (body.offset ?? 0)).slice(0, 100);
      if (pending().length === 0 && (body.timeout ?? 0) > 0) {
        await new Promise<void>((r) => {
          const t = setTimeout(r, (body.timeout ?? 0) * 1000);
          this.waiters.push(() => {
            clearTimeout(t);
            r();
          });
        });
      }
      res.end(JSON.stringify({ ok: true, result: pending() }));
    });
  }

  post(chat: typeof feed, messageId: number, extra: Record<string, unknown> = {}, edited = false) {
    const msg = { message_id: messageId, chat, date: 1767225600 + messageId, text: `post ${messageId}`, ...extra };
    this.updates.push({ update_id: this.nextId++, ...(edited ? { edited_channel_post: msg } : { channel_post: msg }) });
    for (const w of this.waiters.splice(0)) w();
  }
}

let db: TestDatabase;
let bus: Bus;
let backend: BackendHandle;
let proxy: { url: string; close(): Promise<void> };
const posted: { key: string; status: number; ids: number[] }[] = [];
let refuseIngests = 0;
let bot: FakeBot;
let dataDir: string;
const pollers: TelegramPollerHandle[] = [];

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 8000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}
const offsetFile = () => join(dataDir, 'telegram-poller', 'offset.json');
const savedOffset = async () => {
  try {
    return (JSON.parse(await readFile(offsetFile(), 'utf8')) as { offset: number }).offset;
  } catch {
    return null;
  }
};
const stored = () => db.prisma.telegramMessage.findMany({ orderBy: { messageId: 'asc' } });

async function startPoller(): Promise<TelegramPollerHandle> {
  const env = loadAppEnv({
    TELEGRAM_BOT_TOKEN: TOKEN,
    TELEGRAM_API_URL: bot.server.url,
    TELEGRAM_CHANNEL_IDS: '@MarketFeed,-1009',
    TELEGRAM_POLL_TIMEOUT_SEC: '1',
    TELEGRAM_BACKOFF_MAX_MS: '200',
    VOLSPIKE_API_URL: proxy.url,
    VOLSPIKE_API_KEY: INGEST_KEY,
  });
  const p = await start(env, { logger, dataDir, metrics: new Registry() });
  pollers.push(p);
  return p;
}

beforeAll(async () => {
  db = await createTestDatabase();
  bus = createBus({ logger });
  backend = await startTestBackend({ db, bus, logger, ingestKey: INGEST_KEY });
  const target = `http://127.0.0.1:${backend.port}`;
  proxy = await listen(async (req, res) => {
    const body = await readBody(req);
    if (req.url === '/api/telegram/ingest') {
      const key = String(req.headers['idempotency-key'] ?? '');
      const ids = (JSON.parse(body) as { messages: { id: number }[] }).messages.map((m) => m.id);
      if (refuseIngests > 0) {
        refuseIngests--;
        posted.push({ key, status: 503, ids });
        res.writeHead(503).end('{"error":"unavailable"}');
        return;
      }
      const r = await fetch(target + req.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-api-key': String(req.headers['x-api-key'] ?? ''),
          'idempotency-key': key,
        },
        body,
      });
      posted.push({ key, status: r.status, ids });
      res.writeHead(r.status, { 'content-type': 'application/json' }).end(await r.text());
      return;
    }
    const r = await fetch(target + (req.url ?? '/'), {
      method: req.method,
      headers: { 'content-type': 'application/json', 'x-api-key': String(req.headers['x-api-key'] ?? '') },
      body: req.method === 'GET' ? undefined : body,
    });
    res.writeHead(r.status).end(await r.text());
  });
  bot = new FakeBot();
  await bot.start();
  dataDir = await mkdtemp(join(tmpdir(), 'telegram-poller-'));
});

afterAll(async () => {
  for (const p of pollers) await p.stop();
  await bot?.server.close();
  await proxy?.close();
  await backend?.stop();
  await bus?.close();
  await db?.drop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('telegram poller', () => {
  it('without a token it is disabled and says so', async () => {
    const p = await start(loadAppEnv({}), { logger, dataDir, metrics: new Registry() });
    expect((await p.health()).body).toMatchObject({ status: 'disabled' });
    await p.stop();
  });

  it('posts configured channel posts once (429 honoured, emoji-safe links), saves the offset after acceptance, and resumes without loss or duplicates', async () => {
    bot.faults.push({ retryAfter: 1 });
    const text = '🚀🔥 Read https://example.com/x now';
    bot.post(feed, 1, {
      text,
      entities: [
        { type: 'url', offset: text.indexOf('https://'), length: 21 },
        { type: 'text_link', offset: 0, length: 2, url: 'https://t.me/marketfeed' },
      ],
    });
    bot.post(feed, 2, { text: undefined, caption: 'chart', photo: [{ file_id: 'f' }] });
    bot.post({ id: -1002, type: 'channel', title: 'Other', username: 'other' }, 1);
    const p1 = await startPoller();

    await waitFor(async () => (await savedOffset()) === 1003);
    const rows = await stored();
    expect(rows.map((r) => [Number(r.messageId), r.text, r.links, r.hasMedia, r.mediaType])).toEqual([
      [1, text, ['https://t.me/marketfeed', 'https://example.com/x'], false, null],
      [2, 'chart', [], true, 'photo'],
    ]);
    expect(rows[0]!.date.toISOString()).toBe('2026-01-01T00:00:01.000Z');
    // 429: the next call waited retry_after (a lower bound, not a performance check).
    expect(bot.calls[1]!.at - bot.calls[0]!.at).toBeGreaterThanOrEqual(950);
    expect(bot.calls[0]!.allowed).toEqual(['channel_post', 'edited_channel_post']);
    expect(p1.stats()).toMatchObject({ rateLimited: 1, messagesPosted: 2 });
    expect(posted.map((x) => x.key)).toEqual(['telegram:-1001234|1..2']);
    const channel = await db.prisma.telegramChannel.findFirstOrThrow();
    expect(channel).toMatchObject({ username: 'marketfeed', category: 'macro', title: 'Market Feed' });

    // Backend refuses: the offset stays until the batch is accepted, then it is delivered exactly once.
    refuseIngests = 2;
    bot.post(feed, 3);
    bot.post(feed, 4, {}, false);
    await waitFor(() => posted.filter((x) => x.status === 503).length === 2);
    expect(await savedOffset()).toBe(1003);
    await waitFor(async () => (await savedOffset()) === 1005);
    expect((await stored()).map((r) => Number(r.messageId))).toEqual([1, 2, 3, 4]);
    expect(posted.filter((x) => x.status === 200).map((x) => x.key)).toEqual([
      'telegram:-1001234|1..2',
      'telegram:-1001234|3..4',
    ]);

    // Restart: resumes from the saved offset (asks Telegram for 1005 first), 60 new posts in 50 + 10.
    await p1.stop();
    for (let i = 5; i <= 64; i++) bot.post(feed, i);
    const callsBefore = bot.calls.length;
    const p2 = await startPoller();
    await waitFor(async () => (await savedOffset()) === 1065);
    expect(bot.calls[callsBefore]!.offset).toBe(1005);
    expect(await db.prisma.telegramMessage.count()).toBe(64);
    expect(posted.slice(-2).map((x) => [x.key, x.ids.length])).toEqual([
      ['telegram:-1001234|5..54', 50],
      ['telegram:-1001234|55..64', 10],
    ]);

    // Crash after delivery but before the offset was saved: Telegram serves the same updates again, the same
    // keys go out and the backend stores nothing twice.
    await p2.stop();
    await writeFile(offsetFile(), JSON.stringify({ offset: 1005 }));
    const postedBefore = posted.length;
    await startPoller();
    await waitFor(async () => (await savedOffset()) === 1065);
    expect(posted.slice(postedBefore).map((x) => [x.key, x.status])).toEqual([
      ['telegram:-1001234|5..54', 200],
      ['telegram:-1001234|55..64', 200],
    ]);
    expect(await db.prisma.telegramMessage.count()).toBe(64);
  });
});
