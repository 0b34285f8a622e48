// Activity-driven OI scheduling rules (pure). Open interest changes only when contracts trade: since a
// symbol's last poll, |ΔOI| ≤ the contracts traded since then. So the poller spends its weight where
// trading since the last poll is large relative to open interest, and still polls every symbol at least
// every `maxStalenessMs` (least-slack first when that bound gets tight). See docs/adr/0006.
import { OiCoreError } from './errors.js';

/** Why a symbol was polled: its trading since the last poll, the staleness bound, or the fixed plan. */
export type PollReason = 'activity' | 'staleness' | 'fixed';

export interface ActivityCandidate {
  symbol: string;
  /** when its last poll was sent (epoch ms); null = never polled */
  lastPollAt: number | null;
  /** when it joined the polled set (epoch ms): the staleness clock of a symbol never polled */
  addedAt: number;
  /** contracts traded since its last poll was sent; null = unknown (the trade stream says nothing) */
  tradedSincePoll: number | null;
  /** open interest of its last sample (contracts); null before the first sample */
  openInterest: number | null;
}

export interface ActivityRules {
  /** every symbol is polled at least this often */
  maxStalenessMs: number;
  /** traded ÷ OI worth as much priority as a whole staleness period (e.g. 0.0005 = 0.05 % of OI) */
  activityUnit: number;
  /** a symbol is not polled again sooner than this after its last poll */
  minGapMs: number;
  /** the time between two poll slots: 60 000 ÷ (OI weight per minute) */
  slotMs: number;
  /** slack kept before a staleness deadline (request time, timer jitter) */
  guardMs: number;
}

/** Defaults of the tunables (the env of apps/oi-poller can override them). */
export const DEFAULT_ACTIVITY_UNIT = 0.0005;
export const DEFAULT_MIN_GAP_MS = 1000;
export const DEFAULT_GUARD_MS = 1500;

const ageOf = (c: ActivityCandidate, now: number): number => now - (c.lastPollAt ?? c.addedAt);

/**
 * Priority of polling `c` now: (traded since its last poll ÷ its OI) ÷ activityUnit + age ÷ maxStaleness.
 * The first term is the largest relative OI move trading allows since the last poll; the second keeps a
 * symbol that trades nothing creeping up. A symbol never polled (or with no OI yet) comes first (∞); an
 * unknown traded volume (stream down) counts as age only, which makes the order round-robin by staleness.
 */
export function pollPriority(c: ActivityCandidate, now: number, rules: ActivityRules): number {
  if (c.lastPollAt === null || c.openInterest === null) return Number.POSITIVE_INFINITY;
  const age = Math.max(0, ageOf(c, now)) / rules.maxStalenessMs;
  if (c.tradedSincePoll === null || !(c.openInterest > 0)) return age;
  return c.tradedSincePoll / c.openInterest / rules.activityUnit + age;
}

/**
 * Least slack: the symbols ordered by staleness deadline (last poll or joining + maxStaleness − guard);
 * served one per slot in that order, the j-th (0-based) would go at now + j·slot. When any of them would
 * then miss its deadline, the earliest deadline must go now: returns it, else null (room for activity).
 */
export function stalenessDue(
  candidates: readonly ActivityCandidate[],
  now: number,
  rules: ActivityRules,
): ActivityCandidate | null {
  const byDeadline = [...candidates].sort(
    (a, b) => (a.lastPollAt ?? a.addedAt) - (b.lastPollAt ?? b.addedAt) || (a.symbol < b.symbol ? -1 : 1),
  );
  const first = byDeadline[0];
  if (!first) return null;
  for (let j = 0; j < byDeadline.length; j++) {
    const c = byDeadline[j] as ActivityCandidate;
    const deadline = (c.lastPollAt ?? c.addedAt) + rules.maxStalenessMs - rules.guardMs;
    if (now + j * rules.slotMs >= deadline) return first;
  }
  return null;
}

/**
 * The symbol the next poll slot goes to, and why. `candidates` are the symbols that may be polled now
 * (not in flight, not backing off). Order of the rules:
 * 1. staleness: the least-slack rule above (a symbol never polled counts as stalest);
 * 2. activity: the highest `pollPriority` among those polled at least `minGapMs` ago — labelled
 *    'staleness' when its traded volume is unknown or zero (then only its age ranked it);
 * 3. nobody eligible (everyone polled within minGapMs): null — the slot stays unused.
 */
export function pickNextPoll(
  candidates: readonly ActivityCandidate[],
  now: number,
  rules: ActivityRules,
): { symbol: string; reason: PollReason } | null {
  const due = stalenessDue(candidates, now, rules);
  if (due && (due.lastPollAt === null || now - due.lastPollAt >= rules.minGapMs))
    return { symbol: due.symbol, reason: 'staleness' };
  let best: ActivityCandidate | null = null;
  let bestPriority = Number.NEGATIVE_INFINITY;
  for (const c of candidates) {
    if (c.lastPollAt !== null && now - c.lastPollAt < rules.minGapMs) continue;
    const p = pollPriority(c, now, rules);
    if (p > bestPriority || (p === bestPriority && best !== null && ageOf(c, now) > ageOf(best, now))) {
      best = c;
      bestPriority = p;
    }
  }
  if (!best) return null;
  const byTrades = best.lastPollAt !== null && best.openInterest !== null && (best.tradedSincePoll ?? 0) > 0;
  return { symbol: best.symbol, reason: byTrades ? 'activity' : 'staleness' };
}

/** Poll slot length for a weight share: 60 000 ÷ weightPerMin ms (one OI request = weight 1). */
export function slotMsFor(weightPerMin: number): number {
  if (!(weightPerMin > 0) || !Number.isFinite(weightPerMin)) {
    throw new OiCoreError(
      'POLL_BUDGET_INVALID',
      `OI poll budget must be a positive number of weight/min (got ${weightPerMin})`,
    );
  }
  return 60_000 / weightPerMin;
}

/** Most symbols the staleness bound can hold with this share: every one polled within maxStaleness − guard. */
export function stalenessCapacity(weightPerMin: number, maxStalenessMs: number, guardMs: number): number {
  return Math.floor(((maxStalenessMs - guardMs) * weightPerMin) / 60_000);
}

/**
 * Checks that `symbols` can all be polled every `maxStalenessMs` with `weightPerMin`; returns null when they
 * can, else one line saying what is impossible and what would make it possible.
 */
export function stalenessProblem(
  symbols: number,
  weightPerMin: number,
  maxStalenessMs: number,
  guardMs: number,
): string | null {
  if (symbols <= 0) return null;
  if (stalenessCapacity(weightPerMin, maxStalenessMs, guardMs) >= symbols) return null;
  const needPerMin = Math.ceil((symbols * 60_000) / (maxStalenessMs - guardMs));
  const minStaleness = Math.ceil((symbols * 60_000) / weightPerMin + guardMs);
  return (
    `OI_MAX_STALENESS_MS=${maxStalenessMs} cannot hold for ${symbols} symbols: polling each within ` +
    `${((maxStalenessMs - guardMs) / 1000).toFixed(1)} s needs ${needPerMin} weight/min, the OI share is ` +
    `${Math.floor(weightPerMin)} (raise OI_MAX_STALENESS_MS to at least ${minStaleness}, or give the poller more weight)`
  );
}
