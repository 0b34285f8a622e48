import { HOUR_MS } from '@volspike/oi-core';
import type { Kline } from '@volspike/binance-client';

interface StoredCandle {
  k: Kline;
  /** the candle's final values (stream `x:true`, or REST asked after its close) */
  final: boolean;
  /** when we received this version (epoch ms) */
  at: number;
}

/** Newer content of the same candle: cumulative counters only grow while a candle is open. */
function isNewer(a: Kline, b: Kline): boolean {
  if (a.trades !== b.trades) return a.trades > b.trades;
  if (a.quoteVolume !== b.quoteVolume) return a.quoteVolume > b.quoteVolume;
  return a.closeTime >= b.closeTime;
}

/**
 * The last few hourly candles per symbol, fed by the kline stream and REST. A final candle is never
 * replaced by a non-final one; an open candle is replaced only by newer content (a REST answer that was
 * in flight while the stream moved on cannot roll a candle back).
 */
export class KlineStore {
  private readonly bySymbol = new Map<string, Map<number, StoredCandle>>();
  private readonly lastEventAt = new Map<string, number>();

  put(symbol: string, k: Kline, final: boolean, at: number, fromStream: boolean): void {
    let m = this.bySymbol.get(symbol);
    if (!m) {
      m = new Map();
      this.bySymbol.set(symbol, m);
    }
    if (fromStream) this.lastEventAt.set(symbol, at);
    const cur = m.get(k.openTime);
    if (cur) {
      if (cur.final && !final) return;
      if (!final && !isNewer(k, cur.k)) return;
    }
    m.set(k.openTime, { k, final, at });
    if (m.size > 4) {
      const oldest = Math.min(...m.keys());
      m.delete(oldest);
    }
  }

  /** A final candle of that hour, or null. */
  final(symbol: string, openTime: number): Kline | null {
    const c = this.bySymbol.get(symbol)?.get(openTime);
    return c?.final ? c.k : null;
  }

  /** The candle of that hour if received at or after `since` (or final), else null. */
  current(symbol: string, openTime: number, since: number): Kline | null {
    const c = this.bySymbol.get(symbol)?.get(openTime);
    if (!c) return null;
    return c.final || c.at >= since ? c.k : null;
  }

  lastStreamEventAt(symbol: string): number | null {
    return this.lastEventAt.get(symbol) ?? null;
  }

  has(symbol: string): boolean {
    return this.bySymbol.has(symbol);
  }

  delete(symbol: string): void {
    this.bySymbol.delete(symbol);
    this.lastEventAt.delete(symbol);
  }

  /**
   * The legacy pair from stored candles for cycle time `t`, or null when the store cannot answer exactly:
   * - hh:00 → the last two CLOSED hours (H−2, H−1), both final;
   * - otherwise → the last closed hour (H−1, final) and the open one (H), seen since `since`.
   */
  pair(symbol: string, t: number, atTopOfHour: boolean, since: number): { prev: Kline; curr: Kline } | null {
    const h = Math.floor(t / HOUR_MS) * HOUR_MS;
    if (atTopOfHour) {
      const prev = this.final(symbol, h - 2 * HOUR_MS);
      const curr = this.final(symbol, h - HOUR_MS);
      return prev && curr ? { prev, curr } : null;
    }
    const prev = this.final(symbol, h - HOUR_MS);
    const curr = this.current(symbol, h, since);
    return prev && curr ? { prev, curr } : null;
  }
}
