// The one place where Binance's wire formats become numbers: decimal strings ("0.00010000"),
// epoch-millisecond integers, and the empty-string / 0 sentinels Binance uses for "no value".
import { z } from 'zod';

function toFinite(v: string | number, ctx: z.RefinementCtx): number {
  const n = typeof v === 'number' ? v : v.trim() === '' ? Number.NaN : Number(v);
  if (!Number.isFinite(n)) {
    ctx.addIssue({ code: 'custom', message: `expected a decimal, got ${JSON.stringify(v)}` });
    return z.NEVER;
  }
  return n;
}

/** Decimal string (or JSON number) → finite number; anything else is a validation error. */
export const decimal = z.union([z.string(), z.number()]).transform(toFinite);

/** Decimal that Binance may leave empty ("") or omit → null (a missing value is missing, never 0). */
export const optionalDecimal = z
  .union([z.string(), z.number(), z.null()])
  .optional()
  .transform((v, ctx) => (v === undefined || v === null || v === '' ? null : toFinite(v, ctx)));

/** Epoch milliseconds (integer ≥ 0). */
export const epochMs = z.number().int().nonnegative();

/** Epoch ms where 0 / absent means "none" (e.g. nextFundingTime of a delivery contract). */
export const optionalEpochMs = z
  .number()
  .int()
  .nonnegative()
  .nullable()
  .optional()
  .transform((v) => (v === undefined || v === null || v === 0 ? null : v));
