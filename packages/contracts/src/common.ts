import { z } from 'zod';

/** Largest JSON body any ingest route accepts (bytes). */
export const MAX_BODY_BYTES = 5 * 1024 * 1024;
/** Largest array accepted in one OI ingest request. The realtime poller sends batches of up to 500. */
export const MAX_OI_ITEMS = 2000;
export const MAX_UNIVERSE_ITEMS = 2000;
export const MAX_TELEGRAM_MESSAGES = 1000;

/** Legacy symbol normalisation of the OI area: drop every `-` and `_`, upper-case. */
export function normalizeSymbol(symbol: string): string {
  return symbol.replace(/[-_]/g, '').toUpperCase();
}

/** A finite JSON number (zod 4 numbers already reject NaN and ±Infinity). */
export const finite = () => z.number();
export const nonNegative = () => z.number().min(0);

/** A string that `Date.parse` accepts (the legacy backends used `new Date(x)`). */
export const dateString = () =>
  z.string().refine((s) => !Number.isNaN(Date.parse(s)), { message: 'must be a date string (ISO-8601)' });

/** ISO-8601 in UTC with a `Z` suffix; offsets are rejected; fractional seconds allowed. */
export const isoUtc = () => z.iso.datetime({ message: 'must be an ISO-8601 UTC timestamp ending in Z' });

/** A symbol as sent by the daemons (e.g. BTCUSDT, btc_usdt). */
export const symbolString = () =>
  z.string().min(1, { message: 'must be a non-empty symbol' }).max(40, { message: 'must be at most 40 characters' });

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
