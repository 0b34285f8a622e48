// PollLedger: when and why each symbol was last polled, and the distribution of the intervals between a
// symbol's polls — what the poller really does, for /metrics, the heartbeat (the backend's liquid-universe
// `estimatedPollIntervalSec`) and /debug/rate-limit.
import type { PollReason } from '@volspike/oi-core';

export interface SymbolPollView {
  symbol: string;
  /** epoch ms of the last poll sent; null = never polled */
  lastPollAt: number | null;
  reason: PollReason | null;
  /** ms between its last two polls; null until it has two */
  lastIntervalMs: number | null;
  polls: number;
}

export interface PollStats {
  mode: 'activity' | 'fixed';
  symbols: number;
  /** polls sent per minute (the last 60 s, or since the first poll when shorter); null in the first 10 s */
  pollsPerMin: number | null;
  /** 60·N ÷ polls per minute: the mean time between two polls of a symbol; null while pollsPerMin is */
  meanIntervalSec: number | null;
  /** longest time a symbol went without a poll over the window (closed intervals and open gaps) */
  maxStalenessSec: number | null;
  intervalSec: { p50: number; p90: number; p99: number; max: number } | null;
  pollsByReason: Record<PollReason, number>;
  /** seconds covered by the interval figures */
  windowSec: number;
}

interface Interval {
  at: number;
  ms: number;
}

const percentile = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;

export class PollLedger {
  private readonly bySymbol = new Map<string, SymbolPollView & { addedAt: number }>();
  private intervals: Interval[] = [];
  private launches: number[] = [];
  private readonly reasonsTotal: Record<PollReason, number> = { activity: 0, staleness: 0, fixed: 0 };
  private firstPollAt: number | null = null;

  constructor(
    private readonly mode: 'activity' | 'fixed',
    private readonly now: () => number = Date.now,
    private readonly windowMs = 300_000,
    private readonly onInterval?: (seconds: number, reason: PollReason) => void,
  ) {}

  /** Follows exactly these symbols (a symbol that leaves forgets its history). */
  setSymbols(symbols: readonly string[]): void {
    const want = new Set(symbols);
    for (const s of [...this.bySymbol.keys()]) if (!want.has(s)) this.bySymbol.delete(s);
    const at = this.now();
    for (const symbol of symbols) {
      if (!this.bySymbol.has(symbol))
        this.bySymbol.set(symbol, {
          symbol,
          lastPollAt: null,
          reason: null,
          lastIntervalMs: null,
          polls: 0,
          addedAt: at,
        });
    }
  }

  record(symbol: string, reason: PollReason, at = this.now()): void {
    const s = this.bySymbol.get(symbol);
    if (!s) return;
    if (s.lastPollAt !== null) {
      const ms = at - s.lastPollAt;
      s.lastIntervalMs = ms;
      this.intervals.push({ at, ms });
      this.onInterval?.(ms / 1000, reason);
    }
    this.firstPollAt ??= at;
    s.lastPollAt = at;
    s.reason = reason;
    s.polls++;
    this.launches.push(at);
    this.reasonsTotal[reason]++;
    this.prune(at);
  }

  private prune(now: number): void {
    const from = now - this.windowMs;
    let i = 0;
    while (i < this.intervals.length && (this.intervals[i] as Interval).at < from) i++;
    if (i > 0) this.intervals = this.intervals.slice(i);
    let j = 0;
    while (j < this.launches.length && (this.launches[j] as number) < now - 60_000) j++;
    if (j > 0) this.launches = this.launches.slice(j);
  }

  symbols(): SymbolPollView[] {
    return [...this.bySymbol.values()].map(({ addedAt: _a, ...v }) => v);
  }

  stats(): PollStats {
    const now = this.now();
    this.prune(now);
    const n = this.bySymbol.size;
    // the rate over the last minute, or over the time since the first poll when that is shorter (≥ 10 s)
    const spanMs = this.firstPollAt === null ? 0 : Math.min(60_000, now - this.firstPollAt);
    const pollsPerMin = spanMs >= 10_000 ? (this.launches.length * 60_000) / spanMs : null;
    const sorted = this.intervals.map((x) => x.ms).sort((a, b) => a - b);
    let maxGap = sorted.length > 0 ? (sorted.at(-1) as number) : 0;
    for (const s of this.bySymbol.values()) maxGap = Math.max(maxGap, now - (s.lastPollAt ?? s.addedAt));
    return {
      mode: this.mode,
      symbols: n,
      pollsPerMin,
      meanIntervalSec: pollsPerMin !== null && pollsPerMin > 0 && n > 0 ? (60 * n) / pollsPerMin : null,
      maxStalenessSec: n > 0 ? maxGap / 1000 : null,
      intervalSec:
        sorted.length > 0
          ? {
              p50: percentile(sorted, 50) / 1000,
              p90: percentile(sorted, 90) / 1000,
              p99: percentile(sorted, 99) / 1000,
              max: (sorted.at(-1) as number) / 1000,
            }
          : null,
      pollsByReason: { ...this.reasonsTotal },
      windowSec: Math.min(this.windowMs, now - (this.firstPollAt ?? now)) / 1000,
    };
  }
}
