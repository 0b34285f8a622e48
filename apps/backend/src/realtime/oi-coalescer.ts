/** One stored OI sample as the ingest route hands it to Socket.IO. */
export interface OiUpdateSample {
  symbol: string;
  openInterest: number;
  openInterestUsd: number | null;
  markPrice: number | null;
  ts: Date;
}

export interface CoalescerOptions {
  /** At most one update per symbol per tick (OI_UPDATE_TICK_MS) */
  tickMs: number;
  /** At most one hand-over per gap (OI_UPDATE_FLUSH_GAP_MS): samples of one burst go out together */
  gapMs: number;
  now?: () => number;
}

/**
 * Keeps only the newest OI sample per symbol and decides when it goes out (§6-35: the legacy backend emitted
 * every sample of every ingest, to every client):
 * - a symbol goes out at most once per tick: a sample of a symbol sent less than a tick ago waits for the rest
 *   of that symbol's tick (and is superseded by a newer one meanwhile);
 * - every other sample goes out at once, grouped with whatever else is ready: at most one hand-over per gap.
 *
 * A symbol's new value is never held back because other symbols were sent: the poller publishes every 2 s, so
 * its samples reach clients within one gap of the backend's receipt. One timer is armed while samples are
 * pending; none runs while idle.
 */
export class OiUpdateCoalescer {
  private pending = new Map<string, OiUpdateSample>();
  private readonly lastSent = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private timerAt = Number.POSITIVE_INFINITY;
  private lastFlushAt = Number.NEGATIVE_INFINITY;
  private superseded = 0;
  private readonly now: () => number;

  constructor(
    private readonly opts: CoalescerOptions,
    private readonly flush: (samples: OiUpdateSample[]) => void,
  ) {
    this.now = opts.now ?? Date.now;
  }

  add(samples: readonly OiUpdateSample[]): void {
    let earliest = Number.POSITIVE_INFINITY;
    for (const s of samples) {
      const prev = this.pending.get(s.symbol);
      if (prev) {
        // already waiting, with its time already armed: only the newer value replaces it
        this.superseded += 1;
        if (prev.ts.getTime() <= s.ts.getTime()) this.pending.set(s.symbol, s);
        continue;
      }
      this.pending.set(s.symbol, s);
      earliest = Math.min(earliest, this.lastSent.get(s.symbol) ?? Number.NEGATIVE_INFINITY);
    }
    // a tick after the symbol's last update, and a gap after the last hand-over
    if (earliest < Number.POSITIVE_INFINITY)
      this.arm(Math.max(earliest + this.opts.tickMs, this.lastFlushAt + this.opts.gapMs));
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
    this.timerAt = Number.POSITIVE_INFINITY;
    this.pending.clear();
  }

  private arm(at: number): void {
    if (this.timer !== null && this.timerAt <= at) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => this.tick(), Math.max(0, at - this.now()));
    this.timer.unref?.();
  }

  private tick(): void {
    this.timer = null;
    this.timerAt = Number.POSITIVE_INFINITY;
    const now = this.now();
    const ready: OiUpdateSample[] = [];
    let next = Number.POSITIVE_INFINITY;
    for (const [symbol, s] of this.pending) {
      const due = (this.lastSent.get(symbol) ?? Number.NEGATIVE_INFINITY) + this.opts.tickMs;
      if (due <= now) ready.push(s);
      else next = Math.min(next, due);
    }
    for (const s of ready) {
      this.pending.delete(s.symbol);
      this.lastSent.set(s.symbol, now);
    }
    this.forgetOldSymbols(now);
    if (ready.length > 0) this.lastFlushAt = now;
    if (this.pending.size > 0) this.arm(Math.max(next, this.lastFlushAt + this.opts.gapMs));
    if (ready.length > 0) this.flush(ready);
  }

  /** A symbol last sent more than a tick ago is free again: its entry is not needed (bounded memory). */
  private forgetOldSymbols(now: number): void {
    if (this.lastSent.size < 2 * Math.max(1, this.pending.size) + 1024) return;
    for (const [symbol, at] of this.lastSent) if (at + this.opts.tickMs <= now) this.lastSent.delete(symbol);
  }
}
