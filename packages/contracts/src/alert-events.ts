// Stored alert → wire payload, the one conversion used by the REST routes and the Socket.IO events alike
// (docs/legacy-contracts.md, "Socket.IO"). The input types are structural, so a Prisma row (Dates,
// Decimals) and an already-converted event both fit; the output types are the contract's schemas.
import type { OiAlertEvent } from './oi-alerts.js';
import { decimalToNumber, toIso, type DecimalLike } from './values.js';
import type { VolumeAlertRow } from './volume-alerts.js';

/** A `volume_alerts` row as the database returns it (the columns the wire carries). */
export interface StoredVolumeAlert {
  id: string;
  symbol: string;
  asset: string;
  currentVolume: number;
  previousVolume: number;
  volumeRatio: number;
  price: number | null;
  fundingRate: number | null;
  alertType: VolumeAlertRow['alertType'];
  message: string;
  timestamp: Date;
  hourTimestamp: Date;
  isUpdate: boolean;
  candleDirection: string | null;
  detectionTime: Date | null;
  oiChange: number | null;
  priceChange: number | null;
}

/** An `open_interest_alerts` row as the database returns it (Decimals), or an already-numeric event. */
export interface StoredOiAlert {
  id: string;
  symbol: string;
  direction: string;
  baseline: DecimalLike | null;
  current: DecimalLike | null;
  pctChange: DecimalLike | null;
  absChange: DecimalLike | null;
  priceChange: DecimalLike | null;
  fundingRate: DecimalLike | null;
  timeframe: string;
  source: string;
  ts: Date | string;
  createdAt: Date | string;
}

/** The `volume-alert` payload and REST row: the same fields, times as ISO strings. */
export function volumeAlertEvent(row: StoredVolumeAlert): VolumeAlertRow {
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
    detectionTime: toIso(row.detectionTime),
    oiChange: row.oiChange,
    priceChange: row.priceChange,
  };
}

/**
 * The `open-interest-alert` payload and `/recent` row: every Decimal as a number (docs/legacy-contracts.md §3.4). The four
 * measured columns are always stored; a broken one becomes NaN, which JSON sends as null, not 0.
 */
export function oiAlertEvent(row: StoredOiAlert): OiAlertEvent {
  return {
    id: row.id,
    symbol: row.symbol,
    direction: row.direction as OiAlertEvent['direction'],
    baseline: decimalToNumber(row.baseline) ?? Number.NaN,
    current: decimalToNumber(row.current) ?? Number.NaN,
    pctChange: decimalToNumber(row.pctChange) ?? Number.NaN,
    absChange: decimalToNumber(row.absChange) ?? Number.NaN,
    priceChange: decimalToNumber(row.priceChange),
    fundingRate: decimalToNumber(row.fundingRate),
    timeframe: row.timeframe,
    source: row.source,
    ts: toIso(row.ts),
    createdAt: toIso(row.createdAt),
  };
}

/** A USD value or mark price on the wire: null when ≤ 0, missing or not finite (a missing value is never 0). */
export function positiveOrNull(v: number | null | undefined): number | null {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : null;
}
