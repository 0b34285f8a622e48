import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { INGEST_KEY, clearTables, createTestApp, type TestApp } from './app-helpers.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await t.close();
});
beforeEach(async () => {
  await clearTables(t.prisma, ['telegram_channels', 'telegram_messages', 'ingest_requests']);
});

const msg = (id: number, extra: Record<string, unknown> = {}) => ({
  id,
  text: `message ${id}`,
  date: new Date(Date.UTC(2025, 2, 1, 0, 0, id)).toISOString().replace('Z', '+00:00'),
  sender_name: null,
  views: 10,
  forwards: null,
  has_media: false,
  media_type: null,
  links: [],
  ...extra,
});
const channel = { id: -1001234567890, username: 'newsfeed', title: 'News Feed', category: 'news' };
const ingest = (body: unknown, key: string | null = INGEST_KEY) => {
  const r = request(t.app).post('/api/telegram/ingest');
  return key ? r.set('X-API-Key', key).send(body as object) : r.send(body as object);
};

describe('POST /api/telegram/ingest', () => {
  it('stores the legacy payload and counts true duplicates on a re-send', async () => {
    const first = await ingest({
      channel,
      messages: [msg(1), msg(2, { links: ['https://x.test'], views: null })],
    }).expect(200);
    expect(first.body).toEqual({ success: true, inserted: 2, duplicates: 0, errors: 0, removed: 0 });
    const again = await ingest({ channel, messages: [msg(2, { text: 'edited', views: 99 }), msg(3)] }).expect(200);
    expect(again.body).toMatchObject({ inserted: 1, duplicates: 1 });
    const edited = await t.prisma.telegramMessage.findFirstOrThrow({ where: { messageId: 2n } });
    expect([edited.text, edited.views]).toEqual(['edited', 99]);
    const ch = await t.prisma.telegramChannel.findFirstOrThrow();
    expect([ch.channelId, ch.username, ch.category, ch.errorCount]).toEqual([-1001234567890n, 'newsfeed', 'news', 0]);
  });

  it('counts a message repeated within one batch as a duplicate', async () => {
    const res = await ingest({ channel, messages: [msg(1), msg(1)] }).expect(200);
    expect(res.body).toMatchObject({ inserted: 1, duplicates: 1 });
  });

  it('keeps the newest 1000 messages of that channel only', async () => {
    const other = { id: -100999, username: 'other', title: 'Other' };
    await ingest({ channel: other, messages: [msg(1)] }).expect(200);
    await ingest({ channel, messages: Array.from({ length: 1000 }, (_, i) => msg(i + 1)) }).expect(200);
    const res = await ingest({ channel, messages: [msg(1001), msg(1002)] }).expect(200);
    expect(res.body).toMatchObject({ inserted: 2, removed: 2 });
    const ch = await t.prisma.telegramChannel.findUniqueOrThrow({ where: { username: 'newsfeed' } });
    expect(await t.prisma.telegramMessage.count({ where: { channelId: ch.id } })).toBe(1000);
    expect(
      await t.prisma.telegramMessage.findFirst({ where: { channelId: ch.id, messageId: { in: [1n, 2n] } } }),
    ).toBeNull();
    expect(await t.prisma.telegramMessage.count()).toBe(1001);
  });

  it('keeps the row (and its messages) when a channel changes id but keeps its username', async () => {
    await ingest({ channel, messages: [msg(1)] }).expect(200);
    await ingest({ channel: { ...channel, id: -1009999999999 }, messages: [msg(2)] }).expect(200);
    const channels = await t.prisma.telegramChannel.findMany();
    expect(channels).toHaveLength(1);
    expect(channels[0]!.channelId).toBe(-1009999999999n);
    expect(await t.prisma.telegramMessage.count()).toBe(2);
  });

  it.each([
    [
      'a message without its nullable keys',
      { channel, messages: [{ id: 1, date: '2025-03-01T00:00:00Z' }] },
      'messages[0].text',
    ],
    ['a non-numeric message id', { channel, messages: [msg(1, { id: 'x' })] }, 'messages[0].id'],
    ['a bad date', { channel, messages: [msg(1, { date: 'yesterday' })] }, 'messages[0].date'],
    ['a missing channel', { messages: [msg(1)] }, 'channel'],
  ])('rejects %s with the legacy 400 error and writes nothing', async (_n, body, field) => {
    const res = await ingest(body);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('Invalid message data');
    expect(res.body.message).toContain(field);
    expect(await t.prisma.telegramChannel.count()).toBe(0);
  });

  it.each([
    ['2^63 as a string', '9223372036854775808'],
    ['-2^63 - 1 as a string', '-9223372036854775809'],
    ['a 20-digit string', '99999999999999999999'],
    ['an unsafe JSON number', 2 ** 63],
  ])('refuses a chat id beyond the signed 64-bit range (%s) with 400, not 500', async (_n, id) => {
    const res = await ingest({ channel: { ...channel, id }, messages: [msg(1)] });
    expect(res.status).toBe(400);
    expect(res.body.message).toContain('channel.id');
    expect(await t.prisma.telegramChannel.count()).toBe(0);
  });

  it('accepts the largest chat ids that fit (±2^63 - 1 as strings)', async () => {
    await ingest({ channel: { ...channel, id: '9223372036854775807' }, messages: [msg(1)] }).expect(200);
    await ingest({ channel: { ...channel, id: '-9223372036854775808', username: 'other' }, messages: [msg(1)] }).expect(
      200,
    );
  });

  it('needs the ingest key', async () => {
    expect((await ingest({ channel, messages: [] }, null)).status).toBe(401);
  });

  it('replays an Idempotency-Key retry without touching the rows', async () => {
    const a = await ingest({ channel, messages: [msg(1)] })
      .set('Idempotency-Key', 'tg-1')
      .expect(200);
    const b = await ingest({ channel, messages: [msg(1)] })
      .set('Idempotency-Key', 'tg-1')
      .expect(200);
    expect(b.body).toEqual(a.body);
    expect(b.headers['idempotent-replayed']).toBe('true');
  });
});

describe('GET /api/telegram/*', () => {
  it('returns newest messages of enabled channels, clamping limit and ignoring junk', async () => {
    await ingest({ channel, messages: [msg(1), msg(2), msg(3)] }).expect(200);
    await ingest({ channel: { id: -5, username: 'muted', title: 'Muted' }, messages: [msg(4)] }).expect(200);
    await t.prisma.telegramChannel.update({ where: { username: 'muted' }, data: { enabled: false } });
    const r = await request(t.app).get('/api/telegram/messages?limit=2').expect(200);
    expect(r.body.count).toBe(2);
    expect(r.body.messages[0]).toEqual({
      id: expect.any(String),
      text: 'message 3',
      date: '2025-03-01T00:00:03.000Z',
      category: 'news',
      channelUsername: 'newsfeed',
      links: [],
    });
    expect((await request(t.app).get('/api/telegram/messages?limit=abc').expect(200)).body.count).toBe(3);
    expect((await request(t.app).get('/api/telegram/messages?limit=0').expect(200)).body.count).toBe(1);
    const h = await request(t.app).get('/api/telegram/health').expect(200);
    expect(h.body).toEqual({ status: 'healthy', timestamp: expect.any(String) });
  });
});
