import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HttpError } from '../http/errors.js';
import { oiIngestRows, plainRows, schemaRows } from './oi-ingest-body.js';

const NOW = Date.UTC(2025, 2, 1, 10, 0, 0);

/** What a JSON body can carry: undefined keys disappear, as after JSON.parse. */
const asJson = (v: unknown): Record<string, unknown> & { data: unknown[] } => JSON.parse(JSON.stringify(v));

// Mostly plausible values (so that many bodies are valid) mixed with every kind of wrong one.
const goodSymbol = fc.constantFrom('BTCUSDT', 'btc_usdt', 'ETH-USDT', '1000PEPEUSDT', 'NULL', 'null');
const symbol = fc.oneof(
  { weight: 30, arbitrary: goodSymbol },
  {
    weight: 1,
    arbitrary: fc.constantFrom('', 'BAD SYMBOL', 'é', 'x'.repeat(41), 'A'.repeat(40), '0 ', ' BTCUSDT', '-'),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 42 }) },
  { weight: 1, arbitrary: fc.constantFrom(null, 5, ['BTCUSDT']) },
);
const goodAmount = fc.oneof(
  fc.constantFrom(undefined, null, 0, -0, 1, 0.1, 81234.567, 1e21, 5280242500.25),
  fc.double({ min: 0, max: 1e12, noNaN: true }),
);
const amount = fc.oneof(
  { weight: 40, arbitrary: goodAmount },
  { weight: 1, arbitrary: fc.double({ min: -1e6, max: -Number.MIN_VALUE, noNaN: true }) },
  { weight: 1, arbitrary: fc.constantFrom('5', true, -1, {}) },
  // beyond what the numeric columns hold
  { weight: 1, arbitrary: fc.constantFrom(1e22, 1e25, 1e12, 1e28, Number.MAX_VALUE) },
);
const goodDate = fc.oneof(
  fc.constantFrom(undefined, '2025-03-01T10:05:07Z', '2025-03-01T10:05:07.123+02:00', '2025-03-01'),
  fc
    .date({ min: new Date('1990-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
    .map((d) => d.toISOString()),
);
const date = fc.oneof(
  { weight: 40, arbitrary: goodDate },
  { weight: 1, arbitrary: fc.constantFrom('soon', '', null, 17) },
);
const item = fc.oneof(
  {
    weight: 12,
    arbitrary: fc.record({ symbol, openInterest: amount, openInterestUsd: amount, markPrice: amount, ts: date }),
  },
  { weight: 1, arbitrary: fc.record({ symbol, openInterest: amount, extra: fc.anything() }) },
  { weight: 1, arbitrary: fc.constantFrom(null, 7, 'x', []) },
);
const body = fc.record({
  data: fc.oneof(
    { weight: 12, arbitrary: fc.array(item, { minLength: 1, maxLength: 4 }) },
    { weight: 1, arbitrary: fc.constant([]) },
  ),
  timestamp: date,
  totalSymbols: fc.constantFrom(undefined, undefined, undefined, undefined, 3, 3, 3, 'three', null),
  source: fc.constantFrom(undefined, 'snapshot', 'realtime', 'realtime', 'realtime', 'snapshot_legacy', 'bogus', null),
});

function reference(b: unknown): { ok: true; value: ReturnType<typeof schemaRows> } | { ok: false; err: unknown } {
  try {
    return { ok: true, value: schemaRows(b, NOW) };
  } catch (err) {
    return { ok: false, err };
  }
}

describe('OI ingest body', () => {
  it('takes the plain path only for bodies the schema accepts, with the same rows and source', () => {
    // Why: the plain path skips zod for speed; it must never accept more, or yield anything else.
    let plainHits = 0;
    fc.assert(
      fc.property(body, (raw) => {
        const b = asJson(raw);
        const plain = plainRows(b, NOW);
        const ref = reference(b);
        if (plain === null) return;
        plainHits += 1;
        expect(ref.ok).toBe(true);
        if (ref.ok) expect(plain).toEqual(ref.value);
      }),
      { numRuns: 2000 },
    );
    // The generator reaches the plain path often enough for the property to mean something (about 18 % of runs).
    expect(plainHits).toBeGreaterThan(200);
  });

  it('answers every body the schema refuses with a 400 from the schema, whatever the path', () => {
    fc.assert(
      fc.property(body, (raw) => {
        const b = asJson(raw);
        const ref = reference(b);
        if (ref.ok) {
          expect(oiIngestRows(b, NOW)).toEqual(ref.value);
        } else {
          expect(ref.err).toBeInstanceOf(HttpError);
          expect(() => oiIngestRows(b, NOW)).toThrow(HttpError);
          expect(plainRows(b, NOW)).toBeNull();
        }
      }),
      { numRuns: 1000 },
    );
  });

  it.each(['0 ', ' BTCUSDT', 'BTC USDT'])(
    'refuses the symbol %j on both paths (the plain path does not trim)',
    (sym) => {
      // Why: fast-check found "0 " taken by the plain path (it trimmed) while the schema answers 400.
      const b = asJson({ data: [{ symbol: sym, openInterest: 1, markPrice: 2 }], timestamp: '2025-03-01T10:00:00Z' });
      expect(plainRows(b, NOW)).toBeNull();
      expect(() => oiIngestRows(b, NOW)).toThrow(HttpError);
    },
  );

  it('reads a poller batch on the plain path: per-item times, batch time, nulls kept, symbols normalised', () => {
    const b = asJson({
      data: [
        { symbol: 'BTCUSDT', openInterest: 10, openInterestUsd: null, markPrice: null, ts: '2025-03-01T10:00:05.250Z' },
        { symbol: 'eth_usdt', openInterestUsd: 1000, markPrice: 4 },
        { symbol: 'SOLUSDT', openInterest: 7, openInterestUsd: 0, markPrice: 0 },
      ],
      timestamp: '2025-03-01T10:00:11Z',
      source: 'realtime',
    });
    const plain = plainRows(b, NOW);
    expect(plain).toEqual({
      source: 'realtime',
      rows: [
        {
          symbol: 'BTCUSDT',
          openInterest: 10,
          openInterestUsd: null,
          markPrice: null,
          ts: new Date('2025-03-01T10:00:05.250Z'),
        },
        {
          symbol: 'ETHUSDT',
          openInterest: 250,
          openInterestUsd: 1000,
          markPrice: 4,
          ts: new Date('2025-03-01T10:00:11Z'),
        },
        {
          symbol: 'SOLUSDT',
          openInterest: 7,
          openInterestUsd: null,
          markPrice: null,
          ts: new Date('2025-03-01T10:00:11Z'),
        },
      ],
    });
    expect(plainRows(asJson({ data: [{ symbol: 'BTCUSDT', openInterest: 1 }] }), NOW)).toEqual({
      source: 'snapshot',
      rows: [{ symbol: 'BTCUSDT', openInterest: 1, openInterestUsd: null, markPrice: null, ts: new Date(NOW) }],
    });
  });

  it('names the field of the first bad item, as the schema does', () => {
    const bad = asJson({
      data: [
        { symbol: 'A', openInterest: 1 },
        { symbol: 'bad symbol', openInterest: 1 },
      ],
    });
    expect(() => oiIngestRows(bad, NOW)).toThrow(
      expect.objectContaining({
        status: 400,
        body: expect.objectContaining({ message: expect.stringContaining('data[1].symbol') }),
      }),
    );
  });
});
