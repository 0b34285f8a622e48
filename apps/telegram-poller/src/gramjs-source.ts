import type { Logger } from '@volspike/runtime';
import { Api, TelegramClient, errors, utils } from 'telegram';
import { returnBigInt } from 'telegram/Helpers.js';
import { Logger as GramJsLogger, LogLevel } from 'telegram/extensions/Logger.js';
import { StringSession } from 'telegram/sessions/index.js';
import {
  ChannelSourceError,
  FloodWaitError,
  type ChannelRef,
  type ChannelSource,
  type SourceMessage,
} from './channel-source.js';
import { mapGramJsMessage, senderLookup } from './gramjs-mapping.js';

/** The part of GramJS's TelegramClient the source uses (a stub in tests). */
export type TelegramInvoker = Pick<TelegramClient, 'invoke'>;

const UNAVAILABLE =
  /^(USERNAME_NOT_OCCUPIED|USERNAME_INVALID|CHANNEL_PRIVATE|CHANNEL_INVALID|CHANNEL_PUBLIC_GROUP_NA)$/;

/** GramJS errors → our typed errors (FLOOD_WAIT keeps its seconds). */
export function translateGramJsError(err: unknown, what: string): ChannelSourceError {
  if (err instanceof ChannelSourceError) return err;
  if (err instanceof errors.FloodWaitError) return new FloodWaitError(err.seconds, { cause: err });
  if (err instanceof errors.RPCError) {
    const code: ChannelSourceError['code'] = UNAVAILABLE.test(err.errorMessage)
      ? 'TELEGRAM_CHANNEL_UNAVAILABLE'
      : err instanceof errors.UnauthorizedError
        ? 'TELEGRAM_SESSION_INVALID'
        : 'TELEGRAM_RPC';
    return new ChannelSourceError(code, `${what}: ${err.errorMessage}`, { cause: err });
  }
  return new ChannelSourceError('TELEGRAM_NETWORK', `${what}: ${(err as Error).message}`, { cause: err });
}

/**
 * {@link ChannelSource} over GramJS: `contacts.ResolveUsername` and `messages.GetHistory`. Reading forward
 * from `minId` asks for the `limit` messages right after it (`offsetId = minId + 1`, `addOffset = -limit`,
 * `minId`), which Telegram returns newest first; they are handed out oldest first.
 */
export class GramJsChannelSource implements ChannelSource {
  private readonly peers = new Map<number, Api.InputPeerChannel>();

  constructor(private readonly client: TelegramInvoker) {}

  async resolve(username: string): Promise<ChannelRef> {
    const name = username.replace(/^@/, '');
    let res: Api.contacts.ResolvedPeer;
    try {
      res = await this.client.invoke(new Api.contacts.ResolveUsername({ username: name }));
    } catch (err) {
      throw translateGramJsError(err, `resolving @${name}`);
    }
    const peer = res.peer;
    const channel =
      peer instanceof Api.PeerChannel
        ? res.chats.find((c): c is Api.Channel => c instanceof Api.Channel && c.id.equals(peer.channelId))
        : undefined;
    if (!channel)
      throw new ChannelSourceError('TELEGRAM_CHANNEL_UNAVAILABLE', `@${name} is not a channel (a user or a group)`);
    const ref: ChannelRef = {
      id: Number(utils.getPeerId(channel)),
      username: channel.username ?? name,
      title: channel.title,
    };
    this.peers.set(
      ref.id,
      new Api.InputPeerChannel({ channelId: channel.id, accessHash: channel.accessHash ?? returnBigInt(0) }),
    );
    return ref;
  }

  async fetchSince(channel: ChannelRef, minId: number | null, limit: number): Promise<SourceMessage[]> {
    const peer = this.peers.get(channel.id);
    if (!peer) throw new ChannelSourceError('TELEGRAM_RPC', `@${channel.username} was not resolved first`);
    const forward = minId !== null;
    const request = new Api.messages.GetHistory({
      peer,
      offsetId: forward ? minId + 1 : 0,
      offsetDate: 0,
      addOffset: forward ? -limit : 0,
      limit,
      maxId: 0,
      minId: forward ? minId : 0,
      hash: returnBigInt(0),
    });
    let res: Api.messages.TypeMessages;
    try {
      res = await this.client.invoke(request);
    } catch (err) {
      throw translateGramJsError(err, `reading @${channel.username}`);
    }
    if (res instanceof Api.messages.MessagesNotModified) return [];
    const lookup = senderLookup(res.users, res.chats, channel.title);
    return res.messages
      .filter((m) => m.id > (minId ?? 0))
      .sort((a, b) => a.id - b.id)
      .map((m) => ({ id: m.id, payload: mapGramJsMessage(m, lookup) }));
  }
}

/** GramJS's own log lines go to our pino logger (warnings and errors only). */
export class PinoGramJsLogger extends GramJsLogger {
  constructor(private readonly target: Logger) {
    super(LogLevel.WARN);
  }
  override log(level: LogLevel, message: string): void {
    if (level === LogLevel.ERROR) this.target.error(message);
    else this.target.warn(message);
  }
}

/** The saved session string as GramJS reads it; anything else is refused with how to fix it. */
export function parseSession(session: string): StringSession {
  try {
    return new StringSession(session);
  } catch (err) {
    throw new ChannelSourceError(
      'TELEGRAM_SESSION_INVALID',
      'the saved Telegram session is not a GramJS session string (a Pyrogram session cannot be reused): run `npm run telegram -- login --force`',
      { cause: err },
    );
  }
}

/**
 * GramJS's connect() resolves false when it gave up (no route to Telegram) and can take long: a failure or
 * the deadline becomes a clear error instead of a sign-in that never starts.
 */
export async function connectWithin(client: TelegramClient, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new ChannelSourceError('TELEGRAM_NETWORK', `could not connect to Telegram within ${ms / 1000} s`)),
      ms,
    );
  });
  try {
    if (!(await Promise.race([client.connect(), deadline])))
      throw new ChannelSourceError('TELEGRAM_NETWORK', 'could not connect to Telegram (no answer from its servers)');
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Connects a user client with a saved session and checks it is signed in. FLOOD_WAIT is never slept inside
 * the library (`floodSleepThreshold: 0`): the poller waits itself, visibly. The session is never logged.
 */
export async function connectUserClient(opts: {
  apiId: number;
  apiHash: string;
  session: string;
  logger: Logger;
}): Promise<TelegramClient> {
  const client = new TelegramClient(parseSession(opts.session), opts.apiId, opts.apiHash, {
    connectionRetries: 5,
    floodSleepThreshold: 0,
    baseLogger: new PinoGramJsLogger(opts.logger),
  });
  try {
    await connectWithin(client, 30_000);
  } catch (err) {
    await client.destroy().catch(() => undefined);
    throw err;
  }
  if (!(await client.checkAuthorization())) {
    await client.disconnect();
    throw new ChannelSourceError(
      'TELEGRAM_SESSION_INVALID',
      'the Telegram session is not signed in (expired or revoked): run `npm run telegram -- login` again',
    );
  }
  return client;
}

/**
 * The production {@link ChannelSource}: signs in with the saved session on first use (and again after a
 * failed connection), so Telegram being unreachable at start is a failing round with backoff, not a failed
 * start. A revoked session is reported as TELEGRAM_SESSION_INVALID on every round (health says so).
 */
export class UserClientSource implements ChannelSource {
  private client: Promise<{ client: TelegramClient; source: GramJsChannelSource }> | null = null;

  /** Throws TELEGRAM_SESSION_INVALID at once when the session string cannot be read. */
  constructor(private readonly opts: Parameters<typeof connectUserClient>[0]) {
    parseSession(opts.session);
  }

  resolve(username: string): Promise<ChannelRef> {
    return this.use((s) => s.resolve(username));
  }

  fetchSince(channel: ChannelRef, minId: number | null, limit: number): Promise<SourceMessage[]> {
    return this.use((s) => s.fetchSince(channel, minId, limit));
  }

  async close(): Promise<void> {
    const c = await this.client?.catch(() => null);
    this.client = null;
    await c?.client.destroy().catch(() => undefined);
  }

  private async use<T>(fn: (s: GramJsChannelSource) => Promise<T>): Promise<T> {
    this.client ??= connectUserClient(this.opts).then((client) => {
      this.opts.logger.info('Telegram user session signed in');
      return { client, source: new GramJsChannelSource(client) };
    });
    let connected: { client: TelegramClient; source: GramJsChannelSource };
    try {
      connected = await this.client;
    } catch (err) {
      this.client = null;
      throw err;
    }
    return fn(connected.source);
  }
}
