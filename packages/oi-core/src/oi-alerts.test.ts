import { describe, expect, it } from 'vitest';
import {
  evaluateOiAlert,
  oiAlertIngestBody,
  oiStateFromRows,
  oiStateToRows,
  type OiSymbolAlertState,
} from './oi-alerts.js';
import { DEFAULT_OI_TIMEFRAMES, parseOiTimeframes, type OiTimeframe } from './oi-timeframes.js';
import { OiRingBuffer, arrayHistory, type OiSample } from './ring-buffer.js';

const T = Date.UTC(2025, 2, 1, 10, 5, 3, 250);
const S = 1000;
const FIVE = DEFAULT_OI_TIMEFRAMES[0] as OiTimeframe; // 5 min, 3 %, tol 30 s, cooldown 600 s, min 5000
const WINDOW = DEFAULT_OI_TIMEFRAMES[3] as OiTimeframe; // median of 60–30 min ago, 5 %
const sample = (secAgo: number, oi: number, mark: number | null = 100): OiSample => ({ ts: T - secAgo * S, oi, mark });

type St = 'INSIDE' | 'OUTSIDE';
const st = (up: St, upAt: number | null, down: St = 'INSIDE', downAt: number | null = null): OiSymbolAlertState => ({
  '5 min': { UP: { state: up, lastAlertAt: upAt }, DOWN: { state: down, lastAlertAt: downAt } },
});

function run5(p: { history: OiSample[]; cur: number; state?: OiSymbolAlertState; mark?: number | null; now?: number }) {
  return evaluateOiAlert({
    symbol: 'FOOUSDT',
    now: p.now ?? T,
    current: { oi: p.cur, markPrice: p.mark === undefined ? 101 : p.mark, ts: T },
    history: arrayHistory([...p.history, { ts: T, oi: p.cur, mark: null }]),
    fundingRate: 0.0001,
    timeframes: [FIVE],
    state: p.state,
  });
}

describe('evaluateOiAlert: lookback timeframe branches', () => {
  const base = [sample(300, 1_000_000)];
  it.each([
    {
      name: '+4.2 % from INSIDE → UP',
      history: base,
      cur: 1_042_000,
      state: undefined,
      alert: 'UP',
      after: st('INSIDE', null),
      upAfter: 'OUTSIDE',
      skip: undefined,
    },
    {
      name: 'exactly +3 % counts (≥)',
      history: base,
      cur: 1_030_000,
      state: undefined,
      alert: 'UP',
      upAfter: 'OUTSIDE',
      skip: undefined,
    },
    {
      name: '+2.9 % → nothing',
      history: base,
      cur: 1_029_000,
      state: undefined,
      alert: null,
      upAfter: 'INSIDE',
      skip: undefined,
    },
    {
      name: '−4.2 % → DOWN',
      history: base,
      cur: 958_000,
      state: undefined,
      alert: 'DOWN',
      upAfter: 'INSIDE',
      skip: undefined,
    },
    {
      name: 'exactly −3 % → DOWN',
      history: base,
      cur: 970_000,
      state: undefined,
      alert: 'DOWN',
      upAfter: 'INSIDE',
      skip: undefined,
    },
    // why: a small contract's +4 % can be a handful of contracts; legacy keeps the key INSIDE so it may alert once it grows
    {
      name: '+4 % but only 4,000 contracts → no alert, stays INSIDE',
      history: [sample(300, 100_000)],
      cur: 104_000,
      state: undefined,
      alert: null,
      upAfter: 'INSIDE',
      skip: 'below-abs-min',
    },
    {
      name: '+5 % and exactly 5,000 contracts → UP',
      history: [sample(300, 100_000)],
      cur: 105_000,
      state: undefined,
      alert: 'UP',
      upAfter: 'OUTSIDE',
      skip: undefined,
    },
    {
      name: '−4 % but only −4,000 contracts → no DOWN',
      history: [sample(300, 100_000)],
      cur: 96_000,
      state: undefined,
      alert: null,
      upAfter: 'INSIDE',
      skip: 'below-abs-min',
    },
    {
      name: 'already OUTSIDE and still outside → no repeat',
      history: base,
      cur: 1_050_000,
      state: st('OUTSIDE', T - 60 * S),
      alert: null,
      upAfter: 'OUTSIDE',
      skip: undefined,
    },
    {
      name: 'OUTSIDE and back inside → INSIDE again',
      history: base,
      cur: 1_010_000,
      state: st('OUTSIDE', T - 60 * S),
      alert: null,
      upAfter: 'INSIDE',
      skip: undefined,
    },
    {
      name: 'INSIDE, breach during cooldown → no alert but marked OUTSIDE',
      history: base,
      cur: 1_050_000,
      state: st('INSIDE', T - 599 * S),
      alert: null,
      upAfter: 'OUTSIDE',
      skip: 'cooldown',
    },
    {
      name: 'INSIDE, cooldown just over (600 s) → UP',
      history: base,
      cur: 1_050_000,
      state: st('INSIDE', T - 600 * S),
      alert: 'UP',
      upAfter: 'OUTSIDE',
      skip: undefined,
    },
    {
      name: 'cooldown is per direction: recent UP does not block DOWN',
      history: base,
      cur: 950_000,
      state: st('INSIDE', T - 10 * S),
      alert: 'DOWN',
      upAfter: 'INSIDE',
      skip: undefined,
    },
    {
      name: 'baseline sample 30 s off target is used',
      history: [sample(330, 1_000_000)],
      cur: 1_050_000,
      state: undefined,
      alert: 'UP',
      upAfter: 'OUTSIDE',
      skip: undefined,
    },
    {
      name: 'baseline sample 31 s off target → insufficient history',
      history: [sample(331, 1_000_000)],
      cur: 1_050_000,
      state: undefined,
      alert: null,
      upAfter: null,
      skip: 'insufficient-history',
    },
    {
      name: 'no history at all → insufficient history',
      history: [],
      cur: 1_050_000,
      state: undefined,
      alert: null,
      upAfter: null,
      skip: 'insufficient-history',
    },
    {
      name: 'baseline 0 → no alert',
      history: [sample(300, 0)],
      cur: 1_050_000,
      state: undefined,
      alert: null,
      upAfter: null,
      skip: 'baseline-zero',
    },
  ])('$name', ({ history, cur, state, alert, upAfter, skip }) => {
    const r = run5({ history, cur, state });
    expect(r.alerts.map((a) => a.direction)).toEqual(alert ? [alert] : []);
    expect(r.nextState['5 min']?.UP.state ?? null).toBe(upAfter);
    expect(r.skipped.map((s) => s.reason)).toEqual(skip ? [skip] : []);
  });

  it('insufficient history leaves an OUTSIDE state untouched (never a guess)', () => {
    const r = run5({ history: [], cur: 900_000, state: st('OUTSIDE', T - 60 * S) });
    expect(r.nextState).toEqual(st('OUTSIDE', T - 60 * S));
  });

  it('cooldown keeps lastAlertAt; a sent alert records the sample time', () => {
    expect(
      run5({ history: base, cur: 1_050_000, state: st('INSIDE', T - 599 * S) }).nextState['5 min']?.UP.lastAlertAt,
    ).toBe(T - 599 * S);
    expect(run5({ history: base, cur: 1_050_000 }).nextState['5 min']?.UP.lastAlertAt).toBe(T);
  });

  it('picks the earlier of two samples equally far from the target', () => {
    const r = run5({ history: [sample(310, 1_000_000), sample(290, 1_010_000)], cur: 1_050_000 });
    expect(r.alerts[0]?.baseline).toBe(1_000_000);
  });

  it('fills the legacy fields and the explanation', () => {
    const r = run5({ history: [sample(300, 1_000_000, 100)], cur: 1_042_000, mark: 101.23 });
    const a = r.alerts[0];
    expect(a).toMatchObject({
      symbol: 'FOOUSDT',
      direction: 'UP',
      baseline: 1_000_000,
      current: 1_042_000,
      absChange: 42_000,
      timeframe: '5 min',
      timestamp: '2025-03-01T10:05:03Z',
      ts: T,
      source: 'oi_realtime_poller',
      fundingRate: 0.0001,
      explanation: {
        method: 'lookback-closest',
        baselineFrom: T - 300 * S,
        baselineTo: T - 300 * S,
        baselineSamples: 1,
        lookbackSec: 300,
        toleranceSec: 30,
        thresholdPct: 3,
        minAbsContracts: 5000,
        cooldownSec: 600,
        baselineMarkPrice: 100,
      },
    });
    expect(a?.pctChange).toBeCloseTo(0.042, 12);
    expect(a?.priceChange).toBeCloseTo(0.0123, 12);
    expect(Object.keys(oiAlertIngestBody(a!))).toEqual([
      'symbol',
      'direction',
      'baseline',
      'current',
      'pctChange',
      'absChange',
      'timestamp',
      'source',
      'timeframe',
      'priceChange',
      'fundingRate',
    ]);
  });

  it.each([
    { name: 'current mark unknown', baseMark: 100, mark: null },
    { name: 'baseline mark unknown', baseMark: null, mark: 101 },
    { name: 'mark 0 is not a price', baseMark: 0, mark: 101 },
  ])('omits priceChange when $name', ({ baseMark, mark }) => {
    const r = run5({ history: [sample(300, 1_000_000, baseMark)], cur: 1_042_000, mark });
    expect(r.alerts).toHaveLength(1);
    expect('priceChange' in (r.alerts[0] ?? {})).toBe(false);
  });

  it('omits an unknown funding rate (missing is missing, never 0)', () => {
    const r = evaluateOiAlert({
      symbol: 'FOOUSDT',
      now: T,
      current: { oi: 1_042_000, markPrice: null, ts: T },
      history: arrayHistory([sample(300, 1_000_000)]),
      fundingRate: null,
      timeframes: [FIVE],
      state: undefined,
    });
    expect(r.alerts).toHaveLength(1);
    expect('fundingRate' in (r.alerts[0] ?? {})).toBe(false);
    expect(oiAlertIngestBody(r.alerts[0]!)).not.toHaveProperty('fundingRate');
  });
});

describe('evaluateOiAlert: whole-sample guards', () => {
  const history = arrayHistory([sample(300, 1_000_000)]);
  it.each([
    {
      name: 'USDCUSDT is excluded by default',
      symbol: 'USDCUSDT',
      oi: 2_000_000,
      now: T,
      excluded: undefined,
      reason: 'excluded-symbol',
    },
    {
      name: 'custom exclusion list',
      symbol: 'FOOUSDT',
      oi: 2_000_000,
      now: T,
      excluded: ['FOOUSDT'],
      reason: 'excluded-symbol',
    },
    {
      name: 'OI 0 is a failed sample, not a collapse',
      symbol: 'FOOUSDT',
      oi: 0,
      now: T,
      excluded: undefined,
      reason: 'invalid-sample',
    },
    { name: 'NaN OI', symbol: 'FOOUSDT', oi: Number.NaN, now: T, excluded: undefined, reason: 'invalid-sample' },
    {
      name: 'sample older than 120 s',
      symbol: 'FOOUSDT',
      oi: 2_000_000,
      now: T + 121 * S,
      excluded: undefined,
      reason: 'stale-sample',
    },
  ])('$name → no alert, state unchanged', ({ symbol, oi, now, excluded, reason }) => {
    const state = st('INSIDE', null);
    const r = evaluateOiAlert({
      symbol,
      now,
      current: { oi, markPrice: null, ts: T },
      history,
      fundingRate: null,
      timeframes: [FIVE],
      state,
      excludedSymbols: excluded,
    });
    expect(r.alerts).toEqual([]);
    expect(r.nextState).toEqual(state);
    expect(r.skipped).toEqual([{ timeframe: null, reason }]);
  });

  it('USDCUSDT is alertable when the exclusion list is empty', () => {
    const r = evaluateOiAlert({
      symbol: 'USDCUSDT',
      now: T,
      current: { oi: 2_000_000, markPrice: null, ts: T },
      history,
      fundingRate: null,
      timeframes: [FIVE],
      state: undefined,
      excludedSymbols: [],
    });
    expect(r.alerts).toHaveLength(1);
  });
});

describe('evaluateOiAlert: median window (60–30 min ago)', () => {
  // one sample per minute from 60 to 30 minutes ago: 31 samples, OI 1,000,000 … 1,030,000 → median 1,015,000
  const full = Array.from({ length: 31 }, (_, i) => sample((60 - i) * 60, 1_000_000 + i * 1000, 100 + i));
  const run = (history: OiSample[], cur: number) =>
    evaluateOiAlert({
      symbol: 'FOOUSDT',
      now: T,
      current: { oi: cur, markPrice: 130, ts: T },
      history: arrayHistory(history),
      fundingRate: null,
      timeframes: [WINDOW],
      state: undefined,
    });

  it.each([
    { name: 'covered window, +5 % over the median → UP', history: full, cur: 1_065_750, alert: 'UP', skip: [] },
    { name: 'covered window, +4.9 % → nothing', history: full, cur: 1_064_735, alert: null, skip: [] },
    { name: 'covered window, −5 % → DOWN', history: full, cur: 964_250, alert: 'DOWN', skip: [] },
    // why: a window that only saw its last 15 minutes would be a guess
    {
      name: 'history starts 45 min ago → insufficient',
      history: full.slice(15),
      cur: 2_000_000,
      alert: null,
      skip: ['insufficient-history'],
    },
    {
      name: 'history ends 40 min ago → insufficient',
      history: full.slice(0, 21),
      cur: 2_000_000,
      alert: null,
      skip: ['insufficient-history'],
    },
    {
      name: '5-minute warm-start points (7) cover it',
      history: full.filter((_, i) => i % 5 === 0),
      cur: 1_070_000,
      alert: 'UP',
      skip: [],
    },
    {
      name: 'only 4 samples → insufficient',
      history: [full[0]!, full[10]!, full[20]!, full[30]!],
      cur: 2_000_000,
      alert: null,
      skip: ['insufficient-history'],
    },
  ])('$name', ({ history, cur, alert, skip }) => {
    const r = run(history, cur);
    expect(r.alerts.map((a) => a.direction)).toEqual(alert ? [alert] : []);
    expect(r.skipped.map((s) => s.reason)).toEqual(skip);
  });

  it('explains the window baseline', () => {
    const a = run(full, 1_070_000).alerts[0];
    expect(a?.baseline).toBe(1_015_000);
    expect(a?.timeframe).toBe('60-30 min median');
    expect(a?.explanation).toMatchObject({
      method: 'window-median',
      baselineFrom: T - 3600 * S,
      baselineTo: T - 1800 * S,
      baselineSamples: 31,
      thresholdPct: 5,
      baselineMarkPrice: 115,
    });
    expect(a?.priceChange).toBeCloseTo(15 / 115, 12);
  });
});

describe('evaluateOiAlert: sequences', () => {
  // 5-min timeframe, baseline always 1,000,000; `cur` per step, step time t (s)
  function play(steps: { t: number; cur: number }[]): string[] {
    let state: OiSymbolAlertState | undefined;
    const out: string[] = [];
    for (const { t, cur } of steps) {
      const ts = T + t * S;
      const r = evaluateOiAlert({
        symbol: 'FOOUSDT',
        now: ts,
        current: { oi: cur, markPrice: null, ts },
        history: arrayHistory([{ ts: ts - 300 * S, oi: 1_000_000, mark: null }]),
        fundingRate: null,
        timeframes: [FIVE],
        state,
      });
      state = r.nextState;
      out.push(r.alerts.map((a) => a.direction).join('+') || '-');
    }
    return out;
  }

  it.each([
    {
      name: 'fires once per excursion',
      steps: [
        [0, 1.05],
        [10, 1.06],
        [20, 1.07],
        [30, 1.0],
        [40, 1.05],
      ],
      out: ['UP', '-', '-', '-', '-'],
    }, // back inside at 30 s, out again at 40 s: still cooling down
    // decided quirk: a move seen during the cooldown does not alert when the cooldown ends; it must come back inside first
    {
      name: 'cooldown-suppressed move does not fire at cooldown end',
      steps: [
        [0, 1.05],
        [30, 1.0],
        [60, 1.05],
        [700, 1.05],
        [710, 1.0],
        [720, 1.05],
      ],
      out: ['UP', '-', '-', '-', '-', 'UP'],
    },
    {
      name: 'UP then DOWN are independent',
      steps: [
        [0, 1.05],
        [10, 0.95],
        [20, 1.05],
      ],
      out: ['UP', 'DOWN', '-'],
    },
  ] as const)('$name', ({ steps, out }) => {
    expect(play(steps.map(([t, f]) => ({ t, cur: 1_000_000 * f })))).toEqual(out);
  });
});

describe('evaluateOiAlert: absolute minimum over time', () => {
  it('a breach below the absolute minimum stays INSIDE, so the same move alerts once it is large enough', () => {
    const history = arrayHistory([sample(300, 100_000)]);
    const step = (cur: number, state: OiSymbolAlertState | undefined) =>
      evaluateOiAlert({
        symbol: 'FOOUSDT',
        now: T,
        current: { oi: cur, markPrice: null, ts: T },
        history,
        fundingRate: null,
        timeframes: [FIVE],
        state,
      });
    const first = step(104_000, undefined); // +4 %, 4,000 contracts
    expect(first.alerts).toEqual([]);
    expect(first.nextState['5 min']?.UP.state).toBe('INSIDE');
    expect(step(106_000, first.nextState).alerts.map((a) => a.direction)).toEqual(['UP']);
  });
});

describe('evaluateOiAlert: several timeframes', () => {
  it('evaluates each timeframe independently with its own threshold', () => {
    const history = arrayHistory([sample(3600, 1_000_000), sample(900, 1_000_000), sample(300, 1_040_000)]);
    const r = evaluateOiAlert({
      symbol: 'FOOUSDT',
      now: T,
      current: { oi: 1_100_000, markPrice: null, ts: T },
      history,
      fundingRate: null,
      timeframes: DEFAULT_OI_TIMEFRAMES,
      state: undefined,
    });
    // 5 min: +5.8 % ≥ 3 %; 15 min: +10 % ≥ 5 %; 1 hour: +10 % ≥ 10 %; window: no samples
    expect(r.alerts.map((a) => `${a.timeframe} ${a.direction}`)).toEqual(['5 min UP', '15 min UP', '1 hour UP']);
    expect(r.skipped).toEqual([{ timeframe: '60-30 min median', reason: 'insufficient-history' }]);
    expect(Object.keys(r.nextState)).toEqual(['5 min', '15 min', '1 hour']);
  });

  it('works with parsed timeframes', () => {
    const tfs = parseOiTimeframes('5m:2%:60s:min=100');
    const r = evaluateOiAlert({
      symbol: 'FOOUSDT',
      now: T,
      current: { oi: 10_300, markPrice: null, ts: T },
      history: arrayHistory([sample(300, 10_000)]),
      fundingRate: null,
      timeframes: tfs,
      state: undefined,
    });
    expect(r.alerts).toHaveLength(1);
  });

  it('finds the baseline of a short lookback in a thinned history (no hole left by the thinning)', () => {
    // The activity poller's history keeps about one sample per planned interval (13.4 s for 450 symbols).
    // Polled at −50 s, −38 s and −10 s, then a +12 % step polled at 0: the 30 s rule's baseline is −30 ± 15 s.
    const tfs = parseOiTimeframes('30s:5%:900s:tol=15s:min=1');
    const history = new OiRingBuffer(64);
    for (const secAgo of [50, 38, 10]) history.pushThinned(T - secAgo * S, 10_000, 100, 13_400);
    history.pushThinned(T, 11_200, 100, 13_400);
    const r = evaluateOiAlert({
      symbol: 'FOOUSDT',
      now: T,
      current: { oi: 11_200, markPrice: 100, ts: T },
      history,
      fundingRate: null,
      timeframes: tfs,
      state: undefined,
    });
    expect(r.alerts.map((a) => `${a.timeframe} ${a.direction}`)).toEqual([`${tfs[0]!.label} UP`]);
  });
});

describe('state rows', () => {
  it('round-trips through oi_alert_states rows', () => {
    const state: OiSymbolAlertState = {
      '5 min': { UP: { state: 'OUTSIDE', lastAlertAt: T }, DOWN: { state: 'INSIDE', lastAlertAt: null } },
    };
    const rows = oiStateToRows('FOOUSDT', state);
    expect(rows).toEqual([
      { symbol: 'FOOUSDT', timeframe: '5 min', direction: 'UP', state: 'OUTSIDE', lastAlertAt: T },
      { symbol: 'FOOUSDT', timeframe: '5 min', direction: 'DOWN', state: 'INSIDE', lastAlertAt: null },
    ]);
    expect(oiStateFromRows(rows).get('FOOUSDT')).toEqual(state);
  });
});
