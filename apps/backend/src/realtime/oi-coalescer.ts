/** One stored OI sample as the ingest route hands it to Socket.IO. */
export interface OiUpdateSample {
  symbol: string;
  openInterest: number;
  openInterestUsd: number | null;
  markPrice: number | null;
  ts: Date;
}

/**
 * Keeps only the newest OI sample per symbol and hands the set over once per tick (§6-35: the legacy
 * backend emitted every sample of every ingest). One timer is armed while samples are pending; none
 * runs while idle.
 */
export class OiUpdateCoalescer {
  private pending = new Map<string, OiUpdateSample>();
  private timer: NodeJS.Timeout | null = null;
  private superseded = 0;

  constructor(
    private readonly tickMs: number,
    private readonly flush: (samples: OiUpdateSample[]) => void,
  ) {}

  add(samples: readonly OiUpdateSample[]): void {
    for (const s of samples) {
      const prev = this.pending.get(s.symbol);
      if (prev) {
        this.superseded += 1;
        if (prev.ts.getTime() > s.ts.getTime()) continue;
      }
      this.pending.set(s.symbol, s);
    }
    if (this.timer === null && this.pending.size > 0) {
      this.timer = setTimeout(() => this.tick(), this.tickMs);
      this.timer.unref?.();
    }
  }

  pendingCount(): number {
    return this.pending.size;
  }

  supersededCount(): number {
    return this.superseded;
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.pending.clear();
  }

  private tick(): void {
    this.timer = null;
    const batch = [...this.pending.values()];
    this.pending = new Map();
    if (batch.length > 0) this.flush(batch);
  }
}
