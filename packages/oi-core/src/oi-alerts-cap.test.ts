import { describe, expect, it } from 'vitest';
import { evaluateOiAlert, type OiDirection, type OiSymbolAlertState } from './oi-alerts.js';
import { activeCap, liveCap, type OiSymbolCap } from './oi-alerts-cap.js';
import { DEFAULT_OI_TIMEFRAMES } from './oi-timeframes.js';
import { arrayHistory, type OiSample } from './ring-buffer.js';

// Default timeframes: 5 min 3 % (cooldown 600 s), 15 min 5 % (900 s), 1 hour 10 % (3600 s), 60–30 min median
// (no window history here, so it never decides). Baselines 1,000,000 at 5 min, 15 min and 1 hour ago.
const T = Date.UTC(2025, 2, 1, 10, 5, 3);
const S = 1000;
const CAP = 900; // OI_ALERT_SYMBOL_COOLDOWN_MIN=15
const history = (cur: number): OiSample[] => [
  { ts: T - 3600 * S, oi: 1_000_000, mark: null },
  { ts: T - 900 * S, oi: 1_000_000, mark: null },
  { ts: T - 300 * S, oi: 1_000_000, mark: null },
  { ts: T, oi: cur, mark: null },
];
const capOf = (direction: OiDirection, timeframe: string, secAgo: number): OiSymbolCap => ({
  [direction]: { timeframe, ts: T - secAgo * S, alsoCrossed: [] },
});
const outside = (tf: string, dir: OiDirection, lastAlertSecAgo: number | null): OiSymbolAlertState => ({
  [tf]: {
    UP: { state: dir === 'UP' ? 'OUTSIDE' : 'INSIDE', lastAlertAt: null },
    DOWN: { state: dir === 'DOWN' ? 'OUTSIDE' : 'INSIDE', lastAlertAt: null },
    [dir]: { state: 'OUTSIDE', lastAlertAt: lastAlertSecAgo === null ? null : T - lastAlertSecAgo * S },
  },
});

function run(cur: number, p: { cap?: OiSymbolCap; state?: OiSymbolAlertState; symbolCooldownSec?: number } = {}) {
  return evaluateOiAlert({
    symbol: 'FOOUSDT',
    now: T,
    current: { oi: cur, markPrice: null, ts: T },
    history: arrayHistory(history(cur)),
    fundingRate: null,
    timeframes: DEFAULT_OI_TIMEFRAMES,
    state: p.state,
    cap: p.cap,
    symbolCooldownSec: p.symbolCooldownSec ?? CAP,
  });
}

describe('per-symbol alert cap (FR-OI-ALERT-3)', () => {
  it.each([
    // cur: +12 % crosses 5 min, 15 min and 1 hour at once; +6 % crosses 5 min and 15 min; −6 % both DOWN.
    {
      name: 'three timeframes on one sample → one alert, the others in its explanation',
      cur: 1_120_000,
      p: {},
      sent: ['5 min UP'],
      also: ['15 min', '1 hour'],
      capped: [],
    },
    {
      name: 'cap 0 restores per-timeframe alerts',
      cur: 1_120_000,
      p: { symbolCooldownSec: 0 },
      sent: ['5 min UP', '15 min UP', '1 hour UP'],
      also: [],
      capped: [],
    },
    {
      name: 'a later timeframe inside the cap is recorded on the sent alert, not sent',
      cur: 1_060_000,
      p: { cap: capOf('UP', '1 hour', 180), state: outside('1 hour', 'UP', 180) },
      sent: [],
      also: [],
      capped: ['5 min→1 hour', '15 min→1 hour'],
    },
    {
      name: 'the cap holds up to its last millisecond',
      cur: 1_060_000,
      p: { cap: { UP: { timeframe: '1 hour', ts: T - CAP * S + 1, alsoCrossed: [] } } },
      sent: [],
      also: [],
      capped: ['5 min→1 hour', '15 min→1 hour'],
    },
    {
      name: 'once the cap has run out the next crossing alerts again',
      cur: 1_060_000,
      p: { cap: capOf('UP', '1 hour', CAP) },
      sent: ['5 min UP'],
      also: ['15 min'],
      capped: [],
    },
    {
      name: 'an UP cap does not hold a dump back',
      cur: 940_000,
      p: { cap: capOf('UP', '5 min', 60) },
      sent: ['5 min DOWN'],
      also: ['15 min'],
      capped: [],
    },
    {
      name: 'a DOWN cap does not hold a spike back',
      cur: 1_060_000,
      p: { cap: capOf('DOWN', '5 min', 60) },
      sent: ['5 min UP'],
      also: ['15 min'],
      capped: [],
    },
    {
      name: 'a timeframe in its own cooldown that crosses inside the cap is still recorded',
      cur: 1_060_000,
      p: {
        cap: capOf('UP', '1 hour', 60),
        state: {
          ...outside('5 min', 'UP', null),
          ...{
            '15 min': {
              UP: { state: 'INSIDE', lastAlertAt: T - 600 * S },
              DOWN: { state: 'INSIDE', lastAlertAt: null },
            },
          },
        },
      },
      sent: [],
      also: [],
      capped: ['15 min→1 hour'],
    },
    {
      name: 'a timeframe in its own cooldown outside any cap stays a cooldown',
      cur: 1_060_000,
      p: {
        state: {
          '5 min': { UP: { state: 'INSIDE', lastAlertAt: T - 60 * S }, DOWN: { state: 'INSIDE', lastAlertAt: null } },
        },
      },
      sent: ['15 min UP'],
      also: [],
      capped: [],
    },
  ] as const)('$name', ({ cur, p, sent, also, capped }) => {
    const r = run(cur, p as Parameters<typeof run>[1]);
    expect(r.alerts.map((a) => `${a.timeframe} ${a.direction}`)).toEqual(sent);
    expect(r.alerts[0]?.explanation.alsoCrossed.map((c) => c.timeframe) ?? []).toEqual(also);
    expect(r.capped.map((c) => `${c.crossing.timeframe}→${c.alert.timeframe}`)).toEqual(capped);
    expect(r.skipped.filter((s) => s.reason === 'symbol-cap')).toHaveLength(also.length + capped.length);
  });

  it('a held-back crossing goes OUTSIDE without a lastAlertAt, so it does not fire when the cap ends', () => {
    const first = run(1_060_000, { cap: capOf('UP', '1 hour', 180) });
    expect(first.nextState['15 min']?.UP).toEqual({ state: 'OUTSIDE', lastAlertAt: null });
    expect(first.nextCap.UP?.alsoCrossed.map((c) => c.timeframe)).toEqual(['5 min', '15 min']);
    const later = evaluateOiAlert({
      symbol: 'FOOUSDT',
      now: T + 1200 * S,
      current: { oi: 1_060_000, markPrice: null, ts: T + 1200 * S },
      history: arrayHistory([...history(1_060_000), { ts: T + 1200 * S, oi: 1_060_000, mark: null }]),
      fundingRate: null,
      timeframes: DEFAULT_OI_TIMEFRAMES.slice(1, 2),
      state: first.nextState,
      cap: first.nextCap,
      symbolCooldownSec: CAP,
    });
    expect(later.alerts).toEqual([]);
    expect(later.nextCap).toEqual({}); // the cap ran out and is dropped
  });

  it('records the crossing with its numbers and the key of the alert it belongs to', () => {
    const r = run(1_060_000, { cap: capOf('UP', '1 hour', 180) });
    expect(r.capped[0]).toEqual({
      symbol: 'FOOUSDT',
      direction: 'UP',
      alert: { timeframe: '1 hour', ts: T - 180 * S },
      crossing: {
        timeframe: '5 min',
        ts: T,
        baseline: 1_000_000,
        current: 1_060_000,
        pctChange: 0.06,
        absChange: 60_000,
      },
    });
  });

  it('the sent alert carries the cap in its explanation and opens the cap at its sample time', () => {
    const r = run(1_120_000);
    expect(r.alerts[0]?.explanation.symbolCooldownSec).toBe(CAP);
    expect(r.nextCap).toEqual({ UP: { timeframe: '5 min', ts: T, alsoCrossed: r.alerts[0]?.explanation.alsoCrossed } });
    expect(r.nextState['5 min']?.UP.lastAlertAt).toBe(T);
    expect(r.nextState['1 hour']?.UP).toEqual({ state: 'OUTSIDE', lastAlertAt: null });
  });

  it('does not change the cap it was given', () => {
    const cap = capOf('UP', '1 hour', 180);
    run(1_060_000, { cap });
    expect(cap).toEqual(capOf('UP', '1 hour', 180));
  });

  it('keeps the cap unchanged when the sample is not evaluated', () => {
    const cap = capOf('UP', '1 hour', 180);
    const r = evaluateOiAlert({
      symbol: 'FOOUSDT',
      now: T + 600 * S,
      current: { oi: 1_060_000, markPrice: null, ts: T },
      history: arrayHistory(history(1_060_000)),
      fundingRate: null,
      timeframes: DEFAULT_OI_TIMEFRAMES,
      state: undefined,
      cap,
      symbolCooldownSec: CAP,
    });
    expect(r.skipped).toEqual([{ timeframe: null, reason: 'stale-sample' }]);
    expect(r.nextCap).toEqual(cap);
  });
});

describe('activeCap / liveCap', () => {
  const cap = { UP: { timeframe: '5 min', ts: T, alsoCrossed: [] } };
  it.each([
    { at: T, cooldown: CAP, active: true },
    { at: T + CAP * S - 1, cooldown: CAP, active: true },
    { at: T + CAP * S, cooldown: CAP, active: false },
    { at: T, cooldown: 0, active: false },
  ])('at +$at ms with a $cooldown s cap: active=$active', ({ at, cooldown, active }) => {
    expect(activeCap(cap, 'UP', at, cooldown) !== null).toBe(active);
    expect(activeCap(cap, 'DOWN', at, cooldown)).toBeNull();
    expect(liveCap(cap, at, cooldown)).toEqual(active ? cap : undefined);
  });
});
