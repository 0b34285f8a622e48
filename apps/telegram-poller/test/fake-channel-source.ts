import type { TelegramMessageInput } from '@volspike/contracts';
import { FloodWaitError, type ChannelRef, type ChannelSource, type SourceMessage } from '../src/index.js';

/**
 * A Telegram of channels in memory behind the poller's ChannelSource interface: the same contract as the
 * GramJS implementation (ids after minId oldest first, newest page when minId is null), with scripted
 * FLOOD_WAITs and a record of every call.
 */
export class FakeChannelSource implements ChannelSource {
  readonly channels = new Map<string, { ref: ChannelRef; messages: SourceMessage[] }>();
  readonly calls: { op: 'resolve' | 'fetch'; username: string; minId?: number | null; limit?: number }[] = [];
  /** FLOOD_WAIT seconds to throw on the next calls (any channel). */
  floods: number[] = [];

  addChannel(username: string, id: number, title: string): void {
    this.channels.set(username.toLowerCase(), { ref: { id, username, title }, messages: [] });
  }

  /** Posts messages ids from..to (inclusive) to a channel; `service` ids are not postable. */
  post(username: string, from: number, to: number, service: number[] = []): void {
    const ch = this.channels.get(username.toLowerCase())!;
    for (let id = from; id <= to; id++) ch.messages.push({ id, payload: service.includes(id) ? null : message(id) });
  }

  async resolve(username: string): Promise<ChannelRef> {
    this.calls.push({ op: 'resolve', username });
    this.flood();
    const ch = this.channels.get(username.toLowerCase());
    if (!ch)
      throw Object.assign(new Error(`@${username}: USERNAME_NOT_OCCUPIED`), { code: 'TELEGRAM_CHANNEL_UNAVAILABLE' });
    return ch.ref;
  }

  async fetchSince(channel: ChannelRef, minId: number | null, limit: number): Promise<SourceMessage[]> {
    this.calls.push({ op: 'fetch', username: channel.username, minId, limit });
    this.flood();
    const all = [...this.channels.get(channel.username.toLowerCase())!.messages].sort((a, b) => a.id - b.id);
    if (minId === null) return all.slice(-limit);
    return all.filter((m) => m.id > minId).slice(0, limit);
  }

  private flood(): void {
    const s = this.floods.shift();
    if (s !== undefined) throw new FloodWaitError(s);
  }
}

export function message(id: number): TelegramMessageInput {
  return {
    id,
    text: `post ${id} 🚀 https://example.com/${id}`,
    date: new Date(Date.UTC(2026, 0, 1) + id * 1000).toISOString(),
    sender_name: 'Market Feed',
    views: 100 + id,
    forwards: id % 3,
    has_media: false,
    media_type: null,
    links: [`https://example.com/${id}`],
  };
}
