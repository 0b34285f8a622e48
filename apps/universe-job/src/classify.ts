import { applyHysteresis } from '@volspike/oi-core';
import type { UniverseMember } from '@volspike/oi-core';
import type { UniverseMessage } from '@volspike/runtime';

type PublishedMember = UniverseMessage['symbols'][number];

export interface ClassifyInput {
  now: number;
  /** Current members as published (ISO timestamps). */
  current: readonly PublishedMember[];
  /** Tradable USDT perpetuals from this run's listing; a member missing from it has been delisted. */
  tradable: readonly string[];
  /** 24h quote volume per symbol; a symbol absent here has no data this run. */
  volumes: ReadonlyMap<string, number>;
  enter: number;
  exit: number;
  maxSymbols: number | undefined;
}

export interface ClassifyResult {
  members: PublishedMember[];
  entered: string[];
  exited: string[];
}

function toEpoch(iso: string, fallback: number): number {
  const t = Date.parse(iso);
  return Number.isFinite(t) ? t : fallback;
}

/** oi-core's applyHysteresis between the wire form (ISO strings) and its epoch-ms members. */
export function classify(input: ClassifyInput): ClassifyResult {
  const current: UniverseMember[] = input.current.map((m) => ({
    symbol: m.symbol,
    quoteVolume24h: m.quoteVolume24h,
    enteredAt: toEpoch(m.enteredAt, input.now),
    lastSeenAt: toEpoch(m.lastSeenAt, input.now),
  }));
  const result = applyHysteresis({
    current,
    candidates: input.tradable.map((symbol) => ({ symbol, tradable: true })),
    quoteVolumes: Object.fromEntries(input.volumes),
    enter: input.enter,
    exit: input.exit,
    maxSymbols: input.maxSymbols,
    now: input.now,
  });
  return {
    members: result.members.map((m) => ({
      symbol: m.symbol,
      quoteVolume24h: m.quoteVolume24h,
      enteredAt: new Date(m.enteredAt).toISOString(),
      lastSeenAt: new Date(m.lastSeenAt).toISOString(),
    })),
    entered: result.entered,
    exited: result.exited.map((e) => e.symbol),
  };
}
