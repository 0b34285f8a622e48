import { z } from 'zod';

/** Largest JSON body any ingest route accepts (bytes). */
export const MAX_BODY_BYTES = 5 * 1024 * 1024;
/** Largest array accepted in one OI ingest request. The realtime poller sends batches of up to 500. */
export const MAX_OI_ITEMS = 2000;
export const MAX_UNIVERSE_ITEMS = 2000;
export const MAX_TELEGRAM_MESSAGES = 1000;

/**
 * The one symbol format (docs/legacy-contracts.md, "Symbols"): a Binance USDⓈ-M symbol as the exchange spells
 * it — upper-case letters and digits, plus `_` in dated delivery contracts (`BTCUSDT_250926`) — at most
 * {@link SYMBOL_MAX_LENGTH} characters. Every route input, socket room and stored row uses it.
 */
export const SYMBOL_RE = /^[A-Z0-9_]{1,40}$/;
export const SYMBOL_MAX_LENGTH = 40;
/** The stored form of the OI and volume areas: {@link normalizeSymbol} applied, so no `_` is left. */
const NORMALISED_SYMBOL_RE = /^[A-Z0-9]{1,40}$/;

/** Legacy symbol normalisation of the OI area: drop every `-` and `_`, upper-case. */
export function normalizeSymbol(symbol: string): string {
  return symbol.replace(/[-_]/g, '').toUpperCase();
}

/** `s` is already in the exchange's spelling (no trimming, no case change). */
export function isSymbol(s: unknown): s is string {
  return typeof s === 'string' && SYMBOL_RE.test(s);
}

/** `s` is already normalised (what the pollers send): the ingest fast path skips {@link normalizeSymbol}. */
export function isNormalisedSymbol(s: unknown): s is string {
  return typeof s === 'string' && NORMALISED_SYMBOL_RE.test(s);
}

/** Client input → the exchange's spelling (trimmed, upper-cased), or null when it is not a symbol. */
export function parseSymbol(input: unknown): string | null {
  if (typeof input !== 'string') return null;
  const s = input.trim().toUpperCase();
  return SYMBOL_RE.test(s) ? s : null;
}

/** Client input → the normalised symbol of the OI/volume areas (`btc_usdt` → `BTCUSDT`), or null. */
export function parseNormalisedSymbol(input: unknown): string | null {
  if (typeof input !== 'string') return null;
  const s = normalizeSymbol(input.trim());
  return NORMALISED_SYMBOL_RE.test(s) ? s : null;
}

const SYMBOL_MESSAGE = 'must be a symbol such as BTCUSDT (letters, digits and _, at most 40 characters)';

/** zod: a symbol in a route input (path, query or body), trimmed and upper-cased, in the one format. */
export const symbolParam = () => z.string().trim().toUpperCase().regex(SYMBOL_RE, { message: SYMBOL_MESSAGE });

/** A finite JSON number (zod 4 numbers already reject NaN and ±Infinity). */
export const finite = () => z.number();
export const nonNegative = () => z.number().min(0);

/** A string that `Date.parse` accepts (the legacy backends used `new Date(x)`). */
export const dateString = () =>
  z.string().refine((s) => !Number.isNaN(Date.parse(s)), { message: 'must be a date string (ISO-8601)' });

/** ISO-8601 in UTC with a `Z` suffix; offsets are rejected; fractional seconds allowed. */
export const isoUtc = () => z.iso.datetime({ message: 'must be an ISO-8601 UTC timestamp ending in Z' });

/**
 * What a route accepts as a symbol before it normalises it (BTCUSDT, btcusdt, btc_usdt, BTC-USDT): letters,
 * digits, `_` and `-`, at most {@link SYMBOL_MAX_LENGTH} characters. Anything else (spaces, dots, quotes,
 * unicode) is a 400 on every route that takes a symbol.
 */
export const SYMBOL_INPUT_RE = /^[A-Za-z0-9_-]{1,40}$/;

/** A symbol in a route input (body, query or path), in {@link SYMBOL_INPUT_RE}; routes normalise it after. */
export const symbolString = () =>
  z
    .string()
    .min(1, { message: 'must be a non-empty symbol' })
    .max(40, { message: 'must be at most 40 characters' })
    .regex(SYMBOL_INPUT_RE, { message: 'must be a symbol such as BTCUSDT (letters, digits, _ and -)' });

/** Query-string integer (absent → undefined; anything non-numeric → error naming the parameter). */
export const queryInt = (opts: { min?: number; max?: number } = {}) =>
  z
    .string()
    .regex(/^-?\d+$/, { message: 'must be an integer' })
    .transform((s) => Number(s))
    .pipe(
      z
        .number()
        .int()
        .min(opts.min ?? Number.MIN_SAFE_INTEGER)
        .max(opts.max ?? Number.MAX_SAFE_INTEGER),
    );

/** Query-string positive number, e.g. `hours=1.5`. */
export const queryNumber = (opts: { min?: number; max?: number } = {}) =>
  z
    .string()
    .regex(/^\d+(\.\d+)?$/, { message: 'must be a number' })
    .transform((s) => Number(s))
    .pipe(
      z
        .number()
        .min(opts.min ?? 0)
        .max(opts.max ?? Number.MAX_SAFE_INTEGER),
    );

export const ErrorBodySchema = z
  .object({
    error: z.string(),
    message: z.string().optional(),
    details: z.array(z.unknown()).optional(),
  })
  .meta({ id: 'Error' });
export type ErrorBody = z.infer<typeof ErrorBodySchema>;

export const SuccessSchema = z.object({ success: z.literal(true) });
