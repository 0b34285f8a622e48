import { describe, expect, it } from 'vitest';
import { OiCoreError } from './errors.js';
import { estimatedPollIntervalSec, planPollIntervals } from './poll-interval.js';

function universe(n: number): { symbol: string; quoteVolume24h: number }[] {
  // S0000 is the most liquid; listed in scrambled order so ranking is exercised.
  return Array.from({ length: n }, (_, i) => ({
    symbol: `S${String(i).padStart(4, '0')}`,
    quoteVolume24h: 1e9 - i * 1000,
  })).reverse();
}

describe('planPollIntervals', () => {
  const sizes = [0, 1, 100, 300, 450, 600, 1000];
  const cases = [2000, 2300].flatMap((budget) => sizes.map((n) => ({ n, budget })));

  it.each(cases)(
    'N=$n at budget $budget: every symbol planned, within budget, min interval respected',
    ({ n, budget }) => {
      const plan = planPollIntervals({ symbols: universe(n), budgetPerMin: budget });
      expect(plan.perSymbol.size).toBe(n);
      expect(plan.tiers.reduce((a, t) => a + t.symbols.length, 0)).toBe(n);
      // Σ count·60000/interval per tier (exact for these sizes; a per-symbol float sum drifts by 1e-12).
      const weight = plan.tiers.reduce((a, t) => a + (t.symbols.length * 60_000) / t.intervalMs, 0);
      expect(weight).toBe(plan.weightPerMin);
      expect(new Set(plan.perSymbol.values())).toEqual(new Set(plan.tiers.map((t) => t.intervalMs)));
      expect(weight).toBeLessThanOrEqual(budget);
      for (const ms of plan.perSymbol.values()) {
        expect(ms).toBeGreaterThanOrEqual(5000);
        expect(Number.isFinite(ms)).toBe(true);
      }
      expect(plan.starved).toBe(false);
      expect(plan.floorMs).toBeCloseTo((60_000 * n) / budget, 9);
    },
  );

  it.each([
    // n, budget, expected tiers [intervalMs, count]
    { n: 1, budget: 2000, tiers: [[5000, 1]] }, // floor 30 ms → clamped up to the 5 s minimum
    { n: 100, budget: 2000, tiers: [[5000, 100]] }, // floor 3 s → 5 s
    { n: 300, budget: 2000, tiers: [[9000, 300]] }, // floor exactly 9 s
    { n: 300, budget: 2300, tiers: [[7827, 300]] }, // floor 7826.09 ms, rounded UP so the budget holds
    { n: 400, budget: 2000, tiers: [[12000, 400]] }, // floor == max: still one tier
    { n: 450, budget: 2300, tiers: [[11740, 450]] },
    {
      n: 450,
      budget: 2000,
      tiers: [
        [12000, 350],
        [24000, 100],
      ],
    }, // floor 13.5 s > max: head at max, tail ×2
    {
      n: 600,
      budget: 2000,
      tiers: [
        [12000, 200],
        [24000, 400],
      ],
    },
    {
      n: 600,
      budget: 2300,
      tiers: [
        [12000, 320],
        [24000, 280],
      ],
    },
    {
      n: 1000,
      budget: 2000,
      tiers: [
        [12000, 200],
        [48000, 800],
      ],
    }, // ×2 is not enough for everyone: tail ×4
    {
      n: 1000,
      budget: 2300,
      tiers: [
        [12000, 280],
        [48000, 720],
      ],
    }, // slack 2300 − 1000·1.25 buys 280 × (5 − 1.25)
  ])('N=$n at budget $budget → tiers $tiers', ({ n, budget, tiers }) => {
    const plan = planPollIntervals({ symbols: universe(n), budgetPerMin: budget });
    expect(plan.tiers.map((t) => [t.intervalMs, t.symbols.length])).toEqual(tiers);
  });

  it('puts the most liquid symbols in the fastest tier', () => {
    const plan = planPollIntervals({ symbols: universe(450), budgetPerMin: 2000 });
    expect(plan.perSymbol.get('S0000')).toBe(12000);
    expect(plan.perSymbol.get('S0349')).toBe(12000);
    expect(plan.perSymbol.get('S0350')).toBe(24000);
    expect(plan.tiers[0]?.symbols[0]).toBe('S0000');
  });

  it('ranks symbols with unknown volume last', () => {
    const symbols = [{ symbol: 'NOVOL', quoteVolume24h: null }, ...universe(449)];
    const plan = planPollIntervals({ symbols, budgetPerMin: 2000 });
    expect(plan.perSymbol.get('NOVOL')).toBe(24000);
  });

  it('honours custom bounds', () => {
    const plan = planPollIntervals({
      symbols: universe(10),
      budgetPerMin: 2000,
      minIntervalMs: 7000,
      maxIntervalMs: 9000,
    });
    expect(plan.tiers).toEqual([{ intervalMs: 7000, symbols: expect.any(Array) }]);
  });

  it.each([
    { budgetPerMin: 0, code: 'POLL_BUDGET_INVALID' },
    { budgetPerMin: Number.NaN, code: 'POLL_BUDGET_INVALID' },
    { budgetPerMin: 2000, minIntervalMs: 10_000, maxIntervalMs: 5000, code: 'POLL_INTERVALS_INVALID' },
  ])('rejects bad config with $code', ({ code, ...cfg }) => {
    expect(() => planPollIntervals({ symbols: universe(3), ...cfg })).toThrow(OiCoreError);
    expect(() => planPollIntervals({ symbols: universe(3), ...cfg })).toThrow(expect.objectContaining({ code }));
  });
});

describe('estimatedPollIntervalSec (backend liquid-universe field)', () => {
  it.each([
    { n: 0, expected: 20 }, // N ≤ 0 → max
    { n: -3, expected: 20 },
    { n: 1, expected: 5 }, // 0.03 s → min
    { n: 100, expected: 5 },
    { n: 300, expected: 9 },
    { n: 350, expected: 11 }, // 10.5 rounds half UP here (the Python poller gave 10)
    { n: 450, expected: 14 }, // 13.5 → 14
    { n: 600, expected: 18 },
    { n: 1000, expected: 20 }, // 30 → max
  ])('N=$n → $expected s', ({ n, expected }) => {
    expect(estimatedPollIntervalSec(n)).toBe(expected);
  });

  it('uses the given budget and clamp', () => {
    expect(estimatedPollIntervalSec(300, 2400, 5, 12)).toBe(8); // 7.5 → 8
  });
});
