import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '@volspike/runtime';

export interface ChannelOffset {
  /** Highest message id of this channel that the backend accepted (or that was skipped as not postable). */
  lastMessageId: number;
  /** The channel's id when it was read: another channel behind the same username starts over. */
  channelId: number;
  savedAt: string;
}

interface OffsetFile {
  v: 1;
  channels: Record<string, ChannelOffset>;
}

/**
 * Per-channel read positions of the MTProto poller, `<DATA_DIR>/telegram-poller/channels.json`
 * (`{"v":1,"channels":{"<username>":{lastMessageId, channelId, savedAt}}}`), keyed by lower-cased username.
 * Every save rewrites the file atomically (temp file, fsync, rename) with mode 0600, so a crash leaves the
 * previous or the new position and never a torn file.
 */
export class ChannelOffsets {
  private channels: Record<string, ChannelOffset> = {};
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly file: string,
    private readonly now: () => number = Date.now,
  ) {}

  async load(): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    const parsed = JSON.parse(text) as Partial<OffsetFile>;
    if (parsed.v !== 1 || typeof parsed.channels !== 'object' || parsed.channels === null)
      throw new Error(`${this.file} is not a telegram-poller offset file (v1)`);
    this.channels = parsed.channels;
  }

  get(username: string): ChannelOffset | undefined {
    return this.channels[username.toLowerCase()];
  }

  all(): Readonly<Record<string, ChannelOffset>> {
    return this.channels;
  }

  /** Moves the channel's position forward (never back) and persists it before resolving. */
  async advance(username: string, channelId: number, lastMessageId: number): Promise<void> {
    const key = username.toLowerCase();
    const cur = this.channels[key];
    if (cur && cur.channelId === channelId && cur.lastMessageId >= lastMessageId) return;
    this.channels = {
      ...this.channels,
      [key]: { lastMessageId, channelId, savedAt: new Date(this.now()).toISOString() },
    };
    await this.persist();
  }

  /** Forgets a channel (its username now belongs to another channel). */
  async reset(username: string): Promise<void> {
    const { [username.toLowerCase()]: _gone, ...rest } = this.channels;
    this.channels = rest;
    await this.persist();
  }

  private persist(): Promise<void> {
    const doc: OffsetFile = { v: 1, channels: this.channels };
    const next = this.chain.then(() =>
      writeFileAtomic(this.file, JSON.stringify(doc, null, 2) + '\n', { mode: 0o600 }),
    );
    this.chain = next.catch(() => undefined);
    return next;
  }
}
