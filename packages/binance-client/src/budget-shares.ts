// Per-component shares of the weight budget: reservations, caps and priorities.

export type Component =
  | 'oi-poller'
  | 'universe-job'
  | 'binance-proxy'
  | 'volume-alerts'
  | 'funding'
  | 'user-alerts'
  | 'bench'
  | (string & {});

export interface BudgetShare {
  /** Weight/min kept free for this component: nobody else may plan on it. */
  reservePerMin?: number;
  /** Hard cap for this component (weight per window). */
  maxPerMin?: number;
  /** Bottleneck priority, 0 highest … 9 lowest (default 5). */
  priority?: number;
}

/**
 * The one place where the per-component reservations live. The OI poller has no reservation: it
 * takes what the others leave (`availableFor('oi-poller')`). A start-up backfill should run as
 * `<app>:backfill` (no reservation, low priority) so it never delays steady-state polling.
 */
export const DEFAULT_COMPONENT_SHARES: Record<string, BudgetShare> = {
  'oi-poller': { priority: 2 },
  'binance-proxy': { reservePerMin: 10, priority: 1 },
  'universe-job': { reservePerMin: 60, priority: 3 },
  'volume-alerts': { reservePerMin: 60, priority: 4 },
  funding: { reservePerMin: 5, priority: 3 },
  'user-alerts': { reservePerMin: 10, priority: 4 },
  bench: { priority: 5 },
};

export const DEFAULT_PRIORITY = 5;
export const BACKFILL_PRIORITY = 8;

export function resolveShare(
  shares: Record<string, BudgetShare>,
  component: string,
): Required<Pick<BudgetShare, 'reservePerMin' | 'priority'>> & { maxPerMin: number | null } {
  const own = shares[component];
  const backfill = own === undefined && component.endsWith(':backfill');
  const priority = clampPriority(own?.priority ?? (backfill ? BACKFILL_PRIORITY : DEFAULT_PRIORITY));
  return { reservePerMin: Math.max(0, own?.reservePerMin ?? 0), maxPerMin: own?.maxPerMin ?? null, priority };
}

function clampPriority(p: number): number {
  return Math.min(9, Math.max(0, Math.round(p)));
}

/** Weight per window a component may use: its cap, and never what others have reserved. */
export function capFor(shares: Record<string, BudgetShare>, component: string, usable: number): number {
  let reservedByOthers = 0;
  for (const [name, share] of Object.entries(shares)) {
    if (name !== component) reservedByOthers += Math.max(0, share.reservePerMin ?? 0);
  }
  const own = resolveShare(shares, component);
  const cap = Math.min(own.maxPerMin ?? usable, usable - reservedByOthers);
  return Math.max(0, Math.floor(cap));
}
