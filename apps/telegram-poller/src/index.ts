import { join } from 'node:path';
import { TelegramIngestSchema } from '@volspike/contracts';
import {
  AbortedError,
  HeartbeatSender,
  MemoryOutboxStore,
  Outbox,
  backoffDelay,
  sleep,
  type AppDeps as RuntimeAppDeps,
  type Bus,
} from '@volspike/runtime';
import { BotApi, TelegramError } from './bot-api.js';
import type { Env } from './env.js';
import { ChannelFilter, buildBatches, parseCategories, type TgUpdate } from './mapping.js';
import { OffsetStore } from './offset-store.js';

export { EnvSchema, loadAppEnv, type Env } from './env.js';
export { BotApi, TelegramError } from './bot-api.js';
export { OffsetStore } from './offset-store.js';
export * from './mapping.js';

export const COMPONENT = 'telegram-poller';

/** runtime's AppDeps without a bus (unused); the other shared deps the stack passes (budget, …) are accepted and unused. */
export interface AppDeps extends Omit<RuntimeAppDeps, 'bus' | 'budget'> {
  bus?: Bus;
  [other: string]: unknown;
}

export interface PollerStats {
  enabled: boolean;
  offset: number | null;
  polls: number;
  updates: number;
  messagesPosted: number;
  batchesPosted: number;
  rateLimited: number;
  lastPollAt: number | null;
  lastError: string | null;
}

export interface TelegramPollerHandle {
  stats(): PollerStats;
  stop(): Promise<void>;
  health(): Promise<{ ok: boolean; body: Record<string, unknown> }>;
}

/**
 * Long-polls the Bot API (`getUpdates`), posts the configured channels' posts to `/api/telegram/ingest`
 * through an Outbox, and only after every batch of a poll was accepted saves the next offset to
 * `<dataDir>/telegram-poller/offset.json` (and confirms it to Telegram with the next getUpdates). Until then
 * the updates stay unconfirmed at Telegram, which is the durable copy: a crash re-fetches and re-sends them
 * with the same Idempotency-Keys. Without TELEGRAM_BOT_TOKEN it logs once and does nothing.
 */
export async function start(env: Env, deps: AppDeps): Promise<TelegramPollerHandle> {
  const logger = deps.logger.child({ component: COMPONENT });
  const stats: PollerStats = {
    enabled: false,
    offset: null,
    polls: 0,
    updates: 0,
    messagesPosted: 0,
    batchesPosted: 0,
    rateLimited: 0,
    lastPollAt: null,
    lastError: null,
  };
  if (!env.TELEGRAM_BOT_TOKEN) {
    logger.info('TELEGRAM_BOT_TOKEN is not set: the Telegram poller is disabled');
    return {
      stats: () => stats,
      stop: async () => undefined,
      health: async () => ({
        ok: true,
        body: { component: COMPONENT, status: 'disabled', reason: 'TELEGRAM_BOT_TOKEN is not set' },
      }),
    };
  }
  stats.enabled = true;
  const filter = new ChannelFilter(env.TELEGRAM_CHANNEL_IDS);
  const categories = parseCategories(env.TELEGRAM_CHANNEL_CATEGORIES);
  if (filter.size === 0)
    logger.warn('TELEGRAM_CHANNEL_IDS is empty: updates are confirmed but no channel is forwarded');
  if (!env.VOLSPIKE_API_KEY)
    logger.warn('VOLSPIKE_API_KEY is not set: the backend refuses ingests, so polling waits (nothing is lost)');
  const bot = new BotApi({ apiUrl: env.TELEGRAM_API_URL, token: env.TELEGRAM_BOT_TOKEN });
  const offsets = new OffsetStore(join(deps.dataDir, 'telegram-poller', 'offset.json'));
  stats.offset = await offsets.load();
  const outbox = new Outbox({
    name: 'telegram-ingest',
    store: new MemoryOutboxStore(),
    logger,
    maxDelayMs: env.TELEGRAM_BACKOFF_MAX_MS,
  });
  await outbox.start();
  const headers: Record<string, string> = env.VOLSPIKE_API_KEY ? { 'x-api-key': env.VOLSPIKE_API_KEY } : {};
  const ingestUrl = new URL('/api/telegram/ingest', env.VOLSPIKE_API_URL).toString();
  const abort = new AbortController();
  const signal = abort.signal;

  /** Enqueues every batch and waits until the outbox delivered all of them; false if one was refused. */
  const deliver = async (updates: TgUpdate[]): Promise<boolean> => {
    const batches = buildBatches(updates, { filter, categories, batchSize: env.TELEGRAM_BATCH_SIZE });
    const refusedBefore = outbox.stats().deadLettered;
    let messages = 0;
    for (const b of batches) {
      const checked = TelegramIngestSchema.safeParse(b.body);
      if (!checked.success) {
        logger.error(
          { idempotencyKey: b.idempotencyKey, issue: checked.error.issues[0] },
          'skipping a batch the backend would refuse',
        );
        continue;
      }
      await outbox.enqueue({ url: ingestUrl, headers, body: b.body, idempotencyKey: b.idempotencyKey });
      messages += b.body.messages.length;
    }
    while (outbox.depth() > 0) await sleep(25, signal);
    if (outbox.stats().deadLettered > refusedBefore) return false;
    stats.messagesPosted += messages;
    stats.batchesPosted += batches.length;
    return true;
  };

  const loop = async (): Promise<void> => {
    let failures = 0;
    while (!signal.aborted) {
      try {
        const updates = await bot.getUpdates({
          offset: stats.offset,
          timeoutSec: env.TELEGRAM_POLL_TIMEOUT_SEC,
          signal,
        });
        stats.polls++;
        stats.lastPollAt = Date.now();
        if (updates.length > 0) {
          stats.updates += updates.length;
          if (!(await deliver(updates)))
            throw new Error('the backend refused an ingest batch (see outbox log); offset kept, retrying');
          const next = Math.max(...updates.map((u) => u.update_id)) + 1;
          await offsets.save(next);
          stats.offset = next;
        }
        failures = 0;
        stats.lastError = null;
        // Short polling (timeout 0) must not spin when there is nothing new.
        if (updates.length === 0 && env.TELEGRAM_POLL_TIMEOUT_SEC === 0) await sleep(1000, signal);
      } catch (err) {
        if (signal.aborted || err instanceof AbortedError) break;
        stats.lastError = (err as Error).message;
        if (err instanceof TelegramError && err.code === 'TELEGRAM_RATE_LIMITED') {
          stats.rateLimited++;
          logger.warn({ retryAfterMs: err.retryAfterMs }, 'Telegram rate limit; waiting retry_after');
          await sleep(err.retryAfterMs ?? 5000, signal).catch(() => undefined);
          continue;
        }
        const delay = backoffDelay(failures++, { baseMs: 1000, maxMs: env.TELEGRAM_BACKOFF_MAX_MS });
        logger.warn(
          { err: (err as Error).message, code: (err as TelegramError).code, delayMs: delay },
          'Telegram poll failed; backing off',
        );
        await sleep(delay, signal).catch(() => undefined);
      }
    }
  };

  const heartbeat = new HeartbeatSender({
    component: COMPONENT,
    apiUrl: env.VOLSPIKE_API_URL,
    apiKey: env.VOLSPIKE_API_KEY,
    intervalMs: env.TELEGRAM_HEARTBEAT_MS,
    backoff: false,
    logger: logger.child({ component: 'heartbeat' }),
    report: () => ({ status: stats.lastError ? 'degraded' : 'ok', details: { ...stats, outbox: outbox.stats() } }),
  });

  const running = loop();
  void heartbeat.sendNow('starting');
  heartbeat.start(env.TELEGRAM_HEARTBEAT_MS);
  logger.info(
    { channels: env.TELEGRAM_CHANNEL_IDS, offset: stats.offset, pollTimeoutSec: env.TELEGRAM_POLL_TIMEOUT_SEC },
    'Telegram poller started',
  );

  let stopping: Promise<void> | null = null;
  return {
    stats: () => stats,
    health: async () => ({
      ok: stats.lastError === null,
      body: { component: COMPONENT, status: stats.lastError ? 'degraded' : 'ok', ...stats, outbox: outbox.stats() },
    }),
    stop() {
      stopping ??= (async () => {
        abort.abort();
        await running;
        await outbox.stop();
        await heartbeat.stop({ finalStatus: 'stopped' });
        logger.info('Telegram poller stopped');
      })();
      return stopping;
    },
  };
}
