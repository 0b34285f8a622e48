// Per-component accounting for the WeightBudget: who used what over the sliding window (local and,
// when clustered, everyone's from Redis), and the per-component gate that enforces shares.
import type { UsageEntry } from './budget-redis.js';

interface Waiter {
  w: number;
  resolve: () => void;
  reject: (e: unknown) => void;
}

export class ComponentUsage {
  private local: UsageEntry[] = [];
  private remote: UsageEntry[] = [];
  private readonly admitted = new Map<string, number>();
  private readonly gates = new Map<string, { queue: Waiter[]; timer: NodeJS.Timeout | null }>();
  private stopped = false;

  constructor(
    private readonly windowMs: number,
    private readonly now: () => number,
    private readonly clustered: boolean,
  ) {}

  /** Keeps `local` ordered by time (entries come in order, except with a clock that went back), so that expiry
   * drops a prefix instead of filtering the whole window on every admission (≈ 2000 entries at full use). */
  add(e: UsageEntry): void {
    let i = this.local.length;
    while (i > 0 && this.local[i - 1]!.at > e.at) i -= 1;
    if (i === this.local.length) this.local.push(e);
    else this.local.splice(i, 0, e);
  }

  setRemote(entries: UsageEntry[]): void {
    this.remote = entries;
  }

  /** Requests of the last window (deduplicated: our own entries also come back from Redis). */
  window(now = this.now()): UsageEntry[] {
    const from = now - this.windowMs;
    let expired = 0;
    while (expired < this.local.length && this.local[expired]!.at <= from) expired += 1;
    if (expired > 0) this.local.splice(0, expired);
    if (!this.clustered) return this.local;
    const seen = new Set<string>();
    const out: UsageEntry[] = [];
    for (const u of [...this.remote, ...this.local]) {
      if (u.at > from && !seen.has(u.id)) {
        seen.add(u.id);
        out.push(u);
      }
    }
    return out;
  }

  /**
   * Waits (FIFO per component) until the component's use over the sliding window plus `w` fits `cap()`.
   * Returns false without waiting when the component is unconstrained.
   */
  async admit(component: string, w: number, cap: () => number, unconstrained: boolean): Promise<boolean> {
    if (unconstrained) return false;
    await new Promise<void>((resolve, reject) => {
      if (this.stopped) return reject(new Error('stopped'));
      let gate = this.gates.get(component);
      if (!gate) {
        gate = { queue: [], timer: null };
        this.gates.set(component, gate);
      }
      gate.queue.push({ w, resolve, reject });
      this.pump(component, cap);
    });
    return true;
  }

  /** An admitted request started (its weight is now in `add`) or gave up; frees its admission. */
  release(component: string, w: number, cap: () => number): void {
    const v = (this.admitted.get(component) ?? 0) - w;
    if (v <= 0) this.admitted.delete(component);
    else this.admitted.set(component, v);
    if (this.gates.has(component)) this.pump(component, cap);
  }

  stop(err: unknown): void {
    this.stopped = true;
    for (const gate of this.gates.values()) {
      if (gate.timer) clearTimeout(gate.timer);
      for (const waiter of gate.queue) waiter.reject(err);
    }
    this.gates.clear();
  }

  private pump(component: string, cap: () => number): void {
    const gate = this.gates.get(component);
    if (!gate || this.stopped) return;
    if (gate.timer) clearTimeout(gate.timer);
    gate.timer = null;
    const now = this.now();
    let used = this.admitted.get(component) ?? 0;
    let oldest = Number.POSITIVE_INFINITY;
    for (const u of this.window(now)) {
      if (u.component !== component) continue;
      used += u.weight;
      if (u.at < oldest) oldest = u.at;
    }
    const limit = cap();
    while (gate.queue.length > 0) {
      const head = gate.queue[0]!;
      if (used + head.w > limit && used > 0) {
        const delay = Number.isFinite(oldest) ? oldest + this.windowMs - now + 1 : 50;
        gate.timer = setTimeout(() => this.pump(component, cap), Math.min(Math.max(delay, 10), this.windowMs));
        return;
      }
      gate.queue.shift();
      used += head.w;
      this.admitted.set(component, (this.admitted.get(component) ?? 0) + head.w);
      head.resolve();
    }
    this.gates.delete(component);
  }
}
