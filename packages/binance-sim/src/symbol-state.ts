// One symbol's live state: price random walk, open interest (with ramps), the live 1h/1m candles,
// the hourly history generated backwards from the start price, and the 5-minute OI marks.
import { HOUR_MS, MINUTE_MS, bridgeMinutes, flatCandle } from './candles.js';
import type { Candle } from './candles.js';
import { Rng, hash32 } from './rng.js';
import type { SimSymbol, SymbolSeed } from './universe.js';

export const FIVE_MIN_MS = 300_000;
/** completed hours whose live minute candles are kept (older minutes are re-derived from their hour) */
const RECORDED_HOURS = 1;
/** live 5-minute OI marks kept: 3 days (older live points are not served) */
const MAX_OI_MARKS = 864;

export interface OiRamp {
  t0: number;
  t1: number;
  from: number;
  to: number;
}

export class SymbolState {
  readonly info: SimSymbol;
  readonly idx: number;
  readonly ticking: boolean;
  dailyQuote: number;
  readonly dailyVol: number;
  readonly tradeSize: number;
  readonly activity: number;
  price: number;
  markBasis = 0;
  indexBasis = 0;
  fundingRate: number;
  oi: number;
  oiBase: number;
  ramp: OiRamp | null = null;
  /** open time of hist[0] */
  readonly histStart: number;
  readonly hist: { o: number[]; h: number[]; l: number[]; c: number[]; q: number[] } = {
    o: [],
    h: [],
    l: [],
    c: [],
    q: [],
  };
  cur: Candle;
  curMin: Candle;
  /** completed live minutes, contiguous, oldest first */
  minutes: Candle[] = [];
  /** quote volume of the current hour pinned by spikeVolume (hour open time) */
  pin: { t: number; q: number } | null = null;
  tradeId: number;
  /** 5-minute OI marks recorded live, contiguous from markT0, oldest first (packed number arrays) */
  markT0 = 0;
  readonly markOi: number[] = [];
  readonly markPx: number[] = [];
  /** 5-minute boundary at or before the start: the anchor of the generated OI history */
  readonly oiAnchorT: number;
  readonly oiAnchor: number;
  readonly oiAnchorPrice: number;
  changed = true;
  /** bumped on every change of price or volume (the WS kline streams send on change) */
  version = 0;
  lastLivelyHour = 0;
  /** contracts (base units) traded since the start, live only: |ΔOI| over any span never exceeds its growth */
  tradedContracts = 0;
  private agg: { len: number; q: number; v: number; n: number; h: number; l: number } | null = null;

  constructor(
    seed: SymbolSeed,
    idx: number,
    private readonly marketSeed: number,
    now: number,
    historyHours: number,
  ) {
    this.info = seed.info;
    this.idx = idx;
    this.ticking = seed.info.status !== 'PENDING_TRADING' && seed.info.status !== 'CLOSE';
    this.dailyQuote = seed.dailyQuote;
    this.dailyVol = seed.dailyVol;
    this.fundingRate = seed.fundingRate;
    this.activity = Math.min(1, Math.max(0.05, seed.dailyQuote / 2e7));
    const rng = new Rng(hash32(marketSeed, idx, 2));
    this.tradeSize = Math.max(20, seed.dailyQuote / 2e6 + rng.range(50, 400));
    this.tradeId = Math.floor(rng.range(1e6, 5e9));
    // Hourly history backwards from the seeded price: hist[H-1] closes at the start hour's open.
    const anchorHour = Math.floor(now / HOUR_MS) * HOUR_MS;
    this.histStart = anchorHour - historyHours * HOUR_MS;
    const hourVol = this.dailyVol / Math.sqrt(24);
    const o: number[] = new Array<number>(historyHours);
    const h: number[] = new Array<number>(historyHours);
    const l: number[] = new Array<number>(historyHours);
    const c: number[] = new Array<number>(historyHours);
    const q: number[] = new Array<number>(historyHours);
    let close = seed.price;
    for (let k = historyHours - 1; k >= 0; k--) {
      const open = close / Math.exp(rng.normal() * hourVol);
      c[k] = close;
      o[k] = open;
      h[k] = Math.max(open, close) * (1 + Math.abs(rng.normal()) * hourVol * 0.5);
      l[k] = Math.min(open, close) * (1 - Math.abs(rng.normal()) * hourVol * 0.5);
      q[k] = (seed.dailyQuote / 24) * Math.exp(0.35 * rng.normal() - 0.06);
      close = open;
    }
    this.hist = { o, h, l, c, q };
    // The part of the current hour before the start: recorded minutes from a forward walk.
    this.price = seed.price;
    this.cur = flatCandle(anchorHour, seed.price);
    const minuteVol = this.dailyVol / Math.sqrt(1440);
    const nowMinute = Math.floor(now / MINUTE_MS) * MINUTE_MS;
    for (let t = anchorHour; t < nowMinute; t += MINUTE_MS) {
      const m = flatCandle(t, this.price);
      if (this.ticking) {
        this.price *= Math.exp(rng.normal() * minuteVol);
        m.c = this.price;
        m.h = Math.max(m.o, m.c) * (1 + Math.abs(rng.normal()) * minuteVol * 0.3);
        m.l = Math.min(m.o, m.c) * (1 - Math.abs(rng.normal()) * minuteVol * 0.3);
        m.q = (seed.dailyQuote / 1440) * Math.exp(0.5 * rng.normal() - 0.125);
        m.v = m.q / ((m.o + m.c) / 2);
        m.n = Math.round(m.q / this.tradeSize);
      }
      this.minutes.push(m);
      this.addToHour(m);
    }
    this.curMin = flatCandle(nowMinute, this.price);
    this.oi = seed.oiUsd / seed.price;
    this.oiBase = this.oi;
    this.oiAnchorT = Math.floor(now / FIVE_MIN_MS) * FIVE_MIN_MS;
    this.oiAnchor = this.oi;
    this.oiAnchorPrice = this.price;
  }

  private addToHour(m: Candle): void {
    const cur = this.cur;
    cur.h = Math.max(cur.h, m.h);
    cur.l = Math.min(cur.l, m.l);
    cur.c = m.c;
    cur.q += m.q;
    cur.v += m.v;
    cur.n += m.n;
  }

  private rollTo(now: number): void {
    const minute = Math.floor(now / MINUTE_MS) * MINUTE_MS;
    while (this.curMin.t < minute) {
      this.minutes.push(this.curMin);
      const t = this.curMin.t + MINUTE_MS;
      this.curMin = flatCandle(t, this.price);
      if (t % HOUR_MS === 0) {
        // keep whole hours only (this one and the previous), so an hour is either recorded or bridged
        const keepFrom = t - RECORDED_HOURS * HOUR_MS;
        let drop = 0;
        while ((this.minutes[drop]?.t ?? Infinity) < keepFrom) drop++;
        if (drop > 0) this.minutes.splice(0, drop);
        const cur = this.cur;
        this.hist.o.push(cur.o);
        this.hist.h.push(cur.h);
        this.hist.l.push(cur.l);
        this.hist.c.push(cur.c);
        this.hist.q.push(cur.q);
        this.cur = flatCandle(t, this.price);
        this.pin = null;
      }
    }
  }

  /** Advances the walk from `prev` to `now`; `rng` is the market's live stream. */
  tick(prev: number, now: number, rng: Rng): void {
    if (!this.ticking) {
      this.rollTo(now);
      return;
    }
    this.recordOiMarks(now);
    this.rollTo(now);
    const dtSec = Math.max(0, (now - prev) / 1000);
    const traded = this.trade(dtSec, rng);
    this.markBasis = this.markBasis * 0.95 + rng.normal() * 0.00005;
    this.indexBasis = this.indexBasis * 0.95 + rng.normal() * 0.00003;
    this.fundingRate = Math.max(-0.003, Math.min(0.003, this.fundingRate + rng.normal() * 0.0000005));
    if (this.ramp) this.advanceRamp(now);
    else this.driftOi(dtSec, traded, rng);
  }

  private recordOiMarks(now: number): void {
    const boundary = Math.floor(now / FIVE_MIN_MS) * FIVE_MIN_MS;
    for (let t = this.lastMarkT() + FIVE_MIN_MS; t <= boundary; t += FIVE_MIN_MS) {
      if (this.markOi.length === 0) this.markT0 = t;
      this.markOi.push(this.oi);
      this.markPx.push(this.price);
      if (this.markOi.length > MAX_OI_MARKS) {
        this.markOi.shift();
        this.markPx.shift();
        this.markT0 += FIVE_MIN_MS;
      }
    }
  }

  /** The usual flow of trades for `dtSec` (at the symbol's 24h level); returns the contracts traded. */
  private trade(dtSec: number, rng: Rng): number {
    const pTrade = 1 - Math.exp(-this.activity * dtSec * 4);
    if (!(rng.next() < pTrade)) return 0;
    const secVol = this.dailyVol / Math.sqrt(86400);
    this.setLast(this.price * Math.exp(rng.normal() * secVol * Math.sqrt(dtSec / pTrade)));
    this.changed = true;
    // a pinned hour (spikeVolume) keeps its volume: nothing is counted as traded, so OI holds still too
    if (this.pin) return 0;
    const q = ((this.dailyQuote / 86400) * dtSec * Math.exp(0.6 * rng.normal() - 0.18)) / pTrade;
    this.addVolume(q);
    return q / this.price;
  }

  /**
   * Background OI walk with reversion to its level. Open interest only changes when contracts trade, so the
   * step is clamped to the contracts traded in this tick: a tick without trades leaves OI where it was.
   */
  private driftOi(dtSec: number, traded: number, rng: Rng): void {
    const walked = this.oi * Math.exp(rng.normal() * 0.00007 * Math.sqrt(dtSec));
    const wanted = walked + (this.oiBase - walked) * Math.min(1, dtSec / 3600) - this.oi;
    this.oi += Math.max(-traded, Math.min(traded, wanted));
  }

  /** An injected move (POST /__sim/oi): new positions opened or closed, i.e. |ΔOI| contracts traded on top. */
  private advanceRamp(now: number): void {
    const r = this.ramp;
    if (!r) return;
    const before = this.oi;
    if (now >= r.t1) {
      this.oi = r.to;
      this.oiBase = r.to;
      this.ramp = null;
    } else {
      this.oi = r.from + ((r.to - r.from) * (now - r.t0)) / (r.t1 - r.t0);
    }
    this.tradeContracts(Math.abs(this.oi - before));
  }

  /** Trades `contracts` at the last price (no-op for 0): kline v/q/n, the 24h ticker and trade ids follow. */
  tradeContracts(contracts: number): void {
    if (contracts > 0) this.addVolume(contracts * this.price);
  }

  /** Time of the newest 5-minute OI point (live mark, or the start anchor). */
  lastMarkT(): number {
    return this.markOi.length > 0 ? this.markT0 + (this.markOi.length - 1) * FIVE_MIN_MS : this.oiAnchorT;
  }

  setLast(price: number): void {
    this.price = price;
    for (const c of [this.curMin, this.cur]) {
      c.c = price;
      if (price > c.h) c.h = price;
      if (price < c.l) c.l = price;
    }
    this.changed = true;
    this.version++;
  }

  addVolume(q: number): void {
    const v = q / this.price;
    this.tradedContracts += v;
    const n = Math.max(1, Math.round(q / this.tradeSize));
    for (const c of [this.curMin, this.cur]) {
      c.q += q;
      c.v += v;
      c.n += n;
    }
    this.tradeId += n;
    this.changed = true;
    this.version++;
  }

  /** Multiplies the current hour's volume (and its recorded minutes) by f. */
  scaleCurrentHour(f: number): void {
    for (const m of this.minutes) {
      if (m.t >= this.cur.t) {
        m.q *= f;
        m.v *= f;
        m.n = Math.round(m.n * f);
      }
    }
    for (const c of [this.curMin, this.cur]) {
      c.q *= f;
      c.v *= f;
      c.n = Math.round(c.n * f);
    }
    this.version++;
  }

  nextFundingTime(now: number): number {
    const eight = 8 * HOUR_MS;
    return Math.floor(now / eight) * eight + eight;
  }

  markPrice(): number {
    return this.price * (1 + this.markBasis);
  }

  indexPrice(): number {
    return this.price * (1 + this.indexBasis);
  }

  histCandle(k: number): Candle | null {
    const o = this.hist.o[k];
    const h = this.hist.h[k];
    const l = this.hist.l[k];
    const c = this.hist.c[k];
    const q = this.hist.q[k];
    if (o === undefined || h === undefined || l === undefined || c === undefined || q === undefined) return null;
    return {
      t: this.histStart + k * HOUR_MS,
      o,
      h,
      l,
      c,
      q,
      v: q / ((h + l + c) / 3),
      n: Math.round(q / this.tradeSize),
    };
  }

  hourAt(t: number): Candle | null {
    if (t === this.cur.t) return this.cur;
    if (t < this.histStart || t > this.cur.t) return null;
    return this.histCandle((t - this.histStart) / HOUR_MS);
  }

  /** Minutes of a completed hour that were not recorded live, derived deterministically. */
  bridgedHour(t: number): Candle[] | null {
    const hour = this.hourAt(t);
    if (!hour || t === this.cur.t) return null;
    const rng = new Rng(hash32(this.marketSeed, this.idx, t / MINUTE_MS));
    return bridgeMinutes(hour, rng, this.dailyVol / Math.sqrt(1440), this.tradeSize);
  }

  /** Sums over the last 23 complete hours (recomputed when an hour closes or volumes are rescaled). */
  last23(): { len: number; q: number; v: number; n: number; h: number; l: number } {
    const len = this.hist.q.length;
    if (this.agg?.len === len) return this.agg;
    const a = { len, q: 0, v: 0, n: 0, h: -Infinity, l: Infinity };
    for (let k = Math.max(0, len - 23); k < len; k++) {
      const c = this.histCandle(k);
      if (!c) continue;
      a.q += c.q;
      a.v += c.v;
      a.n += c.n;
      if (c.h > a.h) a.h = c.h;
      if (c.l < a.l) a.l = c.l;
    }
    this.agg = a;
    return a;
  }

  /** 24h rolling quote volume: 23 full hours, the live hour, and the uncovered part of the hour 24 ago. */
  quoteVolume24h(now: number): number {
    const n = this.hist.q.length;
    const frac = Math.min(1, Math.max(0, (now - this.cur.t) / HOUR_MS));
    return this.last23().q + this.cur.q + (this.hist.q[n - 24] ?? 0) * (1 - frac);
  }

  /** Sets the rolling 24h quote volume by scaling the last 24 hours (and the volume level). */
  setQuoteVolume24h(target: number, now: number): void {
    const current = this.quoteVolume24h(now);
    const n = this.hist.q.length;
    if (current <= 0) {
      for (let k = Math.max(0, n - 24); k < n; k++) this.hist.q[k] = target / 24;
      this.agg = null;
      this.cur.q = 0;
      this.dailyQuote = target;
      return;
    }
    this.agg = null;
    const f = target / current;
    for (let k = Math.max(0, n - 24); k < n; k++) this.hist.q[k] = (this.hist.q[k] ?? 0) * f;
    this.scaleCurrentHour(f);
    this.dailyQuote *= f;
    this.changed = true;
  }
}
