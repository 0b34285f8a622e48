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
  const client = new TelegramClient(new StringSession(opts.session), opts.apiId, opts.apiHash, {
    connectionRetries: 5,
    floodSleepThreshold: 0,
    baseLogger: new PinoGramJsLogger(opts.logger),
  });
  await client.connect();
  if (!(await client.checkAuthorization())) {
    await client.disconnect();
    throw new ChannelSourceError(
      'TELEGRAM_SESSION_INVALID',
      'the Telegram session is not signed in (expired or revoked): run `npm run telegram -- login` again',
    );
  }
  return client;
}
