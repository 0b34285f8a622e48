import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ShadowJournal, parseShadowLine } from '@volspike/backend-client';
import { createLogger } from '@volspike/runtime';
import { startFakeTelegram, waitFor } from '../test/helpers.js';
import { TelegramSender } from './telegram-sender.js';

const logger = createLogger({ name: 'test', level: 'silent' });

describe('TelegramSender', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0)) await c();
  });

  it('sends GET sendMessage with chat_id and the plain text, waits out a 429 retry_after, keeps order, ignores a repeated id', async () => {
    const tg = await startFakeTelegram();
    cleanup.push(() => tg.close());
    tg.state.rateLimitNext = 1;
    tg.state.retryAfterSec = 1;
    const s = new TelegramSender({ apiUrl: tg.url, token: '1:x', chatId: '-100', file: null, logger, baseDelayMs: 10 });
    await s.start();
    cleanup.push(() => s.stop());
    const t0 = Date.now();
    await s.enqueue('a', 'HALF-UPDATE: FOO hourly volume 12.50M (4.03\u00d7 prev) \u2014 VOLUME SPIKE!');
    await s.enqueue('b', 'second & last');
    await s.enqueue('a', 'HALF-UPDATE: duplicate');
    await waitFor(() => tg.messages.length === 2, 5000);
    expect(tg.messages.map((m) => m.text)).toEqual([
      'HALF-UPDATE: FOO hourly volume 12.50M (4.03\u00d7 prev) \u2014 VOLUME SPIKE!',
      'second & last',
    ]);
    expect(tg.messages[0]).toMatchObject({ token: '1:x', chatId: '-100', method: 'GET' });
    expect((tg.messages[0]?.at ?? 0) - t0).toBeGreaterThanOrEqual(950);
  });

  it('keeps undelivered messages across a restart and does not repeat delivered ones', async () => {
    const tg = await startFakeTelegram();
    const dir = await mkdtemp(join(tmpdir(), 'tg-'));
    cleanup.push(
      () => tg.close(),
      () => rm(dir, { recursive: true, force: true }),
    );
    const file = join(dir, 'q.json');
    tg.state.down = true;
    const a = new TelegramSender({ apiUrl: tg.url, token: 't', chatId: 'c', file, logger, baseDelayMs: 10_000 });
    await a.start();
    await a.enqueue('m1', 'one');
    await a.stop();
    tg.state.down = false;
    const b = new TelegramSender({ apiUrl: tg.url, token: 't', chatId: 'c', file, logger, baseDelayMs: 10 });
    await b.start();
    await b.flush(3000);
    await b.enqueue('m1', 'one again');
    await b.flush(1000);
    await b.stop();
    expect(tg.messages.map((m) => m.text)).toEqual(['one']);
  });

  it('in shadow mode records each message in the journal (chat and text, never the token) and calls no Telegram', async () => {
    const tg = await startFakeTelegram();
    const dir = await mkdtemp(join(tmpdir(), 'tg-shadow-'));
    cleanup.push(async () => {
      await tg.close();
      await rm(dir, { recursive: true, force: true });
    });
    const journal = new ShadowJournal({ dir, app: 'volume-alerts' });
    const s = new TelegramSender({
      apiUrl: tg.url,
      token: '1:secret',
      chatId: '-100',
      file: null,
      logger,
      shadow: journal,
    });
    await s.start();
    await s.enqueue('a', 'FOO hourly volume 12.50M (4.03\u00d7 prev) \u2014 VOLUME SPIKE!');
    await s.enqueue('a', 'repeated id: ignored');
    await waitFor(() => s.depth() === 0, 5000);
    await s.stop();
    await journal.close();
    const [file] = await readdir(dir);
    const text = await readFile(join(dir, file as string), 'utf8');
    expect(text).not.toContain('1:secret');
    expect(text.trim().split('\n').map(parseShadowLine)).toEqual([
      expect.objectContaining({
        target: 'telegram',
        route: 'sendMessage',
        body: { chat_id: '-100', text: 'FOO hourly volume 12.50M (4.03\u00d7 prev) \u2014 VOLUME SPIKE!' },
      }),
    ]);
    expect(tg.messages).toHaveLength(0);
  });
});
