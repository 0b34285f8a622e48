import { OiCoreError } from './errors.js';

/** One OI observation. `ts` epoch ms; `oi` contracts; `mark` mark price or null when unknown. */
export interface OiSample {
  ts: number;
  oi: number;
  mark: number | null;
}

/** Read access to a symbol's OI history, ascending by time. Implemented by `OiRingBuffer` and `arrayHistory`. */
export interface OiHistory {
  /** Samples with from ≤ ts ≤ to, oldest first. */
  range(fromMs: number, toMs: number): OiSample[];
  /** The sample closest to `t` within ±toleranceMs (equal distance → the earlier one), or null. */
  closestTo(t: number, toleranceMs: number): OiSample | null;
}

/** Bytes of sample storage per slot: three Float64Array entries (time, oi, mark). */
export const OI_RING_BYTES_PER_SLOT = 24;

/**
 * Fixed-capacity ring buffer of OI samples over typed arrays (Float64Array times, oi, mark with NaN for a
 * missing mark). Ascending by time; when full, the oldest sample is overwritten. Range queries use binary
 * search. Pure data structure: no timers, no clock.
 *
 * Memory: 24 bytes per slot plus about 0.7 KB of fixed object/ArrayBuffer overhead (Node 20). For the OI poller's default
 * 180 minutes at a 5 s floor (2160 slots + 10 % headroom = 2376 slots) that is ≈ 57 KB per symbol (≈ 26 MB
 * for 450 symbols).
 */
export class OiRingBuffer implements OiHistory {
  readonly capacity: number;
  private readonly times: Float64Array;
  private readonly ois: Float64Array;
  private readonly marks: Float64Array;
  private head = 0;
  private count = 0;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new OiCoreError(
        'RING_BUFFER_INVALID',
        `OiRingBuffer capacity must be a positive integer (got ${capacity})`,
      );
    }
    this.capacity = capacity;
    this.times = new Float64Array(capacity);
    this.ois = new Float64Array(capacity);
    this.marks = new Float64Array(capacity);
  }

  /** Slots needed to hold `historyMinutes` at one sample per `minIntervalMs`, plus `headroom` (default 10 %). */
  static capacityFor(historyMinutes: number, minIntervalMs: number, headroom = 0.1): number {
    return Math.max(1, Math.ceil(((historyMinutes * 60_000) / minIntervalMs) * (1 + headroom)));
  }

  /** Sample storage bytes for a buffer of `capacity` slots. */
  static bytesFor(capacity: number): number {
    return capacity * OI_RING_BYTES_PER_SLOT;
  }

  /** Sample storage bytes of this buffer (per symbol). */
  bytesPerSymbol(): number {
    return OiRingBuffer.bytesFor(this.capacity);
  }

  get size(): number {
    return this.count;
  }

  private phys(i: number): number {
    return (this.head + i) % this.capacity;
  }

  /** Logical index 0 = oldest. */
  at(i: number): OiSample | null {
    if (!Number.isInteger(i) || i < 0 || i >= this.count) return null;
    const p = this.phys(i);
    const mark = this.marks[p] as number;
    return { ts: this.times[p] as number, oi: this.ois[p] as number, mark: Number.isNaN(mark) ? null : mark };
  }

  oldest(): OiSample | null {
    return this.at(0);
  }

  latest(): OiSample | null {
    return this.at(this.count - 1);
  }

  private timeAt(i: number): number {
    return this.times[this.phys(i)] as number;
  }

  /**
   * Appends a sample. Returns false (and stores nothing) for a non-finite time or OI, or when `ts` is older
   * than the newest sample (use `insert` to merge older history). Equal times are allowed.
   */
  push(ts: number, oi: number, mark: number | null): boolean {
    if (!Number.isFinite(ts) || !Number.isFinite(oi)) return false;
    if (this.count > 0 && ts < this.timeAt(this.count - 1)) return false;
    const p = this.count < this.capacity ? this.phys(this.count) : this.head;
    this.times[p] = ts;
    this.ois[p] = oi;
    this.marks[p] = mark === null || !Number.isFinite(mark) ? Number.NaN : mark;
    if (this.count < this.capacity) this.count++;
    else this.head = (this.head + 1) % this.capacity;
    return true;
  }

  /**
   * Appends a sample, thinning the history to about one sample per `spacingMs` (the newest is always kept):
   * when the newest stored sample is less than `spacingMs` after the one before it, it is only the newest
   * so far and the new sample replaces it — unless the new sample is more than two spacings after that one
   * before: dropping the newest would then leave a hole in the history longer than any the polling left
   * (a baseline's tolerance window could fall into it, and the rule would have no baseline). A symbol polled
   * every second during a burst thus keeps its buffer's time span. Same refusals as `push`.
   */
  pushThinned(ts: number, oi: number, mark: number | null, spacingMs: number): boolean {
    if (!Number.isFinite(ts) || !Number.isFinite(oi)) return false;
    if (this.count > 0 && ts < this.timeAt(this.count - 1)) return false;
    const before = this.count >= 2 ? this.timeAt(this.count - 2) : null;
    if (before !== null && this.timeAt(this.count - 1) - before < spacingMs && ts - before <= 2 * spacingMs) {
      const p = this.phys(this.count - 1);
      this.times[p] = ts;
      this.ois[p] = oi;
      this.marks[p] = mark === null || !Number.isFinite(mark) ? Number.NaN : mark;
      return true;
    }
    return this.push(ts, oi, mark);
  }

  /**
   * Inserts a sample in time order (warm start: history older than what is buffered). O(n). A sample with the
   * same time as a stored one is ignored (first writer wins). When full, an insert older than everything is dropped.
   */
  insert(ts: number, oi: number, mark: number | null): boolean {
    if (!Number.isFinite(ts) || !Number.isFinite(oi)) return false;
    if (this.count === 0 || ts > this.timeAt(this.count - 1)) return this.push(ts, oi, mark);
    const idx = this.lowerBound(ts);
    if (idx < this.count && this.timeAt(idx) === ts) return false;
    if (this.count === this.capacity && idx === 0) return false;
    const all = this.toArray();
    all.splice(idx, 0, { ts, oi, mark });
    this.clear();
    for (const s of all.slice(-this.capacity)) this.push(s.ts, s.oi, s.mark);
    return true;
  }

  clear(): void {
    this.head = 0;
    this.count = 0;
  }

  toArray(): OiSample[] {
    return Array.from({ length: this.count }, (_, i) => this.at(i) as OiSample);
  }

  /** First logical index whose time is ≥ t (size when none). */
  lowerBound(t: number): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.timeAt(mid) < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** First logical index whose time is > t (size when none). */
  upperBound(t: number): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.timeAt(mid) <= t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  range(fromMs: number, toMs: number): OiSample[] {
    const out: OiSample[] = [];
    for (let i = this.lowerBound(fromMs), end = this.upperBound(toMs); i < end; i++) out.push(this.at(i) as OiSample);
    return out;
  }

  countInRange(fromMs: number, toMs: number): number {
    return Math.max(0, this.upperBound(toMs) - this.lowerBound(fromMs));
  }

  closestTo(t: number, toleranceMs: number): OiSample | null {
    if (this.count === 0) return null;
    const i = this.lowerBound(t); // candidates: i − 1 (before t) and i (at/after t)
    let best: number | null = null;
    let bestDist = Infinity;
    for (const j of [i - 1, i]) {
      if (j < 0 || j >= this.count) continue;
      const d = Math.abs(this.timeAt(j) - t);
      if (d < bestDist) {
        best = j;
        bestDist = d;
      }
    }
    if (best === null || bestDist > toleranceMs) return null;
    // ties → the earliest sample at that distance (several samples may share one time)
    const ts = this.timeAt(best);
    return this.at(this.lowerBound(ts));
  }

  /** Median OI (mean of the two middle values for an even count) over [from, to], or null when empty. */
  medianOi(fromMs: number, toMs: number): { median: number; count: number; firstTs: number; lastTs: number } | null {
    const samples = this.range(fromMs, toMs);
    const first = samples[0];
    const last = samples[samples.length - 1];
    if (!first || !last) return null;
    return {
      median: median(samples.map((s) => s.oi)) as number,
      count: samples.length,
      firstTs: first.ts,
      lastTs: last.ts,
    };
  }
}

/** Median of finite values (mean of the two middle ones for an even count); null when there are none. */
export function median(values: readonly number[]): number | null {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const mid = v.length >> 1;
  return v.length % 2 === 1 ? (v[mid] as number) : ((v[mid - 1] as number) + (v[mid] as number)) / 2;
}

/** OiHistory over a plain array (sorted by time here). Handy for tests and one-off evaluations. */
export function arrayHistory(samples: readonly OiSample[]): OiHistory {
  const buf = new OiRingBuffer(Math.max(1, samples.length));
  for (const s of [...samples].sort((a, b) => a.ts - b.ts)) buf.push(s.ts, s.oi, s.mark);
  return buf;
}
