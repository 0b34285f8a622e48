import type { TelegramIngest, TelegramMessageInput } from '@volspike/contracts';

// Pure mapping of Bot API updates to the legacy ingest payload (docs/legacy-contracts.md §1.7).

export interface TgChat {
  id: number;
  type?: string;
  title?: string;
  username?: string;
}
export interface TgEntity {
  type: string;
  offset: number;
  length: number;
  url?: string;
}
export interface TgMessage {
  message_id: number;
  chat: TgChat;
  date: number;
  edit_date?: number;
  text?: string;
  caption?: string;
  entities?: TgEntity[];
  caption_entities?: TgEntity[];
  author_signature?: string;
  sender_chat?: TgChat;
  link_preview_options?: { url?: string; is_disabled?: boolean };
  [media: string]: unknown;
}
export interface TgUpdate {
  update_id: number;
  channel_post?: TgMessage;
  edited_channel_post?: TgMessage;
}

export const DEFAULT_CATEGORIES: Readonly<Record<string, string>> = { marketfeed: 'macro', watcherguru: 'crypto' };
const MEDIA_KINDS = ['photo', 'video', 'document', 'audio', 'voice', 'sticker', 'animation'] as const;

/** `user:category` list → map (usernames lower-cased, without @), over the legacy defaults. */
export function parseCategories(list: string[]): Map<string, string> {
  const map = new Map(Object.entries(DEFAULT_CATEGORIES));
  for (const item of list) {
    const i = item.lastIndexOf(':');
    if (i <= 0 || i === item.length - 1) throw new Error(`TELEGRAM_CHANNEL_CATEGORIES: "${item}" is not user:category`);
    map.set(item.slice(0, i).trim().replace(/^@/, '').toLowerCase(), item.slice(i + 1).trim());
  }
  return map;
}

/** Matches chats against the configured usernames / numeric ids. */
export class ChannelFilter {
  private readonly names = new Set<string>();
  private readonly ids = new Set<string>();
  constructor(entries: string[]) {
    for (const e of entries) {
      const v = e.trim().replace(/^@/, '');
      if (/^-?\d+$/.test(v)) this.ids.add(v);
      else if (v) this.names.add(v.toLowerCase());
    }
  }
  get size(): number {
    return this.names.size + this.ids.size;
  }
  matches(chat: TgChat): boolean {
    return (
      this.ids.has(String(chat.id)) || (chat.username !== undefined && this.names.has(chat.username.toLowerCase()))
    );
  }
}

/**
 * Links: the web-page preview URL, then `text_link` URLs, then the text covered by `url` entities. Telegram
 * offsets are UTF-16 code units, and so are JS string indices, so `slice` is exact even after emoji.
 */
export function extractLinks(text: string | null, entities: TgEntity[] | undefined, previewUrl?: string): string[] {
  const out: string[] = [];
  const add = (u: string | undefined) => {
    if (u && !out.includes(u)) out.push(u);
  };
  add(previewUrl);
  for (const e of entities ?? []) if (e.type === 'text_link') add(e.url);
  if (text !== null)
    for (const e of entities ?? []) if (e.type === 'url') add(text.slice(e.offset, e.offset + e.length));
  return out;
}

export function mapMessage(m: TgMessage): TelegramMessageInput {
  const text = m.text ?? m.caption ?? null;
  const entities = m.text !== undefined ? m.entities : m.caption_entities;
  const mediaType = MEDIA_KINDS.find((k) => m[k] !== undefined) ?? null;
  return {
    id: m.message_id,
    text,
    date: new Date(m.date * 1000).toISOString(),
    sender_name: m.author_signature ?? m.sender_chat?.title ?? m.chat.title ?? null,
    // The Bot API does not report views or forwards: unknown, not 0.
    views: null,
    forwards: null,
    has_media: mediaType !== null,
    media_type: mediaType,
    links: extractLinks(text, entities, m.link_preview_options?.is_disabled ? undefined : m.link_preview_options?.url),
  };
}

export interface IngestBatch {
  idempotencyKey: string;
  body: TelegramIngest;
}

/**
 * Groups the configured channels' posts by chat (in update order) and cuts them into batches of ≤ batchSize.
 * Edits go in their own batches, keyed with the first edit's update id so a later edit is not answered from
 * the backend's idempotency cache. Keys are deterministic: a re-fetch after a restart re-sends the same keys.
 */
export function buildBatches(
  updates: TgUpdate[],
  opts: { filter: ChannelFilter; categories: Map<string, string>; batchSize: number },
): IngestBatch[] {
  const groups = new Map<string, { chat: TgChat; edit: boolean; items: { updateId: number; msg: TgMessage }[] }>();
  for (const u of updates) {
    const msg = u.channel_post ?? u.edited_channel_post;
    if (!msg || !opts.filter.matches(msg.chat)) continue;
    if (msg.text === undefined && msg.caption === undefined && !MEDIA_KINDS.some((k) => msg[k] !== undefined)) continue; // service message
    const edit = u.channel_post === undefined;
    const key = `${msg.chat.id}|${edit ? 'e' : 'p'}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { chat: msg.chat, edit, items: [] }));
    g.chat = msg.chat;
    g.items.push({ updateId: u.update_id, msg });
  }
  const batches: IngestBatch[] = [];
  for (const g of groups.values()) {
    const username = g.chat.username ?? String(g.chat.id);
    const channel = {
      id: g.chat.id,
      username,
      title: g.chat.title ?? username,
      category: opts.categories.get(username.toLowerCase()) ?? 'general',
    };
    for (let i = 0; i < g.items.length; i += opts.batchSize) {
      const chunk = g.items.slice(i, i + opts.batchSize);
      const ids = chunk.map((c) => c.msg.message_id);
      let key = `telegram:${g.chat.id}|${ids[0]}..${ids[ids.length - 1]}`;
      if (g.edit) key += `|edit${chunk[0]!.updateId}`;
      batches.push({ idempotencyKey: key, body: { channel, messages: chunk.map((c) => mapMessage(c.msg)) } });
    }
  }
  return batches;
}
