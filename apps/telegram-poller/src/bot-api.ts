import { VolspikeError } from '@volspike/errors';
import type { TgUpdate } from './mapping.js';

export class TelegramError extends VolspikeError<
  'TELEGRAM_RATE_LIMITED' | 'TELEGRAM_HTTP' | 'TELEGRAM_NETWORK' | 'TELEGRAM_INVALID_RESPONSE'
> {
  constructor(
    code: TelegramError['code'],
    message: string,
    readonly status: number | null = null,
    readonly retryAfterMs: number | null = null,
  ) {
    super(code, message);
  }
}

/** Bot API getUpdates. The token is part of the URL, so URLs are never put into errors or logs. */
export class BotApi {
  constructor(private readonly opts: { apiUrl: string; token: string; fetchImpl?: typeof fetch }) {}

  async getUpdates(p: { offset: number | null; timeoutSec: number; signal?: AbortSignal }): Promise<TgUpdate[]> {
    const url = `${this.opts.apiUrl.replace(/\/$/, '')}/bot${this.opts.token}/getUpdates`;
    const body: Record<string, unknown> = {
      timeout: p.timeoutSec,
      allowed_updates: ['channel_post', 'edited_channel_post'],
    };
    if (p.offset !== null) body.offset = p.offset;
    const timeout = AbortSignal.timeout(p.timeoutSec * 1000 + 15_000);
    let res: Response;
    try {
      res = await (this.opts.fetchImpl ?? fetch)(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: p.signal ? AbortSignal.any([p.signal, timeout]) : timeout,
      });
    } catch (err) {
      const e = err as Error;
      throw new TelegramError(
        'TELEGRAM_NETWORK',
        `getUpdates failed: ${e.name === 'TimeoutError' ? 'timeout' : e.name === 'AbortError' ? 'aborted' : ((e.cause as Error | undefined)?.message ?? e.message)}`,
      );
    }
    let json: {
      ok?: boolean;
      result?: unknown;
      error_code?: number;
      description?: string;
      parameters?: { retry_after?: number };
    };
    try {
      json = (await res.json()) as typeof json;
    } catch {
      throw new TelegramError(
        res.ok ? 'TELEGRAM_INVALID_RESPONSE' : 'TELEGRAM_HTTP',
        `getUpdates answered ${res.status} without JSON`,
        res.status,
      );
    }
    if (res.status === 429 || json.error_code === 429) {
      const sec = Number(json.parameters?.retry_after ?? res.headers.get('retry-after') ?? 5);
      throw new TelegramError(
        'TELEGRAM_RATE_LIMITED',
        `getUpdates rate limited: ${json.description ?? 'Too Many Requests'}`,
        429,
        Math.max(0, Number.isFinite(sec) ? sec : 5) * 1000,
      );
    }
    if (!res.ok || json.ok !== true)
      throw new TelegramError(
        'TELEGRAM_HTTP',
        `getUpdates answered ${res.status}: ${json.description ?? 'error'}`,
        res.status,
      );
    if (!Array.isArray(json.result))
      throw new TelegramError('TELEGRAM_INVALID_RESPONSE', 'getUpdates result is not an array', res.status);
    return json.result.filter((u): u is TgUpdate => typeof (u as TgUpdate | null)?.update_id === 'number');
  }
}
