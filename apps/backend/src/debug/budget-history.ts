// Short in-memory history of weight-budget snapshots for /debug/rate-limit.

import type { BudgetSnapshot } from '@volspike/runtime';

/** Kept as an alias: the pages only read what the bus message carries. */
export type BudgetSnapshotLike = BudgetSnapshot;

export interface BudgetPoint {
  at: number;
  usedLastMinute: number;
  /** weight used in the budget's own window so far (null for snapshots without it) */
  windowUsed: number | null;
  usablePerMin: number;
  headroom: number;
  serverUsedWeight1m: number | null;
  byComponent: Record<string, number>;
}

export function isBudgetSnapshot(v: unknown): v is BudgetSnapshotLike {
  if (typeof v !== 'object' || v === null) return false;
  const s = v as Record<string, unknown>;
  return (
    typeof s.at === 'number' &&
    typeof s.usedLastMinute === 'number' &&
    typeof s.usablePerMin === 'number' &&
    typeof s.headroom === 'number' &&
    typeof s.byComponent === 'object' &&
    s.byComponent !== null
  );
}

export class BudgetHistory {
  private points: BudgetPoint[] = [];
  private latestSnapshot: BudgetSnapshotLike | null = null;

  constructor(
    private readonly maxPoints = 720,
    private readonly maxAgeMs = 60 * 60_000,
  ) {}

  /** Adds a snapshot; returns false when it is malformed or not newer than the last one. */
  add(v: unknown): boolean {
    if (!isBudgetSnapshot(v)) return false;
    const last = this.points.at(-1);
    if (last && v.at <= last.at) return false;
    this.latestSnapshot = v;
    const byComponent: Record<string, number> = {};
    for (const [name, c] of Object.entries(v.byComponent)) byComponent[name] = c.usedLastMinute;
    this.points.push({
      at: v.at,
      usedLastMinute: v.usedLastMinute,
      windowUsed: v.window?.used ?? null,
      usablePerMin: v.usablePerMin,
      headroom: v.headroom,
      serverUsedWeight1m: v.serverUsedWeight1m ?? null,
      byComponent,
    });
    const cutoff = v.at - this.maxAgeMs;
    while (this.points.length > this.maxPoints || (this.points[0] && this.points[0].at < cutoff)) this.points.shift();
    return true;
  }

  latest(): BudgetSnapshotLike | null {
    return this.latestSnapshot;
  }

  history(): BudgetPoint[] {
    return [...this.points];
  }

  /** Every component seen in the history, sorted. */
  components(): string[] {
    const names = new Set<string>();
    for (const p of this.points) for (const n of Object.keys(p.byComponent)) names.add(n);
    return [...names].sort();
  }
}
