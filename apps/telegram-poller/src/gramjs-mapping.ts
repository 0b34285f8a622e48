import type { TelegramMessageInput } from '@volspike/contracts';
import { Api } from 'telegram';

// GramJS (MTProto) messages → the legacy ingest payload (docs/legacy-contracts.md §1.7, §4.7).

/** Who can appear as a sender in a history answer, by their bare id (`users`/`chats` of the answer). */
export interface SenderLookup {
  users: ReadonlyMap<string, Api.TypeUser>;
  chats: ReadonlyMap<string, Api.TypeChat>;
  /** The channel read: a channel post without `fromId` comes from the channel itself. */
  channelTitle: string;
}

export const EMPTY_LOOKUP = (channelTitle: string): SenderLookup => ({
  users: new Map(),
  chats: new Map(),
  channelTitle,
});

/** `users`/`chats` lists of an answer → lookup maps by id. */
export function senderLookup(
  users: readonly Api.TypeUser[],
  chats: readonly Api.TypeChat[],
  channelTitle: string,
): SenderLookup {
  return {
    users: new Map(users.map((u) => [u.id.toString(), u])),
    chats: new Map(chats.map((c) => [c.id.toString(), c])),
    channelTitle,
  };
}

type MediaKind = 'photo' | 'video' | 'document' | 'audio' | 'voice' | 'sticker' | 'animation';

/**
 * The legacy `media_type` (Pyrogram's kinds: photo, video, document, audio, voice, sticker, animation; null
 * for any other media such as a round video note, a poll or a location). A link preview is not media.
 */
export function mediaOf(media: Api.TypeMessageMedia | undefined): { hasMedia: boolean; type: MediaKind | null } {
  if (media === undefined || media instanceof Api.MessageMediaEmpty || media instanceof Api.MessageMediaWebPage)
    return { hasMedia: false, type: null };
  if (media instanceof Api.MessageMediaPhoto) return { hasMedia: true, type: 'photo' };
  if (!(media instanceof Api.MessageMediaDocument) || !(media.document instanceof Api.Document))
    return { hasMedia: true, type: null };
  return { hasMedia: true, type: documentKind(media.document.attributes) };
}

function documentKind(attributes: readonly Api.TypeDocumentAttribute[]): MediaKind | null {
  const has = <T>(cls: abstract new (...args: never[]) => T): T | undefined =>
    attributes.find((a): a is Api.TypeDocumentAttribute & T => a instanceof cls);
  if (has(Api.DocumentAttributeSticker)) return 'sticker';
  if (has(Api.DocumentAttributeAnimated)) return 'animation';
  const video = has(Api.DocumentAttributeVideo);
  if (video) return video.roundMessage ? null : 'video';
  const audio = has(Api.DocumentAttributeAudio);
  if (audio) return audio.voice ? 'voice' : 'audio';
  return 'document';
}

/**
 * Links: the link-preview URL, then the URLs of text links, then the text covered by URL entities, without
 * duplicates. Telegram's entity offsets and lengths count UTF-16 code units, and so do JavaScript string
 * indices, so `slice` is exact after emoji (the legacy poller sliced by code points: defect 45).
 */
export function linksOf(
  text: string | null,
  entities: readonly Api.TypeMessageEntity[] | undefined,
  media: Api.TypeMessageMedia | undefined,
): string[] {
  const out: string[] = [];
  const add = (u: string | undefined): void => {
    if (u && !out.includes(u)) out.push(u);
  };
  if (media instanceof Api.MessageMediaWebPage && media.webpage instanceof Api.WebPage) add(media.webpage.url);
  for (const e of entities ?? []) if (e instanceof Api.MessageEntityTextUrl) add(e.url);
  if (text !== null)
    for (const e of entities ?? [])
      if (e instanceof Api.MessageEntityUrl) add(text.slice(e.offset, e.offset + e.length));
  return out;
}

/** First + last name of a user sender, or the sender chat's title; a channel post: the channel's title. */
export function senderNameOf(m: Api.Message, lookup: SenderLookup): string | null {
  const from = m.fromId;
  if (from instanceof Api.PeerUser) {
    const u = lookup.users.get(from.userId.toString());
    const name = u instanceof Api.User ? [u.firstName, u.lastName].filter((x) => x).join(' ') : '';
    return name || null;
  }
  if (from instanceof Api.PeerChannel || from instanceof Api.PeerChat) {
    const id = from instanceof Api.PeerChannel ? from.channelId : from.chatId;
    const c = lookup.chats.get(id.toString());
    return c && 'title' in c ? c.title : null;
  }
  return lookup.channelTitle;
}

/**
 * One history entry → the ingest message, or null when it is not posted (service and empty messages, and a
 * message with neither text nor media). `date` is the UTC instant (Telegram sends epoch seconds).
 */
export function mapGramJsMessage(m: Api.TypeMessage, lookup: SenderLookup): TelegramMessageInput | null {
  if (!(m instanceof Api.Message)) return null;
  const text = m.message ? m.message : null;
  const media = mediaOf(m.media);
  if (text === null && !media.hasMedia) return null;
  return {
    id: m.id,
    text,
    date: new Date(m.date * 1000).toISOString(),
    sender_name: senderNameOf(m, lookup),
    views: m.views ?? null,
    forwards: m.forwards ?? null,
    has_media: media.hasMedia,
    media_type: media.type,
    links: linksOf(text, m.entities, m.media),
  };
}
