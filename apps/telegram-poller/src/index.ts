import { join } from 'node:path';
import { BackendClient, openShadowJournal } from '@volspike/backend-client';
import { HeartbeatSender, type AppDeps as RuntimeAppDeps, type Bus, type Logger } from '@volspike/runtime';
import { BotPoller } from './bot-poller.js';
import { ChannelOffsets } from './channel-offsets.js';
import type { ChannelSource } from './channel-source.js';
import { telegramMode, type Env, type TelegramMode } from './env.js';
import { UserClientSource } from './gramjs-source.js';
import { backendIngestSink, type IngestSink } from './ingest-sink.js';
import { parseCategories } from './mapping.js';
import { MtprotoPoller } from './mtproto-poller.js';
import { OffsetStore } from './offset-store.js';
import { loadSession } from './session.js';

export { EnvSchema, loadAppEnv, telegramMode, type Env, type TelegramMode } from './env.js';
export { BotApi, TelegramError } from './bot-api.js';
export { BotPoller, type BotPollerStats } from './bot-poller.js';
export { ChannelOffsets, type ChannelOffset } from './channel-offsets.js';
export * from './channel-source.js';
export { GramJsChannelSource, UserClientSource, connectUserClient, translateGramJsError } from './gramjs-source.js';
export * from './gramjs-mapping.js';
export { backendIngestSink, type IngestBatch, type IngestSink } from './ingest-sink.js';
export { LinePrompter, PromptClosedError, runLogin, type AuthClient, type LoginOptions } from './login.js';
export { MtprotoPoller, type ChannelStats, type MtprotoStats } from './mtproto-poller.js';
export { OffsetStore } from './offset-store.js';
export { SessionError, loadSession, saveSession, sessionFilePath } from './session.js';
export * from './mapping.js';

export const COMPONENT = 'telegram-poller';

/**
 * runtime's AppDeps without a bus (unused); the other shared deps the stack passes (budget, …) are accepted
 * and unused. Tests may pass `channelSource` (the MTProto mode's Telegram) and `ingestSink` (the backend).
 */
export interface AppDeps extends Omit<RuntimeAppDeps, 'bus' | 'budget'> {
  bus?: Bus;
  channelSource?: ChannelSource;
  ingestSink?: IngestSink;
  [other: string]: unknown;
}

export interface TelegramPollerHandle {
  mode: TelegramMode;
  stats(): Record<string, unknown>;
  stop(): Promise<void>;
  health(): Promise<{ ok: boolean; body: Record<string, unknown> }>;
}

/** What each mode runs: its poller, how it reports, how it stops. */
interface Running {
  stats(): Record<string, unknown>;
  problem(): string | null;
  stop(): Promise<void>;
}

const DISABLED_REASON =
  'no Telegram credentials: set TELEGRAM_API_ID + TELEGRAM_API_HASH (user session, public channels) or TELEGRAM_BOT_TOKEN (Bot API, channels the bot administers)';

function logMode(env: Env, mode: TelegramMode, logger: Logger): void {
  if (mode === 'mtproto')
    logger.info(
      { mode, channels: env.TELEGRAM_CHANNELS, pollIntervalMs: env.TELEGRAM_POLL_INTERVAL_MS },
      'Telegram poller: MTProto user session (TELEGRAM_API_ID/TELEGRAM_API_HASH), reading public channels by username',
    );
  else if (mode === 'bot')
    logger.info(
      { mode, channels: env.TELEGRAM_CHANNEL_IDS, pollTimeoutSec: env.TELEGRAM_POLL_TIMEOUT_SEC },
      'Telegram poller: Bot API (TELEGRAM_BOT_TOKEN), reading channels the bot administers',
    );
  else logger.warn({ mode }, `Telegram poller disabled: ${DISABLED_REASON}`);
  if (mode !== 'disabled' && !env.VOLSPIKE_API_KEY)
    logger.warn('VOLSPIKE_API_KEY is not set: the backend refuses ingests, so polling waits (nothing is lost)');
}

/**
 * The Telegram side of MTProto mode: the injected source (tests) or the user client. A missing session refuses
 * the start (configuration); Telegram being unreachable is a failing round (backoff), not a failed start.
 */
async function channelSource(
  env: Env,
  deps: AppDeps,
  logger: Logger,
): Promise<{ source: ChannelSource; close(): Promise<void> }> {
  if (deps.channelSource) return { source: deps.channelSource, close: async () => undefined };
  const session = await loadSession(env);
  if (session.looseMode) logger.warn({ file: session.from }, 'the session file is readable by others: chmod 600 it');
  logger.info({ sessionFrom: session.from }, 'Telegram user session loaded');
  const source = new UserClientSource({
    apiId: env.TELEGRAM_API_ID!,
    apiHash: env.TELEGRAM_API_HASH!,
    session: session.session,
    logger: logger.child({ component: 'gramjs' }),
  });
  return { source, close: () => source.close() };
}

async function startMtproto(env: Env, deps: AppDeps, api: BackendClient, logger: Logger): Promise<Running> {
  const offsets = new ChannelOffsets(join(deps.dataDir, 'telegram-poller', 'channels.json'));
  await offsets.load();
  const { source, close } = await channelSource(env, deps, logger);
  const poller = new MtprotoPoller({
    source,
    sink: deps.ingestSink ?? backendIngestSink(api),
    offsets,
    channels: env.TELEGRAM_CHANNELS.map((c) => c.replace(/^@/, '')),
    categories: parseCategories(env.TELEGRAM_CHANNEL_CATEGORIES),
    pollIntervalMs: env.TELEGRAM_POLL_INTERVAL_MS,
    fetchLimit: env.TELEGRAM_FETCH_LIMIT,
    batchSize: env.TELEGRAM_BATCH_SIZE,
    backoffMaxMs: env.TELEGRAM_BACKOFF_MAX_MS,
    logger,
  });
  poller.start();
  return {
    stats: () => ({ ...poller.stats() }),
    problem: () => {
      const failing = poller.failingChannels();
      return failing.length > 0 ? `failing channels: ${failing.join(', ')}` : null;
    },
    stop: async () => {
      await poller.stop();
      await close();
    },
  };
}

async function startBot(env: Env, deps: AppDeps, api: BackendClient, logger: Logger): Promise<Running> {
  const offsets = new OffsetStore(join(deps.dataDir, 'telegram-poller', 'offset.json'));
  const poller = new BotPoller({ ...env, TELEGRAM_BOT_TOKEN: env.TELEGRAM_BOT_TOKEN! }, offsets, api, logger);
  await poller.start();
  return { stats: () => ({ ...poller.stats() }), problem: () => poller.s.lastError, stop: () => poller.stop() };
}

/** The typed backend client (in SHADOW mode its writes go to the journal instead). */
function backendClient(env: Env, logger: Logger): BackendClient {
  const shadow = openShadowJournal({ enabled: env.SHADOW, dir: env.SHADOW_DIR, app: COMPONENT, logger });
  return new BackendClient({
    baseUrl: env.VOLSPIKE_API_URL,
    apiKey: env.VOLSPIKE_API_KEY,
    timeoutsMs: { telegramIngest: env.TELEGRAM_INGEST_TIMEOUT_MS },
    shadow,
  });
}

function heartbeatFor(env: Env, api: BackendClient, logger: Logger, running: Running): HeartbeatSender {
  return new HeartbeatSender({
    component: COMPONENT,
    post: (body, timeoutMs) => api.send('heartbeat', { body, timeoutMs }),
    intervalMs: env.TELEGRAM_HEARTBEAT_MS,
    backoff: false,
    logger: logger.child({ component: 'heartbeat' }),
    report: () => ({ status: running.problem() ? 'degraded' : 'ok', details: running.stats() }),
  });
}

function disabledHandle(): TelegramPollerHandle {
  return {
    mode: 'disabled',
    stats: () => ({ mode: 'disabled' }),
    stop: async () => undefined,
    health: async () => ({ ok: true, body: { component: COMPONENT, status: 'disabled', reason: DISABLED_REASON } }),
  };
}

/**
 * Posts Telegram channel messages to `/api/telegram/ingest`. The mode follows the credentials
 * (see {@link telegramMode}) and the start-up log names it; without credentials it logs once and does nothing.
 */
export async function start(env: Env, deps: AppDeps): Promise<TelegramPollerHandle> {
  const logger = deps.logger.child({ component: COMPONENT });
  const mode = telegramMode(env);
  logMode(env, mode, logger);
  if (mode === 'disabled') return disabledHandle();
  const api = backendClient(env, logger);
  const running =
    mode === 'mtproto' ? await startMtproto(env, deps, api, logger) : await startBot(env, deps, api, logger);
  const heartbeat = heartbeatFor(env, api, logger, running);
  void heartbeat.sendNow('starting');
  heartbeat.start(env.TELEGRAM_HEARTBEAT_MS);
  let stopping: Promise<void> | null = null;
  return {
    mode,
    stats: () => ({ mode, ...running.stats() }),
    health: async () => {
      const problem = running.problem();
      const body = { component: COMPONENT, mode, status: problem ? 'degraded' : 'ok', problem, ...running.stats() };
      return { ok: problem === null, body };
    },
    stop: () =>
      (stopping ??= (async () => {
        await running.stop();
        await heartbeat.stop({ finalStatus: 'stopped' });
        logger.info('Telegram poller stopped');
      })()),
  };
}
