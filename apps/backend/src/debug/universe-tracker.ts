// Remembers how the liquid universe changed between the `universe` bus messages this process saw,
// so /debug/universe can show what entered and what left (the table itself only holds members).

export interface UniverseChange {
  at: string;
  entered: string[];
  left: string[];
  size: number;
}

export interface UniverseMessageLike {
  updatedAt: string;
  enterThreshold: number;
  exitThreshold: number;
  symbols: { symbol: string }[];
}

export function isUniverseMessage(v: unknown): v is UniverseMessageLike {
  if (typeof v !== 'object' || v === null) return false;
  const m = v as Record<string, unknown>;
  return (
    typeof m.updatedAt === 'string' &&
    Array.isArray(m.symbols) &&
    typeof m.enterThreshold === 'number' &&
    typeof m.exitThreshold === 'number'
  );
}

export class UniverseTracker {
  private members: Set<string> | null = null;
  private changes: UniverseChange[] = [];
  private last: { updatedAt: string; enterThreshold: number; exitThreshold: number } | null = null;

  constructor(private readonly maxChanges = 50) {}

  /** Feeds one universe message; the first one only sets the baseline. */
  observe(v: unknown): void {
    if (!isUniverseMessage(v)) return;
    if (this.last && v.updatedAt <= this.last.updatedAt) return;
    const next = new Set(v.symbols.map((s) => s.symbol));
    if (this.members) {
      const entered = [...next].filter((s) => !this.members!.has(s)).sort();
      const left = [...this.members].filter((s) => !next.has(s)).sort();
      if (entered.length > 0 || left.length > 0) {
        this.changes.unshift({ at: v.updatedAt, entered, left, size: next.size });
        this.changes.length = Math.min(this.changes.length, this.maxChanges);
      }
    }
    this.members = next;
    this.last = { updatedAt: v.updatedAt, enterThreshold: v.enterThreshold, exitThreshold: v.exitThreshold };
  }

  recentChanges(): UniverseChange[] {
    return [...this.changes];
  }

  totals(): { entered: number; left: number } {
    let entered = 0;
    let left = 0;
    for (const c of this.changes) {
      entered += c.entered.length;
      left += c.left.length;
    }
    return { entered, left };
  }

  thresholds(): { updatedAt: string; enterThreshold: number; exitThreshold: number } | null {
    return this.last;
  }
}
