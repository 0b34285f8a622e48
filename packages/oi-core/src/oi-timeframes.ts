import { OiCoreError } from './errors.js';

/**
 * One OI alert timeframe.
 * - kind 'lookback': baseline = the sample closest to t − lookbackSec within ±toleranceSec (ties → earlier).
 * - kind 'window-median': baseline = median OI of the samples between fromMin and toMin minutes ago; needs
 *   ≥ minSamples samples and samples within toleranceSec of both window edges.
 */
export interface OiTimeframe {
  /** Sent as `timeframe` on the alert ('5 min', '15 min', '1 hour' for the legacy ones); state key. */
  label: string;
  kind: 'lookback' | 'window-median';
  /** lookback: how far back the baseline is; window: fromMin·60 (the history the rule needs). */
  lookbackSec: number;
  toleranceSec: number;
  fromMin?: number;
  toMin?: number;
  /** window only; default 5 */
  minSamples?: number;
  /** percent, e.g. 3 = 3 % */
  thresholdPct: number;
  /** minimum |current − baseline| in contracts */
  minAbsContracts: number;
  /** per (symbol, timeframe, direction) */
  cooldownSec: number;
}

export const DEFAULT_OI_MIN_ABS_CONTRACTS = 5000;
export const DEFAULT_OI_EXCLUDED_SYMBOLS: readonly string[] = ['USDCUSDT'];
export const DEFAULT_WINDOW_MIN_SAMPLES = 5;
/** Window edge tolerance: one 5-minute `openInterestHist` period, so warm-start history covers the window. */
export const DEFAULT_WINDOW_TOLERANCE_SEC = 300;

/** Legacy baseline tolerance: min(120, max(30, lookback // 10)) seconds. */
export function defaultToleranceSec(lookbackSec: number): number {
  return Math.min(120, Math.max(30, Math.floor(lookbackSec / 10)));
}

/** '5 min', '15 min', '1 hour', '2 hours', '90 sec'. */
export function lookbackLabel(sec: number): string {
  if (sec % 3600 === 0) return sec === 3600 ? '1 hour' : `${sec / 3600} hours`;
  if (sec % 60 === 0) return `${sec / 60} min`;
  return `${sec} sec`;
}

export function windowLabel(fromMin: number, toMin: number): string {
  return `${fromMin}-${toMin} min median`;
}

function lookback(lookbackSec: number, thresholdPct: number, cooldownSec: number): OiTimeframe {
  return {
    label: lookbackLabel(lookbackSec),
    kind: 'lookback',
    lookbackSec,
    toleranceSec: defaultToleranceSec(lookbackSec),
    thresholdPct,
    minAbsContracts: DEFAULT_OI_MIN_ABS_CONTRACTS,
    cooldownSec,
  };
}

function window(fromMin: number, toMin: number, thresholdPct: number, cooldownSec: number): OiTimeframe {
  return {
    label: windowLabel(fromMin, toMin),
    kind: 'window-median',
    lookbackSec: fromMin * 60,
    toleranceSec: DEFAULT_WINDOW_TOLERANCE_SEC,
    fromMin,
    toMin,
    minSamples: DEFAULT_WINDOW_MIN_SAMPLES,
    thresholdPct,
    minAbsContracts: DEFAULT_OI_MIN_ABS_CONTRACTS,
    cooldownSec,
  };
}

/** 5 min 3 %, 15 min 5 %, 1 hour 10 % (the deployed system's documented values), plus the 60–30 min median window at 5 %. */
export const DEFAULT_OI_TIMEFRAMES: readonly Readonly<OiTimeframe>[] = Object.freeze(
  [lookback(300, 3, 600), lookback(900, 5, 900), lookback(3600, 10, 3600), window(60, 30, 5, 3600)].map((t) =>
    Object.freeze(t),
  ),
);

/** Canonical string of the defaults (`OI_ALERT_TIMEFRAMES` default). */
export const DEFAULT_OI_ALERT_TIMEFRAMES_ENV = '5m:3%:600s,15m:5%:900s,1h:10%:3600s,w60-30:5%:3600s';

const fail = (msg: string): never => {
  throw new OiCoreError('OI_TIMEFRAMES_INVALID', `Invalid OI_ALERT_TIMEFRAMES: ${msg}`);
};

/** '90s' | '5m' | '1h' | '1.5h' → seconds (unit required). */
export function parseDurationSec(s: string, what: string): number {
  const m = /^(\d+(?:\.\d+)?)(s|m|h)$/.exec(s.trim());
  if (!m) return fail(`${what} "${s}" must be a number with a unit s, m or h (e.g. 600s, 15m, 1h)`);
  const sec = Number(m[1]) * (m[2] === 'h' ? 3600 : m[2] === 'm' ? 60 : 1);
  if (!Number.isInteger(sec)) return fail(`${what} "${s}" must be a whole number of seconds`);
  return sec;
}

function parseEntry(entry: string): OiTimeframe {
  const [span = '', thr = '', ...rest] = entry.split(':').map((x) => x.trim());
  const tm = /^(\d+(?:\.\d+)?)%$/.exec(thr);
  if (!tm) return fail(`"${entry}": threshold "${thr}" must look like 3% or 2.5%`);
  const thresholdPct = Number(tm[1]);
  if (!(thresholdPct > 0)) return fail(`"${entry}": threshold must be > 0 %`);

  const wm = /^w(\d+)-(\d+)$/.exec(span);
  let tf: OiTimeframe;
  if (wm) {
    const fromMin = Number(wm[1]);
    const toMin = Number(wm[2]);
    if (!(fromMin > toMin))
      return fail(`"${entry}": window w${fromMin}-${toMin} must start further back than it ends (e.g. w60-30)`);
    tf = window(fromMin, toMin, thresholdPct, 3600);
  } else {
    const sec = parseDurationSec(span, `"${entry}": lookback`);
    if (!(sec > 0)) return fail(`"${entry}": lookback must be > 0`);
    tf = lookback(sec, thresholdPct, sec);
  }
  let positional = 0;
  for (const part of rest) {
    const kv = /^(\w+)=(.+)$/.exec(part);
    if (!kv) {
      if (positional++ > 0) return fail(`"${entry}": unexpected "${part}" (options are min=, tol=, n=, label=)`);
      tf.cooldownSec = parseDurationSec(part, `"${entry}": cooldown`);
      continue;
    }
    const [, key, value = ''] = kv;
    if (key === 'min') {
      const n = Number(value);
      if (!Number.isFinite(n) || n < 0) return fail(`"${entry}": min= must be a number of contracts ≥ 0`);
      tf.minAbsContracts = n;
    } else if (key === 'tol') {
      tf.toleranceSec = parseDurationSec(value, `"${entry}": tol`);
    } else if (key === 'n' && tf.kind === 'window-median') {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1) return fail(`"${entry}": n= must be an integer ≥ 1`);
      tf.minSamples = n;
    } else if (key === 'label') {
      tf.label = value.trim();
    } else {
      return fail(`"${entry}": unknown option "${key}" (options are min=, tol=, n= (windows), label=)`);
    }
  }
  if (tf.kind === 'lookback' && tf.toleranceSec >= tf.lookbackSec)
    return fail(`"${entry}": tolerance must be shorter than the lookback`);
  return tf;
}

/**
 * Parses `OI_ALERT_TIMEFRAMES`. Comma-separated entries, fields separated by ':':
 *   `<lookback>:<threshold>%[:<cooldown>][:min=<contracts>][:tol=<duration>][:label=<text>]`
 *   `w<fromMin>-<toMin>:<threshold>%[:<cooldown>][:min=…][:tol=…][:n=<min samples>][:label=…]`
 * Durations carry a unit (s, m, h). Defaults: cooldown = lookback (windows 1h), min = 5000 contracts,
 * tol = min(120, max(30, lookback/10)) s (windows 300 s), n = 5. Blank/undefined → DEFAULT_OI_TIMEFRAMES.
 * Example: `5m:3%:600s,15m:5%:900s,1h:10%:3600s,w60-30:5%:3600s`.
 */
export function parseOiTimeframes(value: string | undefined | null): OiTimeframe[] {
  if (value === undefined || value === null || value.trim() === '') return DEFAULT_OI_TIMEFRAMES.map((t) => ({ ...t }));
  const entries = value
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '');
  const out = entries.map(parseEntry);
  const seen = new Set<string>();
  for (const tf of out) {
    if (seen.has(tf.label)) fail(`timeframe "${tf.label}" appears twice`);
    seen.add(tf.label);
  }
  return out;
}

function durationText(sec: number): string {
  return sec % 3600 === 0 ? `${sec / 3600}h` : sec % 60 === 0 ? `${sec / 60}m` : `${sec}s`;
}

/** Inverse of parseOiTimeframes (only non-default options are written). */
export function formatOiTimeframes(timeframes: readonly OiTimeframe[]): string {
  return timeframes
    .map((tf) => {
      const isWindow = tf.kind === 'window-median';
      const base = isWindow
        ? window(tf.fromMin ?? 0, tf.toMin ?? 0, tf.thresholdPct, 3600)
        : lookback(tf.lookbackSec, tf.thresholdPct, tf.lookbackSec);
      const parts = [
        isWindow ? `w${tf.fromMin}-${tf.toMin}` : durationText(tf.lookbackSec),
        `${tf.thresholdPct}%`,
        `${tf.cooldownSec}s`,
      ];
      if (tf.minAbsContracts !== base.minAbsContracts) parts.push(`min=${tf.minAbsContracts}`);
      if (tf.toleranceSec !== base.toleranceSec) parts.push(`tol=${tf.toleranceSec}s`);
      if (isWindow && tf.minSamples !== base.minSamples) parts.push(`n=${tf.minSamples}`);
      if (tf.label !== base.label) parts.push(`label=${tf.label}`);
      return parts.join(':');
    })
    .join(',');
}
