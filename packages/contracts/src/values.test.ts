import { describe, expect, it } from 'vitest';
import { decimalToNumber, decimalToString, toIso } from './index.js';

/** What a Prisma Decimal looks like to this code: an object whose toString is the exact decimal. */
const dec = (s: string) => ({ toString: () => s });

describe('wire values', () => {
  it.each([
    [dec('0.00012345'), 0.00012345],
    ['12.5', 12.5],
    [7, 7],
    [null, null],
    [undefined, null],
    [dec('NaN'), null],
    ['not a number', null],
  ])('decimalToNumber(%j) → %j (missing or broken is null, never 0)', (input, out) => {
    expect(decimalToNumber(input)).toBe(out);
  });

  it('decimalToString keeps the exact digits of a Decimal', () => {
    expect(decimalToString(dec('12345678901234.123456789'))).toBe('12345678901234.123456789');
    expect(decimalToString(null)).toBeNull();
  });

  it('toIso accepts Dates and date strings', () => {
    expect(toIso(new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 6)))).toBe('2026-01-02T03:04:05.006Z');
    expect(toIso('2026-01-02T03:04:05Z')).toBe('2026-01-02T03:04:05.000Z');
    expect(toIso(null)).toBeNull();
  });
});
