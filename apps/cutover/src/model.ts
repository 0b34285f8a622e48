/** One volume alert as either side delivered it (legacy: a volume_alerts row; shadow: an ingest body). */
export interface VolumeAlertItem {
  symbol: string;
  alertType: string;
  /** start of the candle's hour, epoch ms */
  hourTimestamp: number;
  /** detection time (`timestamp`), epoch ms */
  timestamp: number;
  currentVolume: number;
  previousVolume: number;
  volumeRatio: number;
  price: number | null;
  fundingRate: number | null;
  priceChange: number | null;
  oiChange: number | null;
}

/** One symbol of one 5-minute OI snapshot. */
export interface SnapshotItem {
  symbol: string;
  /** the snapshot's 5-minute slot, epoch ms */
  slot: number;
  openInterest: number;
  openInterestUsd: number | null;
  markPrice: number | null;
}

export interface UniverseMember {
  symbol: string;
  quoteVolume24h: number;
}

/** What one side delivered over the window. */
export interface SideData {
  volumeAlerts: VolumeAlertItem[];
  snapshots: SnapshotItem[];
  /** the universe at the end of the window (legacy: the table now; shadow: the last update in the window) */
  universe: { at: number; members: UniverseMember[] } | null;
}

export const HOUR_MS = 3_600_000;
export const SLOT_MS = 300_000;
export const hourOf = (t: number): number => Math.floor(t / HOUR_MS) * HOUR_MS;
export const slotOf = (t: number): number => Math.floor(t / SLOT_MS) * SLOT_MS;
