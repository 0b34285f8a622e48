import { describe, expect, it } from 'vitest';
import { ChannelFilter, buildBatches, extractLinks, mapMessage, parseCategories, type TgUpdate } from './mapping.js';

const chat = { id: -1001, type: 'channel', title: 'Market Feed', username: 'marketfeed' };

describe('mapping', () => {
  it('slices url entities with UTF-16 offsets (emoji before the URL) and adds text_link URLs', () => {
    const text = '🚀🔥 Big news: https://example.com/a?b=1 and more';
    const offset = text.indexOf('https://'); // UTF-16 index, as Telegram counts
    expect(offset).toBe(15);
    const links = extractLinks(text, [
      { type: 'url', offset, length: 'https://example.com/a?b=1'.length },
      { type: 'text_link', offset: 0, length: 2, url: 'https://linked.example/' },
      { type: 'bold', offset: 0, length: 3 },
    ]);
    expect(links).toEqual(['https://linked.example/', 'https://example.com/a?b=1']);
  });

  it('maps a captioned photo post to the legacy payload (ISO UTC date, nulls for unknown counters)', () => {
    const m = mapMessage({
      message_id: 7,
      chat,
      date: 1767225600,
      caption: '👀 see https://x.io',
      caption_entities: [{ type: 'url', offset: 7, length: 14 }],
      photo: [{ file_id: 'a' }],
      author_signature: 'Desk',
    });
    expect(m).toEqual({
      id: 7,
      text: '👀 see https://x.io',
      date: '2026-01-01T00:00:00.000Z',
      sender_name: 'Desk',
      views: null,
      forwards: null,
      has_media: true,
      media_type: 'photo',
      links: ['https://x.io'],
    });
  });

  it('categories: legacy defaults, overrides, bad entries rejected', () => {
    const c = parseCategories(['@WhaleAlert:crypto', 'marketfeed:news']);
    expect(c.get('whalealert')).toBe('crypto');
    expect(c.get('marketfeed')).toBe('news');
    expect(c.get('watcherguru')).toBe('crypto');
    expect(() => parseCategories(['nocategory'])).toThrow(/user:category/);
  });

  it('batches only configured channels, ≤ batchSize, with deterministic keys; edits separately', () => {
    const filter = new ChannelFilter(['@MarketFeed', '-1009']);
    const updates: TgUpdate[] = [];
    for (let i = 1; i <= 53; i++)
      updates.push({ update_id: 100 + i, channel_post: { message_id: i, chat, date: 1767225600, text: `m${i}` } });
    updates.push({
      update_id: 200,
      channel_post: { message_id: 1, chat: { id: -1002, title: 'other', username: 'other' }, date: 1, text: 'x' },
    });
    updates.push({
      update_id: 201,
      channel_post: { message_id: 5, chat: { id: -1009, title: 'Private' }, date: 1, text: 'p' },
    });
    updates.push({
      update_id: 202,
      edited_channel_post: { message_id: 3, chat, date: 1, edit_date: 2, text: 'm3 edited' },
    });
    updates.push({ update_id: 203, channel_post: { message_id: 60, chat, date: 1 } }); // service message: no text, no media
    const batches = buildBatches(updates, { filter, categories: parseCategories([]), batchSize: 50 });
    expect(batches.map((b) => [b.idempotencyKey, b.body.messages.length, b.body.channel.category])).toEqual([
      ['telegram:-1001|1..50', 50, 'macro'],
      ['telegram:-1001|51..53', 3, 'macro'],
      ['telegram:-1009|5..5', 1, 'general'],
      ['telegram:-1001|3..3|edit202', 1, 'macro'],
    ]);
    expect(batches[2]!.body.channel).toEqual({ id: -1009, username: '-1009', title: 'Private', category: 'general' });
    expect(buildBatches(updates, { filter, categories: parseCategories([]), batchSize: 50 })).toEqual(batches);
  });
});
