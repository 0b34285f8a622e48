import { TelegramIngestSchema } from '@volspike/contracts';
import type { BackendClient, BackendQueue } from '@volspike/backend-client';
import { AbortedError, MemoryOutboxStore, backoffDelay, sleep, type Logger } from '@volspike/runtime';
import { BotApi, TelegramError } from './bot-api.js';
import type { Env } from './env.js';
import { ChannelFilter, buildBatches, parseCategories, type TgUpdate } from './mapping.js';
import type { OffsetStore } from './offset-store.js';

export interface BotPollerStats {
  offset: number | null;
  polls: number;
  updates: number;
  messagesPosted: number;
  batchesPosted: number;
  rateLimited: number;
  lastPollAt: number | null;
  lastError: string | null;
}

/**
 * Bot API mode: long-polls `getUpdates`, posts the configured channels' posts to the backend's
 * `telegramIngest` route through the backend client's queue (an Outbox), and only after every batch of a poll was accepted saves the next offset (and confirms
 * it to Telegram with the next getUpdates). Until then the updates stay unconfirmed at Telegram, which is
 * the durable copy: a crash re-fetches and re-sends them with the same Idempotency-Keys.
 */
export class BotPoller {
  private readonly abort = new AbortController();
  private readonly bot: BotApi;
  private readonly filter: ChannelFilter;
  private readonly categories: Map<string, string>;
  private readonly outbox: BackendQueue;
  private running: Promise<void> | null = null;
  readonly s: BotPollerStats = {
    offset: null,
    polls: 0,
    updates: 0,
    messagesPosted: 0,
    batchesPosted: 0,
    rateLimited: 0,
    lastPollAt: null,
    lastError: null,
  };

  constructor(
    private readonly env: Env & { TELEGRAM_BOT_TOKEN: string },
    private readonly offsets: OffsetStore,
    api: BackendClient,
    private readonly logger: Logger,
  ) {
    this.filter = new ChannelFilter(env.TELEGRAM_CHANNEL_IDS);
    this.categories = parseCategories(env.TELEGRAM_CHANNEL_CATEGORIES);
    this.bot = new BotApi({ apiUrl: env.TELEGRAM_API_URL, token: env.TELEGRAM_BOT_TOKEN });
    this.outbox = api.queue({
      name: 'telegram-ingest',
      store: new MemoryOutboxStore(),
      logger,
      maxDelayMs: env.TELEGRAM_BACKOFF_MAX_MS,
    });
    if (this.filter.size === 0)
      logger.warn('TELEGRAM_CHANNEL_IDS is empty: updates are confirmed but no channel is forwarded');
  }

  async start(): Promise<void> {
    this.s.offset = await this.offsets.load();
    await this.outbox.start();
    this.running ??= this.loop();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.running;
    await this.outbox.stop();
  }

  stats(): BotPollerStats & { outbox: ReturnType<BackendQueue['stats']> } {
    return { ...this.s, outbox: this.outbox.stats() };
  }

  /** Enqueues every batch and waits until the outbox delivered all of them; false if one was refused. */
  private async deliver(updates: TgUpdate[]): Promise<boolean> {
    const batches = buildBatches(updates, {
      filter: this.filter,
      categories: this.categories,
      batchSize: this.env.TELEGRAM_BATCH_SIZE,
    });
    const refusedBefore = this.outbox.stats().deadLettered;
    let messages = 0;
    for (const b of batches) {
      const checked = TelegramIngestSchema.safeParse(b.body);
      if (!checked.success) {
        this.logger.error(
          { idempotencyKey: b.idempotencyKey, issue: checked.error.issues[0] },
          'skipping a batch the backend would refuse',
        );
        continue;
      }
      await this.outbox.enqueue('telegramIngest', b.body, { idempotencyKey: b.idempotencyKey });
      messages += b.body.messages.length;
    }
    while (this.outbox.depth() > 0) await sleep(25, this.abort.signal);
    if (this.outbox.stats().deadLettered > refusedBefore) return false;
    this.s.messagesPosted += messages;
    this.s.batchesPosted += batches.length;
    return true;
  }

  /** One getUpdates round: deliver, then save the next offset. */
  private async pollOnce(): Promise<number> {
    const updates = await this.bot.getUpdates({
      offset: this.s.offset,
      timeoutSec: this.env.TELEGRAM_POLL_TIMEOUT_SEC,
      signal: this.abort.signal,
    });
    this.s.polls++;
    this.s.lastPollAt = Date.now();
    if (updates.length > 0) {
      this.s.updates += updates.length;
      if (!(await this.deliver(updates)))
        throw new Error('the backend refused an ingest batch (see outbox log); offset kept, retrying');
      const next = Math.max(...updates.map((u) => u.update_id)) + 1;
      await this.offsets.save(next);
      this.s.offset = next;
    }
    return updates.length;
  }

  private async loop(): Promise<void> {
    const signal = this.abort.signal;
    let failures = 0;
    while (!signal.aborted) {
      try {
        const n = await this.pollOnce();
        failures = 0;
        this.s.lastError = null;
        // Short polling (timeout 0) must not spin when there is nothing new.
        if (n === 0 && this.env.TELEGRAM_POLL_TIMEOUT_SEC === 0) await sleep(1000, signal);
      } catch (err) {
        if (signal.aborted || err instanceof AbortedError) break;
        this.s.lastError = (err as Error).message;
        await sleep(this.delayAfter(err, failures++), signal).catch(() => undefined);
      }
    }
  }

  private delayAfter(err: unknown, failures: number): number {
    if (err instanceof TelegramError && err.code === 'TELEGRAM_RATE_LIMITED') {
      this.s.rateLimited++;
      this.logger.warn({ retryAfterMs: err.retryAfterMs }, 'Telegram rate limit; waiting retry_after');
      return err.retryAfterMs ?? 5000;
    }
    const delay = backoffDelay(failures, { baseMs: 1000, maxMs: this.env.TELEGRAM_BACKOFF_MAX_MS });
    this.logger.warn(
      { err: (err as Error).message, code: (err as TelegramError).code, delayMs: delay },
      'Telegram poll failed; backing off',
    );
    return delay;
  }
}
