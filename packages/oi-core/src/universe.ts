import { OiCoreError } from './errors.js';

export interface UniverseMember {
  symbol: string;
  /** epoch ms when the symbol (last) joined; kept while it stays a member. */
  enteredAt: number;
  /** last known 24h quote volume (USDT). */
  quoteVolume24h: number;
  /** epoch ms of the last run that saw 24h data for it. */
  lastSeenAt: number;
}

export interface UniverseCandidate {
  symbol: string;
  /** true iff status TRADING, contract PERPETUAL, quote USDT (the shared filter). */
  tradable: boolean;
}

export type UniverseExitReason = 'below-exit' | 'not-tradable' | 'delisted' | 'cap';

export interface ApplyHysteresisInput {
  current: ReadonlyMap<string, UniverseMember> | readonly UniverseMember[];
  /** Every symbol of the exchange listing the caller fetched (a member absent from it is delisted). */
  candidates: readonly UniverseCandidate[];
  /** 24h quote volume per symbol; undefined / non-finite = no data this run. */
  quoteVolumes: Readonly<Record<string, number | null | undefined>>;
  enter: number;
  exit: number;
  maxSymbols?: number;
  now: number;
}

export interface ApplyHysteresisResult {
  /** Sorted by quote volume descending, then symbol. */
  members: UniverseMember[];
  entered: string[];
  exited: { symbol: string; reason: UniverseExitReason }[];
}

export function validateHysteresisThresholds(enter: number, exit: number): void {
  if (!Number.isFinite(enter) || !Number.isFinite(exit) || exit < 0) {
    throw new OiCoreError(
      'UNIVERSE_THRESHOLDS_INVALID',
      `Universe thresholds must be finite and ≥ 0 (enter ${enter}, exit ${exit})`,
    );
  }
  if (!(exit < enter)) {
    throw new OiCoreError(
      'UNIVERSE_THRESHOLDS_INVALID',
      `Universe exit threshold (${exit}) must be below the enter threshold (${enter})`,
    );
  }
}

const bySymbol = (a: UniverseMember, b: UniverseMember): number =>
  a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0;

/**
 * Liquid-universe hysteresis (docs/legacy-contracts.md §4.3, issue 6), one run:
 * - not a member: joins iff it is tradable and its 24h quote volume ≥ enter (enteredAt = now);
 * - member: stays while volume ≥ exit (quoteVolume24h, lastSeenAt updated); below exit → leaves;
 * - no 24h data this run: a member keeps its membership (values unchanged), a non-member is never added;
 * - not tradable (or absent from `candidates` = delisted): leaves at once, whatever its volume;
 * - maxSymbols: keep the top by volume (members win volume ties over newcomers); the rest leave with 'cap'
 *   or are not added.
 * The caller must not run this with inputs whose fetch failed (an empty candidate list means "all delisted").
 */
export function applyHysteresis(input: ApplyHysteresisInput): ApplyHysteresisResult {
  validateHysteresisThresholds(input.enter, input.exit);
  const current =
    input.current instanceof Map ? [...input.current.values()] : [...(input.current as readonly UniverseMember[])];
  const currentBySymbol = new Map(current.map((m) => [m.symbol, m]));
  const listing = new Map(input.candidates.map((c) => [c.symbol, c]));
  const volumeOf = (s: string): number | undefined => {
    const v = input.quoteVolumes[s];
    return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
  };

  const kept: UniverseMember[] = [];
  const exited: ApplyHysteresisResult['exited'] = [];
  for (const m of current) {
    const c = listing.get(m.symbol);
    if (!c) {
      exited.push({ symbol: m.symbol, reason: 'delisted' });
      continue;
    }
    if (!c.tradable) {
      exited.push({ symbol: m.symbol, reason: 'not-tradable' });
      continue;
    }
    const qv = volumeOf(m.symbol);
    if (qv === undefined) {
      kept.push({ ...m });
    } else if (qv >= input.exit) {
      kept.push({ ...m, quoteVolume24h: qv, lastSeenAt: input.now });
    } else {
      exited.push({ symbol: m.symbol, reason: 'below-exit' });
    }
  }

  const newcomers: UniverseMember[] = [];
  for (const c of input.candidates) {
    if (currentBySymbol.has(c.symbol) || !c.tradable) continue;
    const qv = volumeOf(c.symbol);
    if (qv !== undefined && qv >= input.enter) {
      newcomers.push({ symbol: c.symbol, enteredAt: input.now, quoteVolume24h: qv, lastSeenAt: input.now });
    }
  }

  const isMember = (m: UniverseMember): number => Number(currentBySymbol.has(m.symbol));
  let members = [...kept, ...newcomers].sort(
    (a, b) => b.quoteVolume24h - a.quoteVolume24h || isMember(b) - isMember(a) || bySymbol(a, b),
  );
  const max = input.maxSymbols;
  if (max !== undefined && Number.isFinite(max) && max >= 0 && members.length > max) {
    const dropped = members.slice(Math.floor(max));
    members = members.slice(0, Math.floor(max));
    for (const d of dropped) if (currentBySymbol.has(d.symbol)) exited.push({ symbol: d.symbol, reason: 'cap' });
  }
  const memberSet = new Set(members.map((m) => m.symbol));
  const entered = newcomers.filter((m) => memberSet.has(m.symbol)).map((m) => m.symbol);
  return { members, entered, exited };
}
