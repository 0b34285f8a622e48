import type { TelegramMessageInput } from '@volspike/contracts';
import { VolspikeError } from '@volspike/errors';

/** A channel as resolved from its username. `id` is the Bot-API style chat id (-100…), as the legacy poller sent. */
export interface ChannelRef {
  id: number;
  username: string;
  title: string;
}

/** One history entry: `payload` is null for what is not posted (service messages, empty messages). */
export interface SourceMessage {
  id: number;
  payload: TelegramMessageInput | null;
}

/**
 * The narrow view of Telegram the MTProto poller needs (GramJS behind it in production, a fake in tests).
 * - `resolve(username)`: the public channel with that username.
 * - `fetchSince(channel, minId, limit)`: up to `limit` messages with id > `minId`, **oldest first**, the
 *   oldest ones right after `minId` (so reading page after page leaves no gap); `minId` null → the newest
 *   `limit` messages (a channel read for the first time).
 * Errors: {@link FloodWaitError} when Telegram asks to wait, {@link ChannelSourceError} otherwise.
 */
export interface ChannelSource {
  resolve(username: string): Promise<ChannelRef>;
  fetchSince(channel: ChannelRef, minId: number | null, limit: number): Promise<SourceMessage[]>;
}

export type ChannelSourceErrorCode =
  | 'TELEGRAM_CHANNEL_UNAVAILABLE'
  | 'TELEGRAM_SESSION_INVALID'
  | 'TELEGRAM_RPC'
  | 'TELEGRAM_NETWORK'
  | 'TELEGRAM_FLOOD_WAIT';

export class ChannelSourceError extends VolspikeError<ChannelSourceErrorCode> {}

/** Telegram's FLOOD_WAIT_X: nothing may be asked for `seconds`. */
export class FloodWaitError extends ChannelSourceError {
  constructor(
    readonly seconds: number,
    options?: { cause?: unknown },
  ) {
    super('TELEGRAM_FLOOD_WAIT', `Telegram asks to wait ${seconds} s (FLOOD_WAIT)`, options);
  }
}
