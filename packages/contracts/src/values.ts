// The one place where stored values become wire values (docs/legacy-contracts.md, "Numbers and times"):
// Prisma Decimals become numbers (socket events, `recent`) or strings (legacy REST rows), Dates become
// ISO-8601 UTC strings. A missing value stays missing (null), never 0. Binance's own decimal strings are
// converted at the exchange boundary instead (packages/binance-client/src/decimal.ts); the legacy daemons'
// whole-second timestamps come from isoSeconds in packages/oi-core/src/time.ts.

/** A Prisma Decimal, a number or a decimal string. */
export type DecimalLike = number | string | { toString(): string };

/** Decimal → number; null/undefined and anything not finite → null (a missing value is never 0). */
export function decimalToNumber(value: DecimalLike | null | undefined): number | null {
  if (value === null || value === undefined) return null;
  const n = typeof value === 'number' ? value : Number(value.toString());
  return Number.isFinite(n) ? n : null;
}

/** Decimal → its exact decimal string, as the legacy REST JSON had it; null stays null. */
export function decimalToString(value: DecimalLike | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return value.toString();
}

/** Date (or a date string) → ISO-8601 UTC with milliseconds (`2026-01-02T03:04:05.000Z`); null stays null. */
export function toIso(d: Date | string): string;
export function toIso(d: Date | string | null | undefined): string | null;
export function toIso(d: Date | string | null | undefined): string | null {
  if (d === null || d === undefined) return null;
  return (d instanceof Date ? d : new Date(d)).toISOString();
}
