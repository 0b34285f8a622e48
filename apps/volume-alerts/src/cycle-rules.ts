// Pure rules of this app that oi-core does not hold: the cycle schedule with catch-up, the legacy symbol
// filter, the "as of then" hourly candle for replay, idempotency keys and the 5-minute OI snapshot body.
import { FIVE_MINUTES_MS, floorToPeriod, isoSeconds } from '@volspike/oi-core';
import type { VolumeAlertKind } from '@volspike/oi-core';

export interface CyclePlan {
  /** the 5-minute boundary the next cycle is for (its cycle time) */
  slot: number;
  /** how long to wait before starting it (0 = now) */
  delayMs: number;
  /** boundaries that will never run (only when a cycle overran more than one period) */
  skipped: number;
}

/**
 * Which boundary runs next. `lastSlot` = the boundary of the last cycle that ran (null: never ran, e.g.
 * a fresh install). A boundary that has passed but not run yet (a cycle that overran, a restart a minute
 * after hh:00) runs at once with its own boundary as the cycle time, so the exact-minute rules (:00
 * FULL_UPDATE, :30 HALF_UPDATE) still fire — legacy defect §6.3 skipped them. Only the newest passed
 * boundary is caught up; older ones are counted in `skipped`.
 */
export function planNextCycle(p: { now: number; lastSlot: number | null; periodMs?: number }): CyclePlan {
  const period = p.periodMs ?? FIVE_MINUTES_MS;
  const latest = floorToPeriod(p.now, period);
  if (p.lastSlot === null || latest <= p.lastSlot) {
    const slot =
      p.lastSlot === null
        ? p.now === latest
          ? latest
          : latest + period
        : Math.max(p.lastSlot + period, latest + period);
    return { slot, delayMs: slot - p.now, skipped: 0 };
  }
  return { slot: latest, delayMs: 0, skipped: Math.max(0, Math.round((latest - p.lastSlot) / period) - 1) };
}

export interface LegacySymbolInfo {
  symbol: string;
  contractType: string;
  quoteAsset: string;
  status: string;
}

/** Legacy universe: contractType PERPETUAL, quoteAsset USDT, status TRADING — in exchangeInfo order. */
export function legacyPerpetualSymbols(symbols: readonly LegacySymbolInfo[]): string[] {
  return symbols
    .filter((s) => s.contractType === 'PERPETUAL' && s.quoteAsset === 'USDT' && s.status === 'TRADING')
    .map((s) => s.symbol);
}

export interface CandleLike {
  openTime: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  closeTime: number;
  quoteVolume: number;
  trades: number;
}

/** Sum of decimal amounts, rounded to 8 decimals (Binance's precision) so float noise does not leak. */
function decimalSum(values: readonly number[]): number {
  let s = 0;
  for (const v of values) s += v;
  return Number(s.toFixed(8));
}

/**
 * The hourly candle as it stood at `asOf` (replay of a past cycle), from its 1-minute candles that opened
 * before `asOf`: open of the hour, close of the last minute, summed volumes. Null when no minute traded
 * data exists (the caller keeps the hourly candle).
 */
export function candleAsOf<K extends CandleLike>(hour: K, minutes: readonly CandleLike[], asOf: number): K | null {
  const inside = minutes
    .filter((m) => m.openTime >= hour.openTime && m.openTime < asOf && m.openTime <= hour.closeTime)
    .sort((a, b) => a.openTime - b.openTime);
  const last = inside[inside.length - 1];
  if (!last) return null;
  return {
    ...hour,
    close: last.close,
    high: Math.max(...inside.map((m) => m.high)),
    low: Math.min(...inside.map((m) => m.low)),
    volume: decimalSum(inside.map((m) => m.volume)),
    quoteVolume: decimalSum(inside.map((m) => m.quoteVolume)),
    trades: inside.reduce((n, m) => n + m.trades, 0),
  };
}

/** One alert = (symbol, kind, compared hour): at most one of each per hour by the legacy rules. */
export function volumeAlertKey(p: {
  target: string;
  symbol: string;
  alertType: VolumeAlertKind;
  hourTimestamp: string;
}): string {
  return `volume-alerts:${p.target}:${p.symbol}:${p.alertType}:${p.hourTimestamp}`;
}

export function oiSnapshotKey(p: { target: string; cycleTime: number }): string {
  return `volume-alerts:${p.target}:oi-snapshot:${isoSeconds(p.cycleTime)}`;
}

export interface OiSnapshotItem {
  symbol: string;
  openInterest: number;
  openInterestUsd: number | null;
  markPrice: number | null;
}

export interface OiSnapshotBody {
  data: OiSnapshotItem[];
  timestamp: string;
  totalSymbols: number;
}

/**
 * The 5-minute snapshot body (docs/legacy-contracts.md §4.2) with NO `source`, so the backend stores `snapshot`.
 * A missing or non-positive mark price is null and so is the USD value (never 0, defect §6.6).
 * Null when there is nothing to post (legacy posts nothing).
 */
export function oiSnapshotBody(p: {
  cycleTime: number;
  items: readonly { symbol: string; openInterest: number; markPrice: number | null | undefined }[];
}): OiSnapshotBody | null {
  const data: OiSnapshotItem[] = [];
  for (const it of p.items) {
    if (!Number.isFinite(it.openInterest)) continue;
    const mark =
      typeof it.markPrice === 'number' && Number.isFinite(it.markPrice) && it.markPrice > 0 ? it.markPrice : null;
    data.push({
      symbol: it.symbol,
      openInterest: it.openInterest,
      openInterestUsd: mark === null ? null : it.openInterest * mark,
      markPrice: mark,
    });
  }
  if (data.length === 0) return null;
  return { data, timestamp: isoSeconds(p.cycleTime), totalSymbols: data.length };
}
