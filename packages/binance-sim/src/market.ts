// The simulated market: every symbol's state, the tick that advances them, synchronous reads for
// tests, the control actions (OI ramps, volume spikes, prices) and the history queries REST needs.
import { VolspikeError } from '@volspike/errors';
import { HOUR_MS, MINUTE_MS, aggregate } from './candles.js';
import type { Candle } from './candles.js';
import { Rng, hash32 } from './rng.js';
import { FIVE_MIN_MS, SymbolState } from './symbol-state.js';
import { buildUniverse } from './universe.js';
import type { SimSymbol } from './universe.js';

/** A control or market call the simulator refuses (answered 400 by the control API). */
export class SimError extends VolspikeError<'SIM_UNKNOWN_SYMBOL' | 'SIM_INVALID_ARGUMENT' | 'SIM_BAD_REQUEST'> {}

export interface MarketOptions {
  seed: number;
  symbols: number;
  /** hours of 1h history before the start (default 14 days) */
  historyHours?: number;
  lively?: boolean;
  now?: number;
}

export interface RangeQuery {
  startTime?: number | undefined;
  endTime?: number | undefined;
  limit: number;
}

export interface OiPoint {
  t: number;
  oi: number;
  price: number;
}

export const OI_HISTORY_MS = 30 * 24 * HOUR_MS;

export class Market {
  readonly seed: number;
  private readonly states: SymbolState[] = [];
  private readonly bySymbol = new Map<string, SymbolState>();
  private readonly rng: Rng;
  private readonly lively: boolean;
  private readonly bridgeCache = new Map<string, Candle[]>();
  now: number;

  constructor(opts: MarketOptions) {
    this.seed = opts.seed;
    this.now = opts.now ?? Date.now();
    this.lively = opts.lively ?? false;
    this.rng = new Rng(hash32(opts.seed, 9));
    const hours = opts.historyHours ?? 14 * 24;
    buildUniverse(opts.seed, opts.symbols).forEach((s, i) => {
      const st = new SymbolState(s, i, opts.seed, this.now, hours);
      this.states.push(st);
      this.bySymbol.set(s.info.symbol, st);
    });
  }

  // ---- synchronous reads -------------------------------------------------------------------
  symbols(): SimSymbol[] {
    return this.states.map((s) => ({ ...s.info }));
  }

  /** USDT perpetuals in TRADING whose rolling 24h quote volume is >= threshold, by volume desc. */
  liquid(threshold: number): string[] {
    return this.states
      .filter((s) => s.info.usdtPerpetual)
      .map((s) => [s.info.symbol, s.quoteVolume24h(this.now)] as const)
      .filter(([, v]) => v >= threshold)
      .sort((a, b) => b[1] - a[1])
      .map(([sym]) => sym);
  }

  has(symbol: string): boolean {
    return this.bySymbol.has(symbol);
  }

  state(symbol: string): SymbolState {
    const st = this.bySymbol.get(symbol);
    if (!st) throw new SimError('SIM_UNKNOWN_SYMBOL', `unknown symbol ${symbol}`);
    return st;
  }

  all(): readonly SymbolState[] {
    return this.states;
  }

  openInterest(symbol: string): number {
    return this.state(symbol).oi;
  }

  markPrice(symbol: string): number {
    return this.state(symbol).markPrice();
  }

  lastPrice(symbol: string): number {
    return this.state(symbol).price;
  }

  quoteVolume24h(symbol: string): number {
    return this.state(symbol).quoteVolume24h(this.now);
  }

  /** Quote volume of the live 1h candle and of the previous (closed) one. */
  hourVolumes(symbol: string): { current: number; previous: number | null } {
    const st = this.state(symbol);
    return { current: st.cur.q, previous: st.hist.q[st.hist.q.length - 1] ?? null };
  }

  // ---- control -----------------------------------------------------------------------------
  setQuoteVolume24h(symbol: string, v: number): void {
    if (!(v >= 0) || !Number.isFinite(v))
      throw new SimError('SIM_INVALID_ARGUMENT', 'quoteVolume24h must be a finite number >= 0');
    const st = this.state(symbol);
    st.setQuoteVolume24h(v, this.now);
    if (st.pin) st.pin.q = st.cur.q;
    this.bridgeCache.clear();
  }

  /**
   * Moves OI by changePct (e.g. -8 for a drop) linearly over rampSec (0 = at once), on any symbol that
   * trades, whatever its volume rank. Like on the exchange, the move is made by trades: every tick of the
   * ramp (or the instant jump) trades |ΔOI| contracts on top of the symbol's usual flow, so the kline and
   * ticker volumes show the burst.
   */
  moveOpenInterest(symbol: string, changePct: number, rampSec: number): void {
    if (!Number.isFinite(changePct) || changePct <= -100)
      throw new SimError('SIM_INVALID_ARGUMENT', 'changePct must be a number > -100');
    if (!Number.isFinite(rampSec) || rampSec < 0)
      throw new SimError('SIM_INVALID_ARGUMENT', 'rampSec must be a number >= 0');
    const st = this.state(symbol);
    if (!st.ticking)
      throw new SimError(
        'SIM_INVALID_ARGUMENT',
        `${symbol} is ${st.info.status}: nothing trades, so its OI cannot move`,
      );
    const to = st.oi * (1 + changePct / 100);
    if (rampSec === 0) {
      st.tradeContracts(Math.abs(to - st.oi));
      st.oi = to;
      st.oiBase = to;
      st.ramp = null;
    } else {
      st.ramp = { t0: this.now, t1: this.now + rampSec * 1000, from: st.oi, to };
    }
  }

  /** The live 1h candle's quote volume becomes ratio × the previous candle's, and stays there for the hour. */
  spikeVolume(symbol: string, ratio: number): void {
    if (!Number.isFinite(ratio) || ratio < 0) throw new SimError('SIM_INVALID_ARGUMENT', 'ratio must be a number >= 0');
    const st = this.state(symbol);
    const prev = st.hist.q[st.hist.q.length - 1] ?? 0;
    const target = ratio * prev;
    if (st.cur.q > 0) st.scaleCurrentHour(target / st.cur.q);
    else st.addVolume(target);
    st.pin = { t: st.cur.t, q: target };
    st.changed = true;
  }

  setPrice(symbol: string, price: number): void {
    if (!Number.isFinite(price) || price <= 0) throw new SimError('SIM_INVALID_ARGUMENT', 'price must be a number > 0');
    const st = this.state(symbol);
    st.setLast(price);
    st.markBasis = 0;
    st.indexBasis = 0;
  }

  // ---- time --------------------------------------------------------------------------------
  tick(now: number): void {
    if (now <= this.now) return;
    const prev = this.now;
    this.now = now;
    for (const st of this.states) st.tick(prev, now, this.rng);
    if (this.lively) this.livelyEvents((now - prev) / 1000);
  }

  /** Occasional OI ramps (about every 20 s) and volume spikes (about every 45 s) on liquid symbols. */
  private livelyEvents(dtSec: number): void {
    const pick = (): SymbolState | null => {
      const candidates = this.states.filter((s) => s.info.usdtPerpetual && s.dailyQuote >= 4e6);
      return candidates[this.rng.int(candidates.length)] ?? null;
    };
    if (this.rng.next() < dtSec / 20) {
      const st = pick();
      if (st && !st.ramp) {
        const pct = (this.rng.next() < 0.5 ? -1 : 1) * this.rng.range(4, 15);
        this.moveOpenInterest(st.info.symbol, pct, this.rng.range(30, 180));
      }
    }
    if (this.rng.next() < dtSec / 45) {
      const st = pick();
      if (st && st.lastLivelyHour !== st.cur.t) {
        st.lastLivelyHour = st.cur.t;
        this.spikeVolume(st.info.symbol, this.rng.range(3, 8));
      }
    }
  }

  // ---- history queries ---------------------------------------------------------------------
  private minuteAt(st: SymbolState, t: number): Candle | null {
    if (t === st.curMin.t) return st.curMin;
    if (t > st.curMin.t) return null;
    const first = st.minutes[0];
    if (first && t >= first.t) return st.minutes[(t - first.t) / MINUTE_MS] ?? null;
    const hour = Math.floor(t / HOUR_MS) * HOUR_MS;
    const key = `${st.idx}:${hour}`;
    let mins = this.bridgeCache.get(key);
    if (!mins) {
      const b = st.bridgedHour(hour);
      if (!b) return null;
      mins = b;
      if (this.bridgeCache.size >= 256) {
        const oldest = this.bridgeCache.keys().next().value;
        if (oldest !== undefined) this.bridgeCache.delete(oldest);
      }
      this.bridgeCache.set(key, mins);
    }
    return mins[(t - hour) / MINUTE_MS] ?? null;
  }

  /** Candles of `intervalMs` with Binance's startTime/endTime/limit semantics; last = still open. */
  klines(symbol: string, intervalMs: number, q: RangeQuery): Candle[] {
    const st = this.state(symbol);
    const base = intervalMs < HOUR_MS ? MINUTE_MS : HOUR_MS;
    const earliest = Math.ceil(st.histStart / intervalMs) * intervalMs;
    const latest = Math.floor(st.curMin.t / intervalMs) * intervalMs;
    let from: number;
    let to: number;
    if (q.startTime !== undefined) {
      from = Math.max(earliest, Math.ceil(q.startTime / intervalMs) * intervalMs);
      to = Math.min(latest, q.endTime !== undefined ? Math.floor(q.endTime / intervalMs) * intervalMs : latest);
      to = Math.min(to, from + (q.limit - 1) * intervalMs);
    } else {
      to = Math.min(latest, q.endTime !== undefined ? Math.floor(q.endTime / intervalMs) * intervalMs : latest);
      from = Math.max(earliest, to - (q.limit - 1) * intervalMs);
    }
    const out: Candle[] = [];
    for (let t = from; t <= to; t += intervalMs) {
      const parts: Candle[] = [];
      for (let b = t; b < t + intervalMs; b += base) {
        const c = base === MINUTE_MS ? this.minuteAt(st, b) : st.hourAt(b);
        if (c) parts.push(c);
      }
      const agg = aggregate(t, parts);
      if (agg) out.push(agg);
    }
    return out;
  }

  private oiAt(st: SymbolState, t: number, generated: number[]): OiPoint | null {
    if (t > st.oiAnchorT) {
      const i = (t - st.markT0) / FIVE_MIN_MS;
      const oi = st.markOi[i];
      const price = st.markPx[i];
      return oi !== undefined && price !== undefined ? { t, oi, price } : null;
    }
    const k = (st.oiAnchorT - t) / FIVE_MIN_MS;
    const oi = generated[k];
    if (oi === undefined) return null;
    const hour = st.hourAt(Math.floor(t / HOUR_MS) * HOUR_MS);
    const frac = (t % HOUR_MS) / HOUR_MS;
    const price = hour ? hour.o + (hour.c - hour.o) * frac : st.oiAnchorPrice;
    return { t, oi, price: k === 0 ? st.oiAnchorPrice : price };
  }

  /** OI at period boundaries (5-minute resolution), the last 30 days, consistent with the live OI. */
  oiHistory(symbol: string, periodMs: number, q: RangeQuery): OiPoint[] {
    const st = this.state(symbol);
    const latestMark = st.lastMarkT();
    const latest = Math.floor(latestMark / periodMs) * periodMs;
    const earliest = Math.ceil((latestMark - OI_HISTORY_MS) / periodMs) * periodMs;
    let from: number;
    let to: number;
    if (q.startTime !== undefined) {
      from = Math.max(earliest, Math.ceil(q.startTime / periodMs) * periodMs);
      to = Math.min(latest, q.endTime !== undefined ? Math.floor(q.endTime / periodMs) * periodMs : latest);
      to = Math.min(to, from + (q.limit - 1) * periodMs);
    } else {
      to = Math.min(latest, q.endTime !== undefined ? Math.floor(q.endTime / periodMs) * periodMs : latest);
      from = Math.max(earliest, to - (q.limit - 1) * periodMs);
    }
    if (from > to) return [];
    // generated history backwards from the anchor (deterministic per seed and symbol)
    const generated: number[] = [st.oiAnchor];
    const needK = Math.max(0, (st.oiAnchorT - from) / FIVE_MIN_MS);
    if (needK > 0) {
      const rng = new Rng(hash32(this.seed, st.idx, 3));
      let x = st.oiAnchor;
      for (let k = 1; k <= needK; k++) {
        x = x * Math.exp(rng.normal() * 0.004);
        x += (st.oiAnchor - x) * 0.005;
        generated.push(x);
      }
    }
    const out: OiPoint[] = [];
    for (let t = from; t <= to; t += periodMs) {
      const p = this.oiAt(st, t, generated);
      if (p) out.push(p);
    }
    return out;
  }

  /** The rolling 24h statistics of a symbol (for ticker/24hr and !ticker@arr). */
  stats24h(st: SymbolState): {
    open: number;
    high: number;
    low: number;
    volume: number;
    quoteVolume: number;
    count: number;
    openTime: number;
  } {
    const now = this.now;
    const n = st.hist.q.length;
    const frac = Math.min(1, Math.max(0, (now - st.cur.t) / HOUR_MS));
    const a = st.last23();
    const old = st.histCandle(n - 24);
    let high = Math.max(a.h, st.cur.h);
    let low = Math.min(a.l, st.cur.l);
    let volume = a.v + st.cur.v;
    let count = a.n + st.cur.n;
    if (old && frac < 1) {
      high = Math.max(high, old.h);
      low = Math.min(low, old.l);
      volume += old.v * (1 - frac);
      count += Math.round(old.n * (1 - frac));
    }
    const open = old ? old.o + (old.c - old.o) * frac : st.cur.o;
    return { open, high, low, volume, quoteVolume: st.quoteVolume24h(now), count, openTime: now - 24 * HOUR_MS };
  }
}
