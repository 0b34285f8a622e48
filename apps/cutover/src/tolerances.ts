/**
 * How far apart the two sides may be and still agree. The legacy scripts and the shadow daemons read the
 * same market, but not at the same second: the legacy volume scan walks the symbols one by one after the
 * 5-minute boundary, and its snapshot step runs after the scan. Values of a candle that is still open
 * (SPIKE, HALF_UPDATE) and OI read at different seconds drift a little; values of closed candles do not.
 */
export interface Tolerance {
  /** |a − b| ≤ rel × max(|a|, |b|) or ≤ abs (either suffices) */
  rel: number;
  abs: number;
}

const EXACT: Tolerance = { rel: 1e-9, abs: 0 };

/** Volume-alert fields for alerts about a closed candle (FULL_UPDATE): the same Binance numbers on both sides. */
export const CLOSED_CANDLE: Record<string, Tolerance> = {
  currentVolume: EXACT,
  previousVolume: EXACT,
  volumeRatio: { rel: 1e-9, abs: 0.005 },
  price: EXACT,
  priceChange: { rel: 0, abs: 1e-9 },
  fundingRate: { rel: 0, abs: 1e-4 },
  oiChange: { rel: 0, abs: 0.01 },
};

/** SPIKE / HALF_UPDATE: the current candle is still open when it is read, seconds apart on the two sides. */
export const OPEN_CANDLE: Record<string, Tolerance> = {
  currentVolume: { rel: 0.05, abs: 0 },
  previousVolume: EXACT,
  volumeRatio: { rel: 0.05, abs: 0 },
  price: { rel: 0.01, abs: 0 },
  priceChange: { rel: 0, abs: 0.01 },
  fundingRate: { rel: 0, abs: 1e-4 },
  oiChange: { rel: 0, abs: 0.01 },
};

/** 5-minute snapshot values (the legacy table keeps USD to cents and OI/mark to 8 decimals). */
export const SNAPSHOT: Record<'openInterest' | 'openInterestUsd' | 'markPrice', Tolerance> = {
  openInterest: { rel: 0.02, abs: 1e-8 },
  markPrice: { rel: 0.01, abs: 1e-8 },
  openInterestUsd: { rel: 0.03, abs: 0.01 },
};

/**
 * Universe: a symbol on one side only whose 24 h quote volume lies within this fraction of the enter or
 * exit threshold is "borderline" (the two jobs read the volume at different moments) and not a difference.
 */
export const UNIVERSE_BORDERLINE_REL = 0.02;

export function within(a: number | null, b: number | null, t: Tolerance): boolean {
  if (a === null || b === null) return a === b;
  const d = Math.abs(a - b);
  return d <= t.abs || d <= t.rel * Math.max(Math.abs(a), Math.abs(b));
}

export function describeTolerance(t: Tolerance): string {
  if (t === EXACT || (t.rel <= 1e-9 && t.abs === 0)) return 'exact';
  const parts: string[] = [];
  if (t.rel > 0) parts.push(`±${+(t.rel * 100).toFixed(4)} %`);
  if (t.abs > 0) parts.push(`±${t.abs}`);
  return parts.join(' or ');
}

/** The tolerance lines every report prints (also in the README). */
export function toleranceLines(): string[] {
  const row = (name: string, table: Record<string, Tolerance>): string =>
    `  ${name}: ${Object.entries(table)
      .map(([k, t]) => `${k} ${describeTolerance(t)}`)
      .join(', ')}`;
  return [
    'tolerances:',
    row('volume alerts, closed candle (FULL_UPDATE)', CLOSED_CANDLE),
    row('volume alerts, open candle (SPIKE, HALF_UPDATE)', OPEN_CANDLE),
    row('5-minute snapshots', SNAPSHOT),
    `  universe: a one-side member within ±${UNIVERSE_BORDERLINE_REL * 100} % of the enter/exit threshold is borderline, not a difference`,
  ];
}
