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
  /**
   * One hand-over per gap on average (OI_UPDATE_FLUSH_GAP_MS): what is ready goes out together, and a dense
   * stream is handed over at most 1000 / gapMs times a second
   */
  gapMs: number;
  /**
   * Hand-overs allowed back to back before the gap applies (OI_UPDATE_FLUSH_BURST, default 1): a hand-over
   * waits only when `burst` of them went out within the last `burst` gaps. The rate bound is unchanged.
   */
  burst?: number;
  now?: () => number;
}

/**
 * Keeps only the newest OI sample per symbol and decides when it goes out (§6-35: the legacy backend emitted
 * every sample of every ingest, to every client):
 * - a symbol goes out at most once per tick: a sample of a symbol sent less than a tick ago waits for the rest
 *   of that symbol's tick (and is superseded by a newer one meanwhile);
 * - every other sample goes out at once, grouped with whatever else is ready: one hand-over per gap on
 *   average, `burst` of them back to back (a sample waits for the gap only when the burst is used up).
 *
 * A symbol's new value is never held back because other symbols were sent: the poller publishes every 2 s, so
 * its samples go out as soon as the backend has them (within one gap if a dense stream has used up the burst).
 * One timer is armed while samples are pending; none runs while idle. A hand-over that is due at once runs in a microtask: after the code that
 * added the samples (the ingest request's handler), before the event loop's next callback. A timer of 0 ms
 * would wait for every other callback already ready (under an ingest load, tens of milliseconds of them).
 */
export class OiUpdateCoalescer {
  private pending = new Map<string, OiUpdateSample>();
  private readonly lastSent = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  /** a hand-over due at once is queued as a microtask */
  private soon = false;
  private timerAt = Number.POSITIVE_INFINITY;
  /**
   * The pacing of hand-overs (the generic cell rate algorithm): each hand-over moves this one gap on from
   * max(itself, now); the next may go out `burst - 1` gaps before it.
   */
  private paceAt = Number.NEGATIVE_INFINITY;
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
    // a tick after the symbol's last update, and when the pacing of hand-overs allows
    if (earliest < Number.POSITIVE_INFINITY) this.arm(Math.max(earliest + this.opts.tickMs, this.nextHandOverAt()));
  }

  pendingCount(): number {
    return this.pending.size;
  }

  supersededCount(): number {
    return this.superseded;
  }

  stop(): void {
    this.disarm();
    this.pending.clear();
  }

  private disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.soon = false;
    this.timerAt = Number.POSITIVE_INFINITY;
  }

  private arm(at: number): void {
    if ((this.timer !== null || this.soon) && this.timerAt <= at) return;
    this.disarm();
    this.timerAt = at;
    const delay = at - this.now();
    if (delay <= 0) {
      this.soon = true;
      queueMicrotask(() => {
        if (this.soon) this.tick(); // not if stopped or re-armed meanwhile
      });
      return;
    }
    this.timer = setTimeout(() => this.tick(), delay);
    this.timer.unref?.();
  }

  private tick(): void {
    this.disarm();
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
    if (ready.length > 0) this.paceAt = Math.max(this.paceAt, now) + this.opts.gapMs;
    if (this.pending.size > 0) this.arm(Math.max(next, this.nextHandOverAt()));
    if (ready.length > 0) this.flush(ready);
  }

  /** The earliest time the next hand-over may go out. */
  private nextHandOverAt(): number {
    return this.paceAt - (Math.max(1, this.opts.burst ?? 1) - 1) * this.opts.gapMs;
  }

  /** A symbol last sent more than a tick ago is free again: its entry is not needed (bounded memory). */
  private forgetOldSymbols(now: number): void {
    if (this.lastSent.size < 2 * Math.max(1, this.pending.size) + 1024) return;
    for (const [symbol, at] of this.lastSent) if (at + this.opts.tickMs <= now) this.lastSent.delete(symbol);
  }
}
