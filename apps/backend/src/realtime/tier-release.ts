// Legacy tier timing for `volume-alert` (docs/legacy-contracts.md §3.4), without the legacy 1-second tick that could
// miss its `second == 0` (§6-34): each tier queue arms one timer for the exact next wall-clock boundary.

export const PRO_PERIOD_MS = 5 * 60_000;
export const FREE_PERIOD_MS = 15 * 60_000;

/** The first multiple of `periodMs` (UTC epoch) strictly after `now`. */
export function nextBoundary(now: number, periodMs: number): number {
  return Math.floor(now / periodMs) * periodMs + periodMs;
}

/** Whether an alert whose minute is `at` goes out at once for a tier with this period (m % 5 / m % 15 == 0). */
export function releasesImmediately(at: Date, periodMs: number): boolean {
  const minute = at.getUTCMinutes();
  return minute % (periodMs / 60_000) === 0;
}

/**
 * Holds items for one tier and releases them all at the next boundary of `periodMs`.
 * A timer that fires early (clock adjustments) re-arms for the remainder instead of flushing too soon.
 */
export class TierReleaseQueue<T> {
  private items: T[] = [];
  private timer: NodeJS.Timeout | null = null;
  private dueAt: number | null = null;

  constructor(
    private readonly periodMs: number,
    private readonly release: (items: T[]) => void,
    private readonly now: () => number,
  ) {}

  push(item: T): void {
    this.items.push(item);
    if (this.timer === null) this.arm(nextBoundary(this.now(), this.periodMs));
  }

  size(): number {
    return this.items.length;
  }

  /** When the queued items will be released (epoch ms), or null when empty. */
  nextReleaseAt(): number | null {
    return this.dueAt;
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.dueAt = null;
    this.items = [];
  }

  private arm(dueAt: number): void {
    this.dueAt = dueAt;
    this.timer = setTimeout(() => this.fire(), Math.max(0, dueAt - this.now()));
    this.timer.unref?.();
  }

  private fire(): void {
    this.timer = null;
    const due = this.dueAt ?? 0;
    if (this.now() < due) {
      this.arm(due);
      return;
    }
    this.dueAt = null;
    const batch = this.items;
    this.items = [];
    if (batch.length > 0) this.release(batch);
  }
}
