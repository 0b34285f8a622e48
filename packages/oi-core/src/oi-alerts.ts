import { DEFAULT_OI_EXCLUDED_SYMBOLS, DEFAULT_WINDOW_MIN_SAMPLES, type OiTimeframe } from './oi-timeframes.js';
import { median, type OiHistory } from './ring-buffer.js';
import { isoSeconds } from './time.js';

export type OiDirection = 'UP' | 'DOWN';
export const OI_DIRECTIONS: readonly OiDirection[] = ['UP', 'DOWN'];

/** State of one (symbol, timeframe, direction) — maps 1:1 to an `oi_alert_states` row. */
export interface OiDirectionState {
  state: 'INSIDE' | 'OUTSIDE';
  /** epoch ms of the last alert sent for this key (cooldown), null if none */
  lastAlertAt: number | null;
}
export type OiTimeframeState = Record<OiDirection, OiDirectionState>;
/** One symbol's alert state, keyed by timeframe label. Missing entries count as INSIDE, no cooldown. */
export type OiSymbolAlertState = Record<string, OiTimeframeState>;

export interface OiAlertExplanation {
  method: 'lookback-closest' | 'window-median';
  /** time span of the baseline samples actually used (epoch ms); equal for a single lookback sample */
  baselineFrom: number;
  baselineTo: number;
  baselineSamples: number;
  lookbackSec: number;
  toleranceSec: number;
  thresholdPct: number;
  minAbsContracts: number;
  cooldownSec: number;
  /** baseline mark price (median of known marks for a window), null when unknown */
  baselineMarkPrice: number | null;
}

/** Legacy ingest fields (`POST /api/open-interest-alerts/ingest`) plus the explanation. */
export interface OiAlertDecision {
  symbol: string;
  direction: OiDirection;
  baseline: number;
  current: number;
  /** fraction: 0.042 = +4.2 % */
  pctChange: number;
  /** contracts, signed */
  absChange: number;
  /** fraction over the same window; undefined when either mark is unknown */
  priceChange?: number;
  fundingRate?: number;
  timeframe: string;
  /** sample time, whole seconds, `YYYY-MM-DDTHH:MM:SSZ` */
  timestamp: string;
  /** sample time, epoch ms */
  ts: number;
  source: 'oi_realtime_poller';
  explanation: OiAlertExplanation;
}

export type OiAlertSkipReason =
  | 'excluded-symbol'
  | 'invalid-sample'
  | 'stale-sample'
  | 'insufficient-history'
  | 'baseline-zero'
  | 'below-abs-min'
  | 'cooldown';

export interface OiAlertSkip {
  timeframe: string | null;
  direction?: OiDirection;
  reason: OiAlertSkipReason;
}

export interface EvaluateOiAlertInput {
  symbol: string;
  now: number;
  /** the new sample; `ts` is the evaluation instant (baseline target, cooldown clock, alert timestamp) */
  current: { oi: number; markPrice: number | null; ts: number };
  history: OiHistory;
  fundingRate: number | null;
  timeframes: readonly OiTimeframe[];
  state: OiSymbolAlertState | undefined;
  excludedSymbols?: readonly string[];
  /** a sample further than this from `now` (either way) is not evaluated; default 120 s */
  maxSampleAgeMs?: number;
}

export interface EvaluateOiAlertResult {
  alerts: OiAlertDecision[];
  nextState: OiSymbolAlertState;
  /** why a timeframe/direction did not alert when it might have (for logs/metrics) */
  skipped: OiAlertSkip[];
}

interface Baseline {
  oi: number;
  mark: number | null;
  from: number;
  to: number;
  samples: number;
}

function findBaseline(tf: OiTimeframe, history: OiHistory, t: number): Baseline | null {
  if (tf.kind === 'lookback') {
    const s = history.closestTo(t - tf.lookbackSec * 1000, tf.toleranceSec * 1000);
    if (!s || s.ts >= t) return null;
    return { oi: s.oi, mark: s.mark, from: s.ts, to: s.ts, samples: 1 };
  }
  const start = t - (tf.fromMin ?? 60) * 60_000;
  const end = t - (tf.toMin ?? 30) * 60_000;
  const samples = history.range(start, end).filter((s) => s.ts < t);
  const first = samples[0];
  const last = samples[samples.length - 1];
  const tol = tf.toleranceSec * 1000;
  if (!first || !last || samples.length < (tf.minSamples ?? DEFAULT_WINDOW_MIN_SAMPLES)) return null;
  if (first.ts > start + tol || last.ts < end - tol) return null; // the samples do not cover the window
  const oi = median(samples.map((s) => s.oi));
  if (oi === null) return null;
  const mark = median(samples.flatMap((s) => (s.mark !== null && s.mark > 0 ? [s.mark] : [])));
  return { oi, mark, from: first.ts, to: last.ts, samples: samples.length };
}

const inside = (): OiTimeframeState => ({
  UP: { state: 'INSIDE', lastAlertAt: null },
  DOWN: { state: 'INSIDE', lastAlertAt: null },
});

/**
 * OI spike/dump rule for one new sample, every timeframe independently (CONTRACTS §4.4, issue 7).
 *
 * Per (timeframe, direction): fire only on the INSIDE → OUTSIDE transition. UP needs pct ≥ thr and
 * abs ≥ +min; DOWN needs pct ≤ −thr and abs ≤ −min. Decided quirks (legacy §6.13):
 * - cooldown: a breach inside the cooldown marks the key OUTSIDE without alerting, so the same move does not
 *   alert when the cooldown ends; OI must come back inside the threshold first (legacy stayed INSIDE and
 *   re-alerted on the first poll after the cooldown);
 * - a breach below the absolute minimum keeps the key INSIDE (legacy), so the move can still alert if it
 *   grows past the minimum while outside;
 * - insufficient history (no sample within tolerance, a window with too few samples or not covering its
 *   edges) or a zero baseline → no alert and NO state change (never a guess; legacy reset to INSIDE);
 * - excluded symbols (default USDCUSDT), a non-finite/≤ 0 OI, or a sample more than maxSampleAgeMs away
 *   from `now` → nothing at all, state unchanged.
 */
export function evaluateOiAlert(input: EvaluateOiAlertInput): EvaluateOiAlertResult {
  const prevState = input.state ?? {};
  const nextState: OiSymbolAlertState = { ...prevState };
  const alerts: OiAlertDecision[] = [];
  const skipped: OiAlertSkip[] = [];
  const excluded = input.excludedSymbols ?? DEFAULT_OI_EXCLUDED_SYMBOLS;
  if (excluded.includes(input.symbol))
    return { alerts, nextState, skipped: [{ timeframe: null, reason: 'excluded-symbol' }] };
  const { oi: cur, markPrice, ts: t } = input.current;
  if (!Number.isFinite(cur) || cur <= 0 || !Number.isFinite(t))
    return { alerts, nextState, skipped: [{ timeframe: null, reason: 'invalid-sample' }] };
  if (Math.abs(input.now - t) > (input.maxSampleAgeMs ?? 120_000))
    return { alerts, nextState, skipped: [{ timeframe: null, reason: 'stale-sample' }] };
  const funding = input.fundingRate !== null && Number.isFinite(input.fundingRate) ? input.fundingRate : undefined;

  for (const tf of input.timeframes) {
    const baseline = findBaseline(tf, input.history, t);
    if (!baseline) {
      skipped.push({ timeframe: tf.label, reason: 'insufficient-history' });
      continue;
    }
    if (!(baseline.oi > 0)) {
      skipped.push({ timeframe: tf.label, reason: 'baseline-zero' });
      continue;
    }
    const base = baseline.oi;
    const pct = (cur - base) / base;
    const abs = cur - base;
    const thr = tf.thresholdPct / 100;
    const priceChange =
      markPrice !== null && markPrice > 0 && baseline.mark !== null && baseline.mark > 0
        ? (markPrice - baseline.mark) / baseline.mark
        : undefined;
    const before = prevState[tf.label] ?? inside();
    const after: OiTimeframeState = { UP: { ...before.UP }, DOWN: { ...before.DOWN } };

    for (const direction of OI_DIRECTIONS) {
      const key = after[direction];
      const breach = direction === 'UP' ? pct >= thr : pct <= -thr;
      if (!breach) {
        key.state = 'INSIDE';
        continue;
      }
      if (key.state === 'OUTSIDE') continue; // still outside: already handled
      const absOk = direction === 'UP' ? abs >= tf.minAbsContracts : abs <= -tf.minAbsContracts;
      if (!absOk) {
        skipped.push({ timeframe: tf.label, direction, reason: 'below-abs-min' });
        continue; // stays INSIDE
      }
      key.state = 'OUTSIDE';
      if (key.lastAlertAt !== null && t - key.lastAlertAt < tf.cooldownSec * 1000) {
        skipped.push({ timeframe: tf.label, direction, reason: 'cooldown' });
        continue;
      }
      key.lastAlertAt = t;
      const decision: OiAlertDecision = {
        symbol: input.symbol,
        direction,
        baseline: base,
        current: cur,
        pctChange: pct,
        absChange: abs,
        timeframe: tf.label,
        timestamp: isoSeconds(t),
        ts: t,
        source: 'oi_realtime_poller',
        explanation: {
          method: tf.kind === 'lookback' ? 'lookback-closest' : 'window-median',
          baselineFrom: baseline.from,
          baselineTo: baseline.to,
          baselineSamples: baseline.samples,
          lookbackSec: tf.lookbackSec,
          toleranceSec: tf.toleranceSec,
          thresholdPct: tf.thresholdPct,
          minAbsContracts: tf.minAbsContracts,
          cooldownSec: tf.cooldownSec,
          baselineMarkPrice: baseline.mark,
        },
      };
      if (priceChange !== undefined) decision.priceChange = priceChange;
      if (funding !== undefined) decision.fundingRate = funding;
      alerts.push(decision);
    }
    nextState[tf.label] = after;
  }
  return { alerts, nextState, skipped };
}

/** Legacy ingest body, keys in the legacy order; priceChange/fundingRate omitted when unknown. */
export function oiAlertIngestBody(d: OiAlertDecision): Record<string, unknown> {
  const body: Record<string, unknown> = {
    symbol: d.symbol,
    direction: d.direction,
    baseline: d.baseline,
    current: d.current,
    pctChange: d.pctChange,
    absChange: d.absChange,
    timestamp: d.timestamp,
    source: d.source,
    timeframe: d.timeframe,
  };
  if (d.priceChange !== undefined) body.priceChange = d.priceChange;
  if (d.fundingRate !== undefined) body.fundingRate = d.fundingRate;
  return body;
}

/** Row shape of `oi_alert_states` (PK symbol, timeframe, direction). */
export interface OiAlertStateRow {
  symbol: string;
  timeframe: string;
  direction: OiDirection;
  state: 'INSIDE' | 'OUTSIDE';
  lastAlertAt: number | null;
}

export function oiStateToRows(symbol: string, state: OiSymbolAlertState): OiAlertStateRow[] {
  return Object.entries(state).flatMap(([timeframe, s]) =>
    OI_DIRECTIONS.map((direction) => ({ symbol, timeframe, direction, ...s[direction] })),
  );
}

/** Rows (any symbols) → per-symbol state. */
export function oiStateFromRows(rows: readonly OiAlertStateRow[]): Map<string, OiSymbolAlertState> {
  const out = new Map<string, OiSymbolAlertState>();
  for (const r of rows) {
    const sym = out.get(r.symbol) ?? {};
    const tf = sym[r.timeframe] ?? inside();
    tf[r.direction] = { state: r.state, lastAlertAt: r.lastAlertAt };
    sym[r.timeframe] = tf;
    out.set(r.symbol, sym);
  }
  return out;
}
