import { OiCoreError } from './errors.js';

/** One `GET /fapi/v1/openInterest` costs weight 1, so requests/min == weight/min. */
export const OI_REQUEST_WEIGHT = 1;

export interface PollSymbol {
  symbol: string;
  /** 24h quote volume (USDT); missing/non-finite ranks last. */
  quoteVolume24h: number | null | undefined;
}

export interface PollTier {
  intervalMs: number;
  /** Symbols of this tier, most liquid first. */
  symbols: string[];
}

export interface PollPlan {
  /** 60·N / budget seconds, in ms (unrounded): the fastest uniform interval the budget allows. */
  floorMs: number;
  /** Fastest tier first. Empty for an empty universe. */
  tiers: PollTier[];
  perSymbol: Map<string, number>;
  /** Planned weight per minute: Σ 60000 / intervalMs. Always ≤ budgetPerMin. */
  weightPerMin: number;
  /** Always false: every symbol gets a finite interval. Kept for callers that report it. */
  starved: false;
}

export interface PlanPollIntervalsInput {
  symbols: readonly PollSymbol[];
  /** Weight/min the OI poller may spend (e.g. `WeightBudget.availableFor('oi-poller')`). */
  budgetPerMin: number;
  minIntervalMs?: number;
  maxIntervalMs?: number;
}

const EPS = 1e-9;

function rankByVolume(symbols: readonly PollSymbol[]): string[] {
  const vol = (v: number | null | undefined): number => (typeof v === 'number' && Number.isFinite(v) ? v : -Infinity);
  return [...symbols]
    .sort(
      (a, b) =>
        vol(b.quoteVolume24h) - vol(a.quoteVolume24h) || (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0),
    )
    .map((s) => s.symbol);
}

/**
 * Plans one poll interval per symbol inside a weight budget.
 *
 * - floor = 60·N / budget s. If floor ≤ max: one tier at clamp(ceil(floor), min, max) ms.
 * - If floor > max (the budget cannot serve everybody at max): a ladder of levels max·2^k. The slowest
 *   level K is the smallest at which the whole universe fits the budget. Symbols, most liquid first, each
 *   take the fastest level that still leaves room for every remaining symbol at level K. So the head runs
 *   at `max`, the tail at max·2^K, nobody is starved and the budget is never exceeded.
 */
export function planPollIntervals(input: PlanPollIntervalsInput): PollPlan {
  const minMs = input.minIntervalMs ?? 5000;
  const maxMs = input.maxIntervalMs ?? 12000;
  const budget = input.budgetPerMin;
  if (!Number.isFinite(budget) || budget <= 0) {
    throw new OiCoreError(
      'POLL_BUDGET_INVALID',
      `OI poll budget must be a positive number of weight/min (got ${budget})`,
    );
  }
  if (!Number.isFinite(minMs) || !Number.isFinite(maxMs) || minMs <= 0 || maxMs < minMs) {
    throw new OiCoreError(
      'POLL_INTERVALS_INVALID',
      `OI poll interval bounds invalid: min ${minMs} ms, max ${maxMs} ms (need 0 < min ≤ max)`,
    );
  }
  const ranked = rankByVolume(input.symbols);
  const n = ranked.length;
  const floorMs = (60_000 * n * OI_REQUEST_WEIGHT) / budget;
  const perSymbol = new Map<string, number>();
  if (n === 0) return { floorMs, tiers: [], perSymbol, weightPerMin: 0, starved: false };

  const w = (intervalMs: number): number => (60_000 * OI_REQUEST_WEIGHT) / intervalMs;

  if (floorMs <= maxMs) {
    const intervalMs = Math.min(maxMs, Math.max(minMs, Math.ceil(floorMs)));
    for (const s of ranked) perSymbol.set(s, intervalMs);
    return {
      floorMs,
      tiers: [{ intervalMs, symbols: ranked }],
      perSymbol,
      weightPerMin: (n * 60_000 * OI_REQUEST_WEIGHT) / intervalMs,
      starved: false,
    };
  }

  let k = 1;
  while (n * w(maxMs * 2 ** k) > budget + EPS) k++;
  const levels = Array.from({ length: k + 1 }, (_, i) => maxMs * 2 ** i);
  const slowest = levels[k] as number;
  const tiers = new Map<number, string[]>();
  let used = 0;
  ranked.forEach((s, i) => {
    const remaining = n - i - 1;
    const reserve = remaining * w(slowest);
    const level = levels.find((l) => used + w(l) + reserve <= budget + EPS) ?? slowest;
    used += w(level);
    perSymbol.set(s, level);
    const list = tiers.get(level) ?? [];
    list.push(s);
    tiers.set(level, list);
  });
  const tierList = [...tiers.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([intervalMs, symbols]) => ({ intervalMs, symbols }));
  const weightPerMin = tierList.reduce((a, t) => a + (t.symbols.length * 60_000 * OI_REQUEST_WEIGHT) / t.intervalMs, 0);
  return { floorMs, tiers: tierList, perSymbol, weightPerMin, starved: false };
}

/**
 * Legacy backend `estimatedPollIntervalSec` (liquid-universe response): clamp(round(60 ÷ (maxReqPerMin ÷ N)), min, max)
 * seconds with JS rounding (half UP: N = 350 → 11), N ≤ 0 → max. The Python poller rounded half to even
 * (N = 350 → 10); this is the backend's value, kept as the wire contract.
 */
export function estimatedPollIntervalSec(n: number, maxReqPerMin = 2000, minSec = 5, maxSec = 20): number {
  if (!(n > 0)) return maxSec;
  const raw = Math.round(60 / (maxReqPerMin / n));
  return Math.min(maxSec, Math.max(minSec, raw));
}
