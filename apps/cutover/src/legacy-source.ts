import type pg from 'pg';
import { slotOf } from './model.js';
import type { SideData, SnapshotItem, VolumeAlertItem } from './model.js';

/** Epoch ms of a `timestamp(3)` column holding UTC (the legacy schema has no time zones). */
const ms = (col: string): string => `(extract(epoch from ${col}) * 1000)::float8`;
/** A bound epoch ms as a UTC `timestamp` for comparisons with those columns. */
const at = (param: string): string => `(to_timestamp(${param}::float8 / 1000) at time zone 'UTC')`;

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/**
 * What the legacy scripts delivered, read from the live database: volume alerts detected in the window
 * (`timestamp`), 5-minute snapshots (`source = 'snapshot'`, the rows posted without a source) in the
 * window, and the liquid universe as the table holds it now (the legacy table keeps no history).
 */
export async function readLegacy(client: pg.Client, window: { since: number; until: number }): Promise<SideData> {
  const params = [window.since, window.until];
  const va = await client.query(
    `select symbol, "alertType"::text as "alertType", ${ms('"hourTimestamp"')} as "hourTimestamp",
            ${ms('"timestamp"')} as "timestamp", "currentVolume", "previousVolume", "volumeRatio", price,
            "fundingRate", "priceChange", "oiChange"
       from volume_alerts
      where "timestamp" >= ${at('$1')} and "timestamp" < ${at('$2')}
      order by "timestamp", id`,
    params,
  );
  const volumeAlerts: VolumeAlertItem[] = va.rows.map((r: Record<string, unknown>) => ({
    symbol: String(r.symbol),
    alertType: String(r.alertType),
    hourTimestamp: Number(r.hourTimestamp),
    timestamp: Number(r.timestamp),
    currentVolume: Number(r.currentVolume),
    previousVolume: Number(r.previousVolume),
    volumeRatio: Number(r.volumeRatio),
    price: num(r.price),
    fundingRate: num(r.fundingRate),
    priceChange: num(r.priceChange),
    oiChange: num(r.oiChange),
  }));
  const snap = await client.query(
    `select symbol, ${ms('ts')} as ts, "openInterest"::float8 as "openInterest",
            "openInterestUsd"::float8 as "openInterestUsd", "markPrice"::float8 as "markPrice"
       from open_interest_snapshots
      where source = 'snapshot' and ts >= ${at('$1')} and ts < ${at('$2')}
      order by ts, id`,
    params,
  );
  const snapshots: SnapshotItem[] = snap.rows.map((r: Record<string, unknown>) => ({
    symbol: String(r.symbol),
    slot: slotOf(Number(r.ts)),
    openInterest: Number(r.openInterest),
    openInterestUsd: num(r.openInterestUsd),
    markPrice: num(r.markPrice),
  }));
  const uni = await client.query(
    `select symbol, "quoteVolume24h"::float8 as "quoteVolume24h", ${ms('"lastSeenAt"')} as "lastSeenAt"
       from open_interest_liquid_symbols order by symbol`,
  );
  const members = uni.rows.map((r: Record<string, unknown>) => ({
    symbol: String(r.symbol),
    quoteVolume24h: Number(r.quoteVolume24h),
  }));
  const lastSeen = uni.rows.reduce((m: number, r: Record<string, unknown>) => Math.max(m, Number(r.lastSeenAt)), 0);
  return { volumeAlerts, snapshots, universe: members.length ? { at: lastSeen, members } : null };
}
