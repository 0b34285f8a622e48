import { VolspikeError } from '@volspike/errors';
export type BinanceErrorCode =
  | 'BINANCE_RATE_LIMITED'
  | 'BINANCE_IP_BANNED'
  | 'BINANCE_BAD_REQUEST'
  | 'BINANCE_SERVER_ERROR'
  | 'BINANCE_NETWORK'
  | 'BINANCE_TIMEOUT'
  | 'BINANCE_INVALID_RESPONSE'
  | 'BINANCE_PAUSED';

export interface BinanceErrorOptions {
  status?: number;
  binanceCode?: number;
  retryAfterMs?: number;
  cause?: unknown;
  /** Request path that produced the error, without query (for logs). */
  path?: string;
}

/** Every failure of binance-client surfaces as this class with a stable `code`. */
export class BinanceError extends VolspikeError<BinanceErrorCode> {
  readonly status?: number;
  readonly binanceCode?: number;
  readonly retryAfterMs?: number;
  readonly path?: string;

  constructor(code: BinanceErrorCode, message: string, opts: BinanceErrorOptions = {}) {
    super(code, message, { cause: opts.cause });
    if (opts.status !== undefined) this.status = opts.status;
    if (opts.binanceCode !== undefined) this.binanceCode = opts.binanceCode;
    if (opts.retryAfterMs !== undefined) this.retryAfterMs = opts.retryAfterMs;
    if (opts.path !== undefined) this.path = opts.path;
  }
}

/**
 * No list of tradable symbols could be had (exchangeInfo and every fallback failed, or it listed none). A
 * symbol source throws this instead of answering an empty list: "API down" must never read as "no symbols".
 */
export class SymbolListError extends VolspikeError<'SYMBOL_LIST_UNAVAILABLE'> {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SYMBOL_LIST_UNAVAILABLE', message, options);
  }
}

export function isBinanceError(e: unknown, code?: BinanceErrorCode): e is BinanceError {
  return e instanceof BinanceError && (code === undefined || e.code === code);
}
