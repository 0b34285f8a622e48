// Socket.IO payloads (CONTRACTS.md §3.4). Defined here because @volspike/contracts had no socket event
// schemas when this module was written; the shapes below are the legacy wire shapes.
import { decimalToNumber, toIso, type DecimalLike } from '@volspike/contracts';

/** Prisma Decimal, a number, or a decimal string: everything the socket sends is a plain number. */
export type NumericLike = DecimalLike;

export type VolumeAlertType = 'SPIKE' | 'HALF_UPDATE' | 'FULL_UPDATE';

/** A VolumeAlert row as Prisma returns it (extra columns such as idempotencyKey are not sent). */
export interface VolumeAlertRow {
  id: string;
  symbol: string;
  asset: string;
  currentVolume: number;
  previousVolume: number;
  volumeRatio: number;
  price: number | null;
  fundingRate: number | null;
  alertType: VolumeAlertType;
  message: string;
  timestamp: Date;
  hourTimestamp: Date;
  isUpdate: boolean;
  candleDirection: string | null;
  detectionTime: Date | null;
  oiChange: number | null;
  priceChange: number | null;
}

/** The row on the wire: the same fields, times as ISO strings. */
export type VolumeAlertEvent = Omit<VolumeAlertRow, 'timestamp' | 'hourTimestamp' | 'detectionTime'> & {
  timestamp: string;
  hourTimestamp: string;
  detectionTime: string | null;
};

/** An OpenInterestAlert row (Decimals allowed) or an already-numeric event. */
export interface OiAlertEvent {
  id: string;
  symbol: string;
  direction: string;
  baseline: NumericLike;
  current: NumericLike;
  pctChange: NumericLike;
  absChange: NumericLike;
  priceChange: NumericLike | null;
  fundingRate: NumericLike | null;
  timeframe: string;
  source: string;
  ts: Date | string;
  createdAt: Date | string;
}

export interface OiAlertWire {
  id: string;
  symbol: string;
  direction: string;
  baseline: number;
  current: number;
  pctChange: number;
  absChange: number;
  priceChange: number | null;
  fundingRate: number | null;
  timeframe: string;
  source: string;
  ts: string;
  createdAt: string;
}

/** Legacy per-symbol `open-interest-update`. */
export interface OiUpdateWire {
  symbol: string;
  openInterest: number;
  openInterestUsd: number | null;
  source: 'realtime';
  timestamp: string;
}

/** One element of the batched `open-interest-updates` array: the legacy fields plus the sample's own time. */
export interface OiBatchItemWire extends OiUpdateWire {
  markPrice: number | null;
  ts: string;
}

/** `open-interest-updates` (room `oi-batch`): one object per tick (contracts OiUpdatesEventSchema). */
export interface OiBatchWire {
  updates: OiBatchItemWire[];
  timestamp: string;
}

export interface OiUpdateSample {
  symbol: string;
  openInterest: number;
  openInterestUsd: number | null;
  markPrice: number | null;
  ts: Date;
}

export interface UserAlertTriggeredEvent {
  id: string;
  symbol: string;
  alertType: string;
  alertTypeName: 'Price' | 'Funding Rate' | 'Open Interest' | string;
  threshold: number;
  thresholdFormatted: string;
  currentValue: number;
  currentValueFormatted: string;
  previousValue: number | null;
  previousValueFormatted: string | null;
  crossedUp: boolean;
  direction: 'above' | 'below';
  timestamp: string;
}

/** Payload of `debug-alert` (room `debug`, used by /debug/alerts). */
export type DebugAlertWire = { kind: 'volume'; alert: VolumeAlertEvent } | { kind: 'oi'; alert: OiAlertWire };

/** A Decimal column of a stored alert: always present on an alert row, so "not a number" is a broken row. */
function requiredNumber(v: NumericLike): number {
  return decimalToNumber(v) ?? Number.NaN;
}

export function volumeAlertWire(row: VolumeAlertRow): VolumeAlertEvent {
  return {
    id: row.id,
    symbol: row.symbol,
    asset: row.asset,
    currentVolume: row.currentVolume,
    previousVolume: row.previousVolume,
    volumeRatio: row.volumeRatio,
    price: row.price,
    fundingRate: row.fundingRate,
    alertType: row.alertType,
    message: row.message,
    timestamp: toIso(row.timestamp),
    hourTimestamp: toIso(row.hourTimestamp),
    isUpdate: row.isUpdate,
    candleDirection: row.candleDirection,
    detectionTime: row.detectionTime ? toIso(row.detectionTime) : null,
    oiChange: row.oiChange,
    priceChange: row.priceChange,
  };
}

export function oiAlertWire(row: OiAlertEvent): OiAlertWire {
  return {
    id: row.id,
    symbol: row.symbol,
    direction: row.direction,
    baseline: requiredNumber(row.baseline),
    current: requiredNumber(row.current),
    pctChange: requiredNumber(row.pctChange),
    absChange: requiredNumber(row.absChange),
    priceChange: decimalToNumber(row.priceChange),
    fundingRate: decimalToNumber(row.fundingRate),
    timeframe: row.timeframe,
    source: row.source,
    ts: toIso(row.ts),
    createdAt: toIso(row.createdAt),
  };
}

/** `openInterestUsd` is null when ≤ 0, missing or not finite (a missing value is never 0). */
export function usdOrNull(v: number | null | undefined): number | null {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : null;
}
