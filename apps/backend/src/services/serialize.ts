/** Prisma Decimal (or anything with toString) → number; null stays null. Never turns missing into 0. */
export function num(value: { toString(): string } | number | null | undefined): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return value;
  const n = Number(value.toString());
  return Number.isFinite(n) ? n : null;
}

/**
 * A price or USD value as served: the legacy snapshot script stored 0.0 where the mark price (and so the USD value)
 * was unknown; a zero is served as missing (null), never as a real value (CONTRACTS.md §6, STYLE 11).
 */
export function knownAmount(value: { toString(): string } | number | null | undefined): number | null {
  const n = num(value);
  return n === 0 ? null : n;
}

export function numOr(value: { toString(): string } | number, fallback = Number.NaN): number {
  return num(value) ?? fallback;
}

export function iso(d: Date): string;
export function iso(d: Date | null): string | null;
export function iso(d: Date | null): string | null {
  return d ? d.toISOString() : null;
}

/** Decimal → string as the legacy REST JSON had it; null stays null. */
export function decStr(value: { toString(): string } | null): string | null {
  return value === null ? null : value.toString();
}
