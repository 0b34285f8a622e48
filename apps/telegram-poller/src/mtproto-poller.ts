import { TelegramMessageInputSchema, type TelegramMessageInput } from '@volspike/contracts';
import { AbortedError, backoffDelay, sleep, type Logger } from '@volspike/runtime';
import type { ChannelOffsets } from './channel-offsets.js';
import { FloodWaitError, type ChannelRef, type ChannelSource, type SourceMessage } from './channel-source.js';
import type { IngestSink } from './ingest-sink.js';

export interface MtprotoPollerOptions {
  source: ChannelSource;
  sink: IngestSink;
  offsets: ChannelOffsets;
  /** Usernames without @, as configured (TELEGRAM_CHANNELS). */
  channels: readonly string[];
  categories: ReadonlyMap<string, string>;
  pollIntervalMs: number;
  fetchLimit: number;
  batchSize: number;
  backoffMaxMs: number;
  logger: Logger;
  /** Waits (FLOOD_WAIT, poll interval, backoff); rejects with AbortedError on stop. Injected by tests. */
  wait?: (ms: number, signal: AbortSignal) => Promise<void>;
}

export interface ChannelStats {
  channelId: number | null;
  lastMessageId: number | null;
  messagesPosted: number;
  lastPollAt: number | null;
  lastError: string | null;
}

export interface MtprotoStats {
  polls: number;
  messagesPosted: number;
  batchesPosted: number;
  floodWaits: number;
  lastPollAt: number | null;
  channels: Record<string, ChannelStats>;
}

type Outcome = 'ok' | 'failed' | 'skipped';

/**
 * Reads public channels through a user session (MTProto), every `pollIntervalMs`, and posts their new
 * messages to the backend. Rules (docs/legacy-contracts.md §4.7 with defect 45 fixed):
 * - Per channel, messages after the saved `lastMessageId` are read oldest first, page after page of
 *   `fetchLimit`, so more than a page of new messages leaves no gap. A channel read for the first time starts
 *   with its newest page (as the legacy poller did).
 * - Each batch (≤ batchSize) is posted, and only after the backend accepted it is the channel's position
 *   moved to its last id and saved (atomic, fsync'd). A failed POST stops the channel for this round and the
 *   next round re-reads from the saved position: nothing is lost in a backend outage and, across a restart,
 *   at most the batch in flight is re-sent (with the same Idempotency-Key; the backend upserts).
 * - FLOOD_WAIT: waits the seconds Telegram asked for, then goes on with the next channel.
 * - Failures (backend, network, session) back off (jittered, ≤ backoffMaxMs) instead of the poll interval.
 */
export class MtprotoPoller {
  private readonly abort = new AbortController();
  private readonly refs = new Map<string, ChannelRef>();
  private readonly failing = new Map<string, string>();
  private running: Promise<void> | null = null;
  private readonly s: MtprotoStats = {
    polls: 0,
    messagesPosted: 0,
    batchesPosted: 0,
    floodWaits: 0,
    lastPollAt: null,
    channels: {},
  };

  constructor(private readonly opts: MtprotoPollerOptions) {
    for (const c of opts.channels) {
      const saved = opts.offsets.get(c);
      this.s.channels[c] = {
        channelId: saved?.channelId ?? null,
        lastMessageId: saved?.lastMessageId ?? null,
        messagesPosted: 0,
        lastPollAt: null,
        lastError: null,
      };
    }
  }

  start(): void {
    this.running ??= this.run();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.running;
  }

  stats(): MtprotoStats {
    return this.s;
  }

  /** Channels whose last round failed (for health). */
  failingChannels(): string[] {
    return Object.entries(this.s.channels)
      .filter(([, c]) => c.lastError !== null)
      .map(([name]) => name);
  }

  /** One round over every channel; true when no channel failed (FLOOD_WAIT and unavailable channels are not failures). */
  async pollOnce(): Promise<boolean> {
    let ok = true;
    for (const username of this.opts.channels) {
      if (this.abort.signal.aborted) break;
      if ((await this.pollChannelSafely(username)) === 'failed') ok = false;
    }
    this.s.polls++;
    this.s.lastPollAt = Date.now();
    return ok;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.abort.signal.aborted) {
      const ok = await this.pollOnce();
      failures = ok ? 0 : failures + 1;
      const delay = ok
        ? this.opts.pollIntervalMs
        : Math.min(
            this.opts.pollIntervalMs,
            backoffDelay(failures - 1, { baseMs: 1000, maxMs: this.opts.backoffMaxMs }),
          );
      try {
        await this.wait(delay);
      } catch {
        break;
      }
    }
  }

  private wait(ms: number): Promise<void> {
    return (this.opts.wait ?? sleep)(ms, this.abort.signal);
  }

  private async pollChannelSafely(username: string): Promise<Outcome> {
    const stats = this.s.channels[username]!;
    try {
      await this.pollChannel(username);
      stats.lastPollAt = Date.now();
      stats.lastError = null;
      if (this.failing.delete(username)) this.opts.logger.info({ channel: username }, 'channel read and posted again');
      return 'ok';
    } catch (err) {
      if (this.abort.signal.aborted || err instanceof AbortedError) return 'skipped';
      if (err instanceof FloodWaitError) return this.floodWait(username, err);
      stats.lastError = (err as Error).message;
      const code = (err as { code?: string }).code;
      if (this.failing.get(username) !== stats.lastError)
        this.opts.logger.warn({ channel: username, code, err: stats.lastError }, 'channel round failed; position kept');
      this.failing.set(username, stats.lastError);
      if (code === 'TELEGRAM_CHANNEL_UNAVAILABLE') this.refs.delete(username);
      return code === 'TELEGRAM_CHANNEL_UNAVAILABLE' ? 'skipped' : 'failed';
    }
  }

  private async floodWait(username: string, err: FloodWaitError): Promise<Outcome> {
    this.s.floodWaits++;
    this.opts.logger.warn({ channel: username, seconds: err.seconds }, 'Telegram FLOOD_WAIT: waiting as asked');
    try {
      await this.wait(err.seconds * 1000);
    } catch {
      // stopped while waiting
    }
    return 'skipped';
  }

  private async resolve(username: string): Promise<ChannelRef> {
    const cached = this.refs.get(username);
    if (cached) return cached;
    const ref = await this.opts.source.resolve(username);
    const saved = this.opts.offsets.get(username);
    if (saved && saved.channelId !== ref.id) {
      this.opts.logger.warn(
        { channel: username, before: saved.channelId, now: ref.id },
        'the username now belongs to another channel: reading it from its newest messages',
      );
      await this.opts.offsets.reset(username);
    }
    this.refs.set(username, ref);
    this.s.channels[username]!.channelId = ref.id;
    return ref;
  }

  private async pollChannel(username: string): Promise<void> {
    const ref = await this.resolve(username);
    let minId = this.opts.offsets.get(username)?.lastMessageId ?? null;
    for (;;) {
      const page = await this.opts.source.fetchSince(ref, minId, this.opts.fetchLimit);
      if (page.length === 0) return;
      await this.deliverPage(username, ref, page);
      if (page.length < this.opts.fetchLimit) return;
      minId = page[page.length - 1]!.id;
    }
  }

  /** Posts a page (oldest first) batch by batch; the position follows each accepted batch. */
  private async deliverPage(username: string, ref: ChannelRef, page: readonly SourceMessage[]): Promise<void> {
    const messages = page.map((m) => m.payload).filter((p): p is TelegramMessageInput => this.postable(username, p));
    const channel = {
      id: ref.id,
      username: ref.username,
      title: ref.title,
      category: this.opts.categories.get(username.toLowerCase()) ?? 'general',
    };
    for (let i = 0; i < messages.length; i += this.opts.batchSize) {
      const chunk = messages.slice(i, i + this.opts.batchSize);
      const first = chunk[0]!.id;
      const last = chunk[chunk.length - 1]!.id;
      await this.opts.sink.send(
        { idempotencyKey: `telegram:${ref.id}|${first}..${last}`, body: { channel, messages: chunk } },
        this.abort.signal,
      );
      await this.advance(username, ref, last);
      this.s.batchesPosted++;
      this.s.messagesPosted += chunk.length;
      this.s.channels[username]!.messagesPosted += chunk.length;
    }
    await this.advance(username, ref, page[page.length - 1]!.id); // a skipped tail (service messages)
  }

  private postable(username: string, p: TelegramMessageInput | null): boolean {
    if (p === null) return false;
    const checked = TelegramMessageInputSchema.safeParse(p);
    if (!checked.success)
      this.opts.logger.error(
        { channel: username, messageId: p.id, issue: checked.error.issues[0] },
        'skipping a message the backend would refuse',
      );
    return checked.success;
  }

  private async advance(username: string, ref: ChannelRef, lastMessageId: number): Promise<void> {
    await this.opts.offsets.advance(username, ref.id, lastMessageId);
    this.s.channels[username]!.lastMessageId = this.opts.offsets.get(username)?.lastMessageId ?? null;
  }
}
