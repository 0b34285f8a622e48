// Candle helpers: intervals, aggregation, and the deterministic Brownian bridge that fills the
// minutes of an hour that was not recorded live (so 1m/5m history is continuous with the 1h candles).
import type { Rng } from './rng.js';

export interface Candle {
  t: number;
  o: number;
  h: number;
  l: number;
  c: number;
  /** base-asset volume */
  v: number;
  /** quote-asset (USDT) volume */
  q: number;
  n: number;
}

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;

/** Kline intervals the sim serves (Binance also has 3d, 1w, 1M: answered with -1120 here). */
export const INTERVAL_MS: Record<string, number> = {
  '1m': MINUTE_MS,
  '3m': 3 * MINUTE_MS,
  '5m': 5 * MINUTE_MS,
  '15m': 15 * MINUTE_MS,
  '30m': 30 * MINUTE_MS,
  '1h': HOUR_MS,
  '2h': 2 * HOUR_MS,
  '4h': 4 * HOUR_MS,
  '6h': 6 * HOUR_MS,
  '8h': 8 * HOUR_MS,
  '12h': 12 * HOUR_MS,
  '1d': 24 * HOUR_MS,
};

export function flatCandle(t: number, price: number): Candle {
  return { t, o: price, h: price, l: price, c: price, v: 0, q: 0, n: 0 };
}

export function aggregate(t: number, parts: Candle[]): Candle | null {
  const first = parts[0];
  const last = parts[parts.length - 1];
  if (!first || !last) return null;
  const out: Candle = { t, o: first.o, h: first.h, l: first.l, c: last.c, v: 0, q: 0, n: 0 };
  for (const p of parts) {
    if (p.h > out.h) out.h = p.h;
    if (p.l < out.l) out.l = p.l;
    out.v += p.v;
    out.q += p.q;
    out.n += p.n;
  }
  return out;
}

/**
 * 60 minute candles from `hour` whose first open is hour.o, last close hour.c, extremes exactly
 * hour.h / hour.l and quote volumes summing to hour.q.
 */
export function bridgeMinutes(hour: Candle, rng: Rng, minuteLogVol: number, tradeSize: number): Candle[] {
  const steps = 60;
  const lo = Math.log(hour.o);
  const lc = Math.log(hour.c);
  const w: number[] = [0];
  for (let j = 1; j <= steps; j++) w.push((w[j - 1] ?? 0) + rng.normal() * minuteLogVol);
  const wEnd = w[steps] ?? 0;
  const p: number[] = [];
  for (let j = 0; j <= steps; j++) {
    const x = Math.exp(lo + ((lc - lo) * j) / steps + (w[j] ?? 0) - (wEnd * j) / steps);
    p.push(Math.min(hour.h, Math.max(hour.l, x)));
  }
  p[0] = hour.o;
  p[steps] = hour.c;
  const weights: number[] = [];
  let sumW = 0;
  for (let j = 0; j < steps; j++) {
    const x = Math.exp(0.5 * rng.normal());
    weights.push(x);
    sumW += x;
  }
  const out: Candle[] = [];
  let hiIdx = 0;
  let loIdx = 0;
  for (let j = 0; j < steps; j++) {
    const o = p[j] ?? hour.o;
    const c = p[j + 1] ?? hour.c;
    const h = Math.min(hour.h, Math.max(o, c) * (1 + Math.abs(rng.normal()) * minuteLogVol * 0.3));
    const l = Math.max(hour.l, Math.min(o, c) * (1 - Math.abs(rng.normal()) * minuteLogVol * 0.3));
    const q = (hour.q * (weights[j] ?? 1)) / sumW;
    out.push({ t: hour.t + j * MINUTE_MS, o, h, l, c, q, v: q / ((o + c) / 2), n: Math.round(q / tradeSize) });
    if (h > (out[hiIdx]?.h ?? 0)) hiIdx = j;
    if (l < (out[loIdx]?.l ?? Infinity)) loIdx = j;
  }
  const hi = out[hiIdx];
  const lw = out[loIdx];
  if (hi) hi.h = hour.h;
  if (lw) lw.l = hour.l;
  return out;
}
