import { DEFAULT_OI_EXCLUDED_SYMBOLS, DEFAULT_WINDOW_MIN_SAMPLES, type OiTimeframe } from './oi-timeframes.js';
import { median, type OiHistory } from './ring-buffer.js';
import { activeCap, liveCap, type OiAlsoCrossed, type OiCappedCrossing, type OiSymbolCap } from './oi-alerts-cap.js';
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
  /** the per-symbol cap in force (0 = per-timeframe cooldowns only) */
  symbolCooldownSec: number;
  /** other timeframes of the same direction that crossed on this sample, held back by this alert's cap */
  alsoCrossed: OiAlsoCrossed[];
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
  | 'cooldown'
  | 'symbol-cap';

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
  /** per-symbol cap across timeframes (FR-OI-ALERT-3), seconds; 0 or unset = per-timeframe cooldowns only */
  symbolCooldownSec?: number;
  /** the symbol's cap state (the alert holding each direction's cap) */
  cap?: OiSymbolCap | undefined;
}

export interface EvaluateOiAlertResult {
  alerts: OiAlertDecision[];
  nextState: OiSymbolAlertState;
  nextCap: OiSymbolCap;
  /** crossings held back by the cap of an alert sent for an earlier sample, to be recorded on that alert */
  capped: OiCappedCrossing[];
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

/** What one evaluation shares across timeframes. */
interface SampleContext {
  input: EvaluateOiAlertInput;
  cur: number;
  t: number;
  funding: number | undefined;
  symbolCooldownSec: number;
}

/** A timeframe/direction that went INSIDE → OUTSIDE on this sample (abs minimum met); sent unless held back. */
interface Crossing {
  decision: OiAlertDecision;
  inCooldown: boolean;
}

/** Why the whole sample is not evaluated, or null. */
function sampleGuard(input: EvaluateOiAlertInput): OiAlertSkipReason | null {
  if ((input.excludedSymbols ?? DEFAULT_OI_EXCLUDED_SYMBOLS).includes(input.symbol)) return 'excluded-symbol';
  const { oi, ts } = input.current;
  if (!Number.isFinite(oi) || oi <= 0 || !Number.isFinite(ts)) return 'invalid-sample';
  if (Math.abs(input.now - ts) > (input.maxSampleAgeMs ?? 120_000)) return 'stale-sample';
  return null;
}

function buildDecision(ctx: SampleContext, tf: OiTimeframe, direction: OiDirection, b: Baseline): OiAlertDecision {
  const { cur, t } = ctx;
  const mark = ctx.input.current.markPrice;
  const d: OiAlertDecision = {
    symbol: ctx.input.symbol,
    direction,
    baseline: b.oi,
    current: cur,
    pctChange: (cur - b.oi) / b.oi,
    absChange: cur - b.oi,
    timeframe: tf.label,
    timestamp: isoSeconds(t),
    ts: t,
    source: 'oi_realtime_poller',
    explanation: {
      method: tf.kind === 'lookback' ? 'lookback-closest' : 'window-median',
      baselineFrom: b.from,
      baselineTo: b.to,
      baselineSamples: b.samples,
      lookbackSec: tf.lookbackSec,
      toleranceSec: tf.toleranceSec,
      thresholdPct: tf.thresholdPct,
      minAbsContracts: tf.minAbsContracts,
      cooldownSec: tf.cooldownSec,
      baselineMarkPrice: b.mark,
      symbolCooldownSec: ctx.symbolCooldownSec,
      alsoCrossed: [],
    },
  };
  if (mark !== null && mark > 0 && b.mark !== null && b.mark > 0) d.priceChange = (mark - b.mark) / b.mark;
  if (ctx.funding !== undefined) d.fundingRate = ctx.funding;
  return d;
}

/** One timeframe: its next INSIDE/OUTSIDE state and its crossings (cooldown and cap are decided by the caller). */
function evaluateTimeframe(
  ctx: SampleContext,
  tf: OiTimeframe,
  skipped: OiAlertSkip[],
): { after: OiTimeframeState; crossings: Crossing[] } | null {
  const b = findBaseline(tf, ctx.input.history, ctx.t);
  if (!b || !(b.oi > 0)) {
    skipped.push({ timeframe: tf.label, reason: b ? 'baseline-zero' : 'insufficient-history' });
    return null;
  }
  const pct = (ctx.cur - b.oi) / b.oi;
  const abs = ctx.cur - b.oi;
  const thr = tf.thresholdPct / 100;
  const before = ctx.input.state?.[tf.label] ?? inside();
  const after: OiTimeframeState = { UP: { ...before.UP }, DOWN: { ...before.DOWN } };
  const crossings: Crossing[] = [];
  for (const direction of OI_DIRECTIONS) {
    const key = after[direction];
    const breach = direction === 'UP' ? pct >= thr : pct <= -thr;
    if (!breach) key.state = 'INSIDE';
    if (!breach || key.state === 'OUTSIDE') continue; // inside, or still outside: already handled
    if (!(direction === 'UP' ? abs >= tf.minAbsContracts : abs <= -tf.minAbsContracts)) {
      skipped.push({ timeframe: tf.label, direction, reason: 'below-abs-min' });
      continue; // stays INSIDE
    }
    key.state = 'OUTSIDE';
    const inCooldown = key.lastAlertAt !== null && ctx.t - key.lastAlertAt < tf.cooldownSec * 1000;
    crossings.push({ decision: buildDecision(ctx, tf, direction, b), inCooldown });
  }
  return { after, crossings };
}

const alsoCrossed = (d: OiAlertDecision): OiAlsoCrossed => ({
  timeframe: d.timeframe,
  ts: d.ts,
  baseline: d.baseline,
  current: d.current,
  pctChange: d.pctChange,
  absChange: d.absChange,
});

/**
 * OI spike/dump rule for one new sample (docs/legacy-contracts.md §4.4, issue 7; the per-symbol cap, issue 19 §3).
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
 * Per symbol (`symbolCooldownSec` > 0): at most one UP and one DOWN alert per symbol cooldown, across
 * timeframes. The first crossing (timeframe order) is sent; every other crossing of that direction until the
 * cap ends marks its key OUTSIDE without alerting (like a cooldown) and is recorded in `alsoCrossed` of the
 * sent alert: in its explanation when on the same sample, else in `capped` (for the poller to append).
 */
export function evaluateOiAlert(input: EvaluateOiAlertInput): EvaluateOiAlertResult {
  const nextState: OiSymbolAlertState = { ...(input.state ?? {}) };
  const symbolCooldownSec = Math.max(0, input.symbolCooldownSec ?? 0);
  const nextCap: OiSymbolCap = liveCap(input.cap, input.current.ts, symbolCooldownSec) ?? {};
  const res: EvaluateOiAlertResult = { alerts: [], nextState, nextCap, capped: [], skipped: [] };
  const guard = sampleGuard(input);
  if (guard) return { ...res, nextCap: input.cap ?? {}, skipped: [{ timeframe: null, reason: guard }] };
  const fr = input.fundingRate;
  const funding = fr !== null && Number.isFinite(fr) ? fr : undefined;
  const ctx: SampleContext = { input, cur: input.current.oi, t: input.current.ts, funding, symbolCooldownSec };
  const sentNow = new Set<OiDirection>();
  for (const tf of input.timeframes) {
    const r = evaluateTimeframe(ctx, tf, res.skipped);
    if (!r) continue;
    nextState[tf.label] = r.after;
    for (const { decision: d, inCooldown } of r.crossings) {
      const held = activeCap(nextCap, d.direction, ctx.t, symbolCooldownSec);
      if (held) {
        held.alsoCrossed = [...held.alsoCrossed, alsoCrossed(d)];
        if (!sentNow.has(d.direction))
          res.capped.push({
            symbol: d.symbol,
            direction: d.direction,
            alert: { timeframe: held.timeframe, ts: held.ts },
            crossing: alsoCrossed(d),
          });
        res.skipped.push({ timeframe: d.timeframe, direction: d.direction, reason: 'symbol-cap' });
      } else if (inCooldown) {
        res.skipped.push({ timeframe: d.timeframe, direction: d.direction, reason: 'cooldown' });
      } else {
        r.after[d.direction].lastAlertAt = ctx.t;
        res.alerts.push(d);
        if (symbolCooldownSec > 0) nextCap[d.direction] = { timeframe: d.timeframe, ts: ctx.t, alsoCrossed: [] };
        sentNow.add(d.direction);
      }
    }
  }
  for (const a of res.alerts) a.explanation.alsoCrossed = nextCap[a.direction]?.alsoCrossed ?? [];
  return res;
}

/** `POST /api/open-interest-alerts/ingest` body as the poller builds it (the contract's input shape). */
export interface OiAlertIngestBody {
  symbol: string;
  direction: OiDirection;
  baseline: number;
  current: number;
  pctChange: number;
  absChange: number;
  timestamp: string;
  source: string;
  timeframe: string;
  priceChange?: number;
  fundingRate?: number;
}

/** Legacy ingest body, keys in the legacy order; priceChange/fundingRate omitted when unknown. */
export function oiAlertIngestBody(d: OiAlertDecision): OiAlertIngestBody {
  const body: OiAlertIngestBody = {
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
