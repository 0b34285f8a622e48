// The bench's own rules: the move plan, OI freshness over all symbols, alert latency and false alerts.
import { describe, expect, it } from 'vitest';
import { Market } from '@volspike/binance-sim';
import { parseOiTimeframes } from '../packages/oi-core/src/index.js';
import { alertLatencies, type Injected } from './alert-latency.js';
import { planMoves, thirdOf } from './moves.js';
import { oiFreshness } from './oi-metrics.js';
import { OiPathRecorder } from './oi-path.js';

const ranked = Array.from({ length: 90 }, (_, i) => `S${i}USDT`);

describe('planMoves', () => {
  const plan = (seed: number) => planMoves({ ranked, count: 30, windowMs: 120_000, seed, movePct: 12 });

  it('spreads distinct symbols evenly over the rank thirds, inside 10–70 % of the window', () => {
    const moves = plan(42);
    expect(new Set(moves.map((m) => m.symbol)).size).toBe(30);
    for (const t of ['head', 'middle', 'tail']) expect(moves.filter((m) => m.third === t)).toHaveLength(10);
    for (const m of moves) {
      expect(m.third).toBe(thirdOf(m.rank, 90));
      expect(m.offsetMs).toBeGreaterThanOrEqual(12_000);
      expect(m.offsetMs).toBeLessThanOrEqual(84_000);
      expect(Math.abs(m.changePct)).toBe(12);
    }
  });

  it('is the same plan for the same seed and another for another seed', () => {
    expect(plan(42)).toEqual(plan(42));
    expect(plan(43).map((m) => m.symbol)).not.toEqual(plan(42).map((m) => m.symbol));
  });
});

describe('oiFreshness', () => {
  const t0 = 1_000_000;
  const t1 = t0 + 60_000;
  it.each([
    { name: 'a symbol never polled counts the whole window', log: {}, intervalMax: 60, ageMax: 60, never: 1 },
    {
      name: 'regular 10 s polls',
      log: { A: [t0 - 5000, t0 + 5000, t0 + 15000, t0 + 25000, t0 + 35000, t0 + 45000, t0 + 55000] },
      intervalMax: 10,
      ageMax: 9, // on the 1 s grid, just before the next poll
      never: 0,
    },
    {
      name: 'a long open gap at the end counts; before its first poll a symbol counts the whole window',
      log: { A: [t0 + 1000, t0 + 2000] },
      intervalMax: 58,
      ageMax: 60,
      never: 0,
    },
  ])('$name', ({ log, intervalMax, ageMax, never }) => {
    const f = oiFreshness(log as Record<string, number[]>, ['A'], t0, t1);
    expect(f.intervalSec.max).toBe(intervalMax);
    expect(f.sampleAgeSec.max).toBe(ageMax);
    expect(f.neverPolled).toBe(never);
  });

  it('mean interval is 60·N ÷ polls per minute over all members', () => {
    const log = { A: [t0 + 10_000, t0 + 40_000], B: [t0 + 20_000, t0 + 50_000] };
    const f = oiFreshness(log, ['A', 'B', 'C'], t0, t1);
    expect(f.pollsPerMin).toBe(4);
    expect(f.meanIntervalSec).toBe(45);
  });
});

describe('alert latency and false alerts', () => {
  const move = (symbol: string, third: 'head' | 'tail', at: number): Injected => ({
    symbol,
    rank: third === 'head' ? 0 : 80,
    third,
    offsetMs: 0,
    changePct: 12,
    at,
    direction: 'UP',
  });
  it('times the first matching alert after each move, per third, and counts the unjustified ones', () => {
    const receipts = [
      { symbol: 'A', direction: 'UP', timeframe: '30 sec', ts: '', at: 900 }, // before the move: not its alert
      { symbol: 'A', direction: 'UP', timeframe: '30 sec', ts: '', at: 3000 },
      { symbol: 'C', direction: 'DOWN', timeframe: '30 sec', ts: '', at: 5000 },
    ];
    const r = alertLatencies([move('A', 'head', 1000), move('B', 'tail', 1000)], receipts, (a) => a.symbol !== 'C');
    expect(r.received).toBe(1);
    expect(r.latencyMs).toEqual({ p50: 2000, p99: 2000, max: 2000 });
    expect((r.byThird as Record<string, { received: number; expected: number }>).tail).toMatchObject({
      expected: 1,
      received: 0,
    });
    expect(r.falseAlerts).toBe(1);
    expect(r.missed).toEqual(['B (tail #80)']);
  });
});

describe('OiPathRecorder', () => {
  const tfs = parseOiTimeframes('30s:5%:900s:tol=15s:min=1');
  it('justifies an alert after an injected step and not one the path never made', () => {
    const start = Date.now();
    const market = new Market({ seed: 7, symbols: 20, now: start });
    const rec = new OiPathRecorder(market);
    const sym = market.liquid(0)[0]!;
    market.moveOpenInterest(sym, 12, 0);
    const ts = new Date(Date.now() + 30_000).toISOString();
    // 30 s later, nothing else having happened: the step is inside the 30 s lookback's tolerance window
    expect(rec.justifies({ symbol: sym, direction: 'UP', timeframe: '30 sec', ts }, tfs)).toBe(true);
    expect(rec.justifies({ symbol: sym, direction: 'DOWN', timeframe: '30 sec', ts }, tfs)).toBe(false);
    const other = market.liquid(0)[1]!;
    expect(rec.justifies({ symbol: other, direction: 'UP', timeframe: '30 sec', ts }, tfs)).toBe(false);
    expect(rec.justifies({ symbol: sym, direction: 'UP', timeframe: '7 min', ts }, tfs)).toBeNull();
  });
});
