import { pyFixed, pyGroupedFixed } from './py-format.js';
import { HOUR_MS, floorToPeriod, isoSeconds, utcMinute } from './time.js';

/** Legacy constants (docs/legacy-contracts.md §4.1). */
export const VOLUME_MULTIPLE = 3;
export const MIN_QUOTE_VOL = 3_000_000;

/** The kline fields the rules read (structurally compatible with binance-client's `Kline`). */
export interface VolumeKline {
  openTime: number;
  open: number;
  close: number;
  closeTime: number;
  /** quote asset volume (USDT), kline index 7 */
  quoteVolume: number;
}

export type VolumeAlertKind = 'SPIKE' | 'HALF_UPDATE' | 'FULL_UPDATE';
export type CandleDirection = 'bullish' | 'bearish';

/** Per-symbol in-memory state of the legacy script (persist it to survive restarts). */
export interface VolumeSymbolState {
  /** epoch ms of the hour (curr candle's hour) that last produced a SPIKE */
  lastAlertHour?: number;
  /** UTC minute of the scan that produced that SPIKE */
  initialMinute?: number;
}

export const VOLUME_PREFIX: Record<VolumeAlertKind, string> = {
  SPIKE: '',
  HALF_UPDATE: 'HALF-UPDATE: ',
  FULL_UPDATE: 'UPDATE: ',
};

/**
 * Which two candles to compare. `klines` ascending by openTime (as Binance returns them).
 * - at hh:00 (`atTopOfHour`): the last two CLOSED candles (closeTime < now); null when fewer than two;
 * - otherwise: the last two of the list (legacy `limit=2`: prev = last closed, curr = the open candle).
 */
export function selectCandles<K extends VolumeKline>(p: {
  klines: readonly K[];
  now: number;
  atTopOfHour: boolean;
}): { prev: K; curr: K } | null {
  const list = p.atTopOfHour ? p.klines.filter((k) => k.closeTime < p.now) : p.klines;
  if (list.length < 2) return null;
  return { prev: list[list.length - 2] as K, curr: list[list.length - 1] as K };
}

/** Symbol with every occurrence of `USDT` removed. */
export function assetOf(symbol: string): string {
  return symbol.split('USDT').join('');
}

/** Legacy `fmt(v)`: B/M/K with 2 decimals and comma grouping; below 1000, grouped with 0 decimals. Python rounding. */
export function formatVolume(v: number): string {
  if (v >= 1e9) return `${pyGroupedFixed(v / 1e9, 2)}B`;
  if (v >= 1e6) return `${pyGroupedFixed(v / 1e6, 2)}M`;
  if (v >= 1e3) return `${pyGroupedFixed(v / 1e3, 2)}K`;
  return pyGroupedFixed(v, 0);
}

/** Telegram/backend text: `<prefix><ASSET> hourly volume <fmt> (<ratio 2dp>× prev) — VOLUME SPIKE!` */
export function volumeAlertMessage(p: {
  kind: VolumeAlertKind;
  symbol: string;
  currVol: number;
  ratio: number;
}): string {
  return `${VOLUME_PREFIX[p.kind]}${assetOf(p.symbol)} hourly volume ${formatVolume(p.currVol)} (${pyFixed(p.ratio, 2)}\u00d7 prev) \u2014 VOLUME SPIKE!`;
}

const ANSI_ALERT = '\u001b[95;1m';
const ANSI_RESET = '\u001b[0m';

/** Legacy console line (one per symbol per scan). The ANSI wrap covers the whole alert line, emoji included. */
export function volumeConsoleLine(p: {
  symbol: string;
  prevVol: number;
  currVol: number;
  ratio: number;
  kind: VolumeAlertKind | null;
  candleDirection: CandleDirection;
}): string {
  const base = `${p.symbol.padEnd(12)}  prev: ${formatVolume(p.prevVol).padStart(9)}  curr: ${formatVolume(p.currVol).padStart(9)}  (${pyFixed(p.ratio, 2).padStart(5)}\u00d7)`;
  if (p.kind) {
    const emoji = p.candleDirection === 'bullish' ? '\u{1F7E2}' : '\u{1F534}';
    return `${ANSI_ALERT}${base}  \u2190 ${VOLUME_PREFIX[p.kind]}VOLUME SPIKE! ${emoji}${ANSI_RESET}`;
  }
  if (p.ratio >= VOLUME_MULTIPLE && p.currVol < MIN_QUOTE_VOL) return `${base} (ratio hit, volume < min)`;
  return base;
}

export interface VolumeEvaluation {
  symbol: string;
  kind: VolumeAlertKind | null;
  prevVol: number;
  currVol: number;
  /** currVol ÷ prevVol, 0 when prevVol is 0 */
  ratio: number;
  open: number;
  /** curr candle close (sent as `price`) */
  price: number;
  candleDirection: CandleDirection;
  /** (close − open) ÷ open, only when open > 0 */
  priceChange?: number;
  /** curr candle's open time floored to the hour (epoch ms) */
  hourTimestamp: number;
  /** the scan's UTC minute */
  minute: number;
  /** Telegram/backend text when kind is set */
  message: string | null;
  consoleLine: string;
  nextState: VolumeSymbolState;
}

/**
 * Legacy per-symbol rule, docs/legacy-contracts.md §4.1. `now` is the scan time captured once at the start of the scan.
 * SPIKE: ratio ≥ 3 and currVol ≥ 3,000,000 and the curr hour not yet alerted (then state ← {hour, minute}).
 * HALF_UPDATE: already alerted, minute == 30, initialMinute ≤ 20 (missing → 0).
 * FULL_UPDATE: already alerted, minute == 0, initialMinute ≠ 55 (missing → 0). Never both in one scan.
 */
export function evaluateVolumeSymbol(p: {
  symbol: string;
  prev: VolumeKline;
  curr: VolumeKline;
  now: number;
  state: VolumeSymbolState | undefined;
}): VolumeEvaluation {
  const state = p.state ?? {};
  const prevVol = p.prev.quoteVolume;
  const currVol = p.curr.quoteVolume;
  const ratio = prevVol === 0 ? 0 : currVol / prevVol;
  const open = p.curr.open;
  const price = p.curr.close;
  const candleDirection: CandleDirection = price > open ? 'bullish' : 'bearish';
  const hourTimestamp = floorToPeriod(p.curr.openTime, HOUR_MS);
  const minute = utcMinute(p.now);
  const alreadyAlerted = state.lastAlertHour === hourTimestamp;
  const initialMinute = state.initialMinute ?? 0;

  let kind: VolumeAlertKind | null = null;
  let nextState: VolumeSymbolState = { ...state };
  if (ratio >= VOLUME_MULTIPLE && currVol >= MIN_QUOTE_VOL && !alreadyAlerted) {
    kind = 'SPIKE';
    nextState = { lastAlertHour: hourTimestamp, initialMinute: minute };
  } else if (alreadyAlerted && minute === 30 && initialMinute <= 20) {
    kind = 'HALF_UPDATE';
  } else if (alreadyAlerted && minute === 0 && initialMinute !== 55) {
    kind = 'FULL_UPDATE';
  }
  const evaluation: VolumeEvaluation = {
    symbol: p.symbol,
    kind,
    prevVol,
    currVol,
    ratio,
    open,
    price,
    candleDirection,
    hourTimestamp,
    minute,
    message: kind ? volumeAlertMessage({ kind, symbol: p.symbol, currVol, ratio }) : null,
    consoleLine: volumeConsoleLine({ symbol: p.symbol, prevVol, currVol, ratio, kind, candleDirection }),
    nextState,
  };
  if (open > 0) evaluation.priceChange = (price - open) / open;
  return evaluation;
}

/** oiChange = (current − hourStart) ÷ hourStart when both are known and non-zero; otherwise undefined (omitted). */
export function volumeOiChange(
  hourStartOi: number | null | undefined,
  currentOi: number | null | undefined,
): number | undefined {
  if (typeof hourStartOi !== 'number' || typeof currentOi !== 'number') return undefined;
  if (!Number.isFinite(hourStartOi) || !Number.isFinite(currentOi) || hourStartOi === 0 || currentOi === 0)
    return undefined;
  return (currentOi - hourStartOi) / hourStartOi;
}

/** Body of `POST /api/volume-alerts/ingest`, keys in the legacy order. */
export interface VolumeAlertPayload {
  symbol: string;
  asset: string;
  currentVolume: number;
  previousVolume: number;
  volumeRatio: number;
  price: number;
  fundingRate: number;
  candleDirection: CandleDirection;
  message: string;
  timestamp: string;
  detectionTime: string;
  hourTimestamp: string;
  isUpdate: boolean;
  alertType: VolumeAlertKind;
  priceChange?: number;
  oiChange?: number;
}

/**
 * Builds the legacy ingest body for an evaluation with a kind. `fundingRate` is passed through as received
 * and is 0.0 when unavailable (FR-VA-1: the legacy payload, kept on purpose for this endpoint only).
 * timestamp = scan time to the second; detectionTime = scan time floored to 5 minutes; hourTimestamp = the
 * compared candle's hour. Numbers are unrounded. Returns null when the evaluation has no alert.
 */
export function volumeAlertPayload(p: {
  evaluation: VolumeEvaluation;
  now: number;
  fundingRate: number | null | undefined;
  oiChange?: number | undefined;
}): VolumeAlertPayload | null {
  const e = p.evaluation;
  if (!e.kind || e.message === null) return null;
  const fundingRate = typeof p.fundingRate === 'number' && Number.isFinite(p.fundingRate) ? p.fundingRate : 0.0;
  const body: VolumeAlertPayload = {
    symbol: e.symbol,
    asset: assetOf(e.symbol),
    currentVolume: e.currVol,
    previousVolume: e.prevVol,
    volumeRatio: e.ratio,
    price: e.price,
    fundingRate,
    candleDirection: e.candleDirection,
    message: e.message,
    timestamp: isoSeconds(p.now),
    detectionTime: isoSeconds(floorToPeriod(p.now, 5 * 60_000)),
    hourTimestamp: isoSeconds(e.hourTimestamp),
    isUpdate: VOLUME_PREFIX[e.kind] !== '',
    alertType: e.kind,
  };
  if (e.priceChange !== undefined) body.priceChange = e.priceChange;
  if (p.oiChange !== undefined) body.oiChange = p.oiChange;
  return body;
}
