import { isBinanceError } from '@volspike/binance-client';
import { backoffDelay, type Logger } from '@volspike/runtime';
import type { OiSource } from './open-interest-source.js';
import { symbolHash } from './shard.js';

export interface PolledSample {
  symbol: string;
  openInterest: number;
  /** local time the value arrived (epoch ms): the clock the alert rules and sample ages use */
  ts: number;
}

export interface OiPollerOptions {
  source: OiSource;
  /** Only `pausedUntil` is used: while the shared budget is paused (429/418) nothing is sent. */
  budget: { pausedUntil(): number | null };
  logger: Logger;
  onSample: (s: PolledSample) => void;
  /** Called for every failed request (metrics); `global` = a budget pause, not the symbol's fault. */
  onError?: (symbol: string, err: unknown, global: boolean) => void;
  /** a poll was sent (epoch ms) */
  onPoll?: (symbol: string, at: number) => void;
  maxInFlight?: number;
  maxBackoffMs?: number;
  now?: () => number;
  random?: () => number;
}

interface Entry {
  symbol: string;
  intervalMs: number;
  nextDueAt: number;
  failures: number;
  inFlight: boolean;
  lastSampleAt: number | null;
  addedAt: number;
}

export interface PollEntryView {
  symbol: string;
  intervalMs: number;
  nextDueAt: number;
  failures: number;
  lastSampleAt: number | null;
  addedAt: number;
}

const byHash = (a: { symbol: string }, b: { symbol: string }): number =>
  symbolHash(a.symbol) - symbolHash(b.symbol) || (a.symbol < b.symbol ? -1 : 1);

/** Middle of the largest gap between sorted phases on a circle of length `period`. */
export function largestGapMiddle(sorted: readonly number[], period: number): number {
  let best = 0;
  let bestGap = -1;
  for (let i = 0; i < sorted.length; i++) {
    const from = sorted[i] as number;
    const to = i + 1 < sorted.length ? (sorted[i + 1] as number) : (sorted[0] as number) + period;
    if (to - from > bestGap) {
      bestGap = to - from;
      best = from + Math.floor((to - from) / 2);
    }
  }
  return best % period;
}

function pushTo<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}

function insertSorted(a: number[], v: number): void {
  let i = a.length;
  while (i > 0 && (a[i - 1] as number) > v) i--;
  a.splice(i, 0, v);
}

/** Errors that stop everyone (the budget is paused), so they say nothing about the symbol. */
const GLOBAL_CODES = new Set(['BINANCE_PAUSED', 'BINANCE_RATE_LIMITED', 'BINANCE_IP_BANNED']);

/**
 * Only a failure Binance gave for this symbol earns it a backoff. A budget pause, a rate limit or a ban holds
 * everyone back; an error that is not a BinanceError never reached Binance (the shared budget's Redis is down,
 * say): backing the symbol off for it would leave polling minutes behind once it is back. Both schedulers.
 */
export function isGlobalFailure(err: unknown): boolean {
  return !isBinanceError(err) || GLOBAL_CODES.has(err.code);
}

/** Counts a symbol's own failure and returns its backoff delay (logged on the 1st and every 10th failure). */
export function backOffSymbol(
  e: { symbol: string; failures: number },
  err: unknown,
  opts: { baseMs: number; maxMs: number; random: (() => number) | undefined; log: Logger },
): number {
  e.failures++;
  const delay = backoffDelay(e.failures - 1, { baseMs: opts.baseMs, maxMs: opts.maxMs, random: opts.random });
  if (e.failures === 1 || e.failures % 10 === 0)
    opts.log.debug(
      { symbol: e.symbol, failures: e.failures, retryInMs: delay, err },
      'OI fetch failed; symbol backs off',
    );
  return delay;
}

/** A timer that fires later than this is treated as an event-loop stall (see `tick`). */
const STALL_SHIFT_MS = 100;

/**
 * Per-symbol OI scheduler. Every symbol has its own interval (from the plan) and its own next-due time;
 * the phases inside a tier are spread evenly over the interval, so requests leave at a steady rate with no
 * bursts. One setTimeout chain wakes at the earliest due time and starts what is due (bounded by
 * maxInFlight). A failing symbol backs off alone (exponential from its interval, capped); a budget pause
 * stops everything until it ends, after which the phases are spread again (no restart stampede).
 */
export class OiPoller {
  private readonly entries = new Map<string, Entry>();
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly maxInFlight: number;
  private readonly maxBackoffMs: number;
  private timer: NodeJS.Timeout | null = null;
  private armedFor = Infinity;
  private inFlight = 0;
  private readonly pending = new Set<Promise<void>>();
  private running = false;
  private pausedSeen: number | null = null;

  constructor(private readonly opts: OiPollerOptions) {
    this.log = opts.logger.child({ component: 'oi-poller-scheduler' });
    this.now = opts.now ?? Date.now;
    this.maxInFlight = opts.maxInFlight ?? 32;
    this.maxBackoffMs = opts.maxBackoffMs ?? 300_000;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.arm(0);
  }

  /** Stops scheduling and waits for requests in flight. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.armedFor = Infinity;
    await Promise.allSettled([...this.pending]);
  }

  /**
   * Applies a plan (symbol → interval ms). Symbols not in it stop being polled; new symbols (and symbols
   * whose interval changed) are placed into the largest gaps of their tier, so the symbols already being
   * polled keep their cadence and the tier stays evenly spaced (no burst on a universe change). A symbol is
   * never scheduled later than its last sample + its interval.
   */
  setPlan(perSymbol: ReadonlyMap<string, number>): { added: string[]; removed: string[]; changed: string[] } {
    const now = this.now();
    const added: string[] = [];
    const removed: string[] = [];
    const changed: string[] = [];
    const placing: Entry[] = [];
    for (const sym of [...this.entries.keys()]) {
      if (!perSymbol.has(sym)) {
        this.entries.delete(sym);
        removed.push(sym);
      }
    }
    for (const [symbol, intervalMs] of perSymbol) {
      const e = this.entries.get(symbol);
      if (!e) {
        const entry: Entry = {
          symbol,
          intervalMs,
          nextDueAt: now,
          failures: 0,
          inFlight: false,
          lastSampleAt: null,
          addedAt: now,
        };
        this.entries.set(symbol, entry);
        placing.push(entry);
        added.push(symbol);
      } else if (e.intervalMs !== intervalMs) {
        e.intervalMs = intervalMs;
        placing.push(e);
        changed.push(symbol);
      }
    }
    if (placing.length > 0) this.place(now, placing);
    if (added.length + removed.length + changed.length > 0) this.arm(0);
    return { added, removed, changed };
  }

  /** Puts each entry of `placing` at the middle of the largest gap between the phases of its tier. */
  private place(now: number, placing: Entry[]): void {
    const moving = new Set(placing);
    const byTier = new Map<number, Entry[]>();
    for (const e of placing) pushTo(byTier, e.intervalMs, e);
    for (const [intervalMs, newcomers] of byTier) {
      newcomers.sort(byHash);
      const phases: number[] = [];
      for (const e of this.entries.values()) {
        if (e.intervalMs === intervalMs && !moving.has(e))
          phases.push((((e.nextDueAt - now) % intervalMs) + intervalMs) % intervalMs);
      }
      phases.sort((a, b) => a - b);
      if (phases.length === 0) {
        // an empty tier: spread the newcomers evenly from now
        newcomers.forEach((e, i) => {
          e.nextDueAt = this.capToAge(now, now + Math.floor((i * intervalMs) / newcomers.length), e);
        });
        continue;
      }
      for (const e of newcomers) {
        const phase = largestGapMiddle(phases, intervalMs);
        e.nextDueAt = this.capToAge(now, now + phase, e);
        insertSorted(phases, phase);
      }
    }
  }

  private capToAge(now: number, at: number, e: Entry): number {
    return e.lastSampleAt !== null ? Math.max(now, Math.min(at, e.lastSampleAt + e.intervalMs)) : at;
  }

  /** Evenly spaced phases per tier, from now (used when a budget pause ends: a fresh, even start). */
  private respread(now: number): void {
    const tiers = new Map<number, Entry[]>();
    for (const e of this.entries.values()) pushTo(tiers, e.intervalMs, e);
    for (const [intervalMs, list] of tiers) {
      list.sort(byHash);
      list.forEach((e, k) => {
        e.nextDueAt = now + Math.floor((k * intervalMs) / list.length);
      });
    }
  }

  private arm(delayMs: number): void {
    if (!this.running) return;
    const at = this.now() + Math.max(0, delayMs);
    if (this.timer && this.armedFor <= at) return;
    if (this.timer) clearTimeout(this.timer);
    this.armedFor = at;
    this.timer = setTimeout(() => this.tick(), Math.max(0, delayMs));
  }

  private tick(): void {
    const scheduledFor = this.armedFor;
    this.timer = null;
    this.armedFor = Infinity;
    if (!this.running) return;
    const now = this.now();
    // A stalled event loop (GC, start-up work, a loaded machine) wakes us late with many symbols overdue at
    // once. Firing them all now would be a burst; shifting every overdue phase by the stall keeps the even
    // spacing (the earliest is due now, the rest follow at their usual distance).
    const late = now - scheduledFor;
    if (Number.isFinite(late) && late > STALL_SHIFT_MS) {
      for (const e of this.entries.values()) if (!e.inFlight && e.nextDueAt <= now) e.nextDueAt += late;
    }
    const paused = this.opts.budget.pausedUntil();
    if (paused !== null && paused > now) {
      if (this.pausedSeen === null)
        this.log.warn(
          { until: new Date(paused).toISOString() },
          'weight budget paused: OI polling stopped until it ends',
        );
      this.pausedSeen = paused;
      this.arm(paused - now + 20 + Math.floor((this.opts.random ?? Math.random)() * 200));
      return;
    }
    if (this.pausedSeen !== null) {
      this.pausedSeen = null;
      this.respread(now);
      this.log.info(
        { symbols: this.entries.size },
        'weight budget pause over: OI polling resumed, phases spread again',
      );
    }
    let next = Infinity;
    for (const e of this.entries.values()) {
      if (e.inFlight) continue;
      if (e.nextDueAt <= now) {
        if (this.inFlight >= this.maxInFlight) continue; // a completion re-arms the timer
        this.launch(e);
      } else if (e.nextDueAt < next) next = e.nextDueAt;
    }
    if (next !== Infinity) this.arm(next - now);
  }

  private launch(e: Entry): void {
    e.inFlight = true;
    this.inFlight++;
    const due = e.nextDueAt;
    this.opts.onPoll?.(e.symbol, this.now());
    const p = this.opts.source
      .openInterest(e.symbol)
      .then(
        (r) => this.onOk(e, due, r.openInterest),
        (err: unknown) => this.onFail(e, due, err),
      )
      .finally(() => {
        e.inFlight = false;
        this.inFlight--;
        this.pending.delete(p);
        if (this.entries.get(e.symbol) === e) this.arm(Math.max(0, e.nextDueAt - this.now()));
        else this.arm(0);
      });
    this.pending.add(p);
  }

  private onOk(e: Entry, due: number, oi: number): void {
    const now = this.now();
    if (e.failures > 0) this.log.debug({ symbol: e.symbol, failures: e.failures }, 'OI fetch recovered');
    e.failures = 0;
    // A request that waited longer than its interval (queued in the budget, Redis down) must not be followed
    // at once by the next one: every symbol that waited would then poll at the same instant, round after
    // round. Keep the symbol's phase and skip the slots it missed.
    let next = due + e.intervalMs;
    if (next < now) next += Math.ceil((now - next) / e.intervalMs) * e.intervalMs;
    e.nextDueAt = next;
    if (!Number.isFinite(oi) || oi < 0) return; // validated upstream; a bad value is a gap, never a zero
    e.lastSampleAt = now;
    if (this.entries.get(e.symbol) !== e || !this.running) return;
    try {
      this.opts.onSample({ symbol: e.symbol, openInterest: oi, ts: now });
    } catch (err) {
      this.log.error({ err, symbol: e.symbol }, 'sample handler failed');
    }
  }

  private onFail(e: Entry, due: number, err: unknown): void {
    const now = this.now();
    const global = isGlobalFailure(err);
    this.opts.onError?.(e.symbol, err, global);
    if (global) {
      e.nextDueAt = Math.max(due + e.intervalMs, now); // the pause check in tick() holds everyone back
      return;
    }
    const opts = { baseMs: e.intervalMs, maxMs: this.maxBackoffMs, random: this.opts.random, log: this.log };
    e.nextDueAt = now + backOffSymbol(e, err, opts);
  }

  entriesView(): PollEntryView[] {
    return [...this.entries.values()].map((e) => ({
      symbol: e.symbol,
      intervalMs: e.intervalMs,
      nextDueAt: e.nextDueAt,
      failures: e.failures,
      lastSampleAt: e.lastSampleAt,
      addedAt: e.addedAt,
    }));
  }

  size(): number {
    return this.entries.size;
  }

  inFlightCount(): number {
    return this.inFlight;
  }

  failingCount(): number {
    return countFailing(this.entries.values());
  }

  /** Largest (now − last sample, or − when added if never sampled) over the polled symbols; null when none. */
  maxSampleAgeMs(now = this.now()): number | null {
    return maxSampleAge(this.entries.values(), now);
  }

  paused(): boolean {
    return this.pausedSeen !== null;
  }
}

/** How many of the polled symbols are backing off after a failed fetch (both schedulers). */
export function countFailing(entries: Iterable<{ failures: number }>): number {
  let n = 0;
  for (const e of entries) if (e.failures > 0) n++;
  return n;
}

/** Largest (now − last sample, or − when added if never sampled) over the entries; null when there are none. */
export function maxSampleAge(
  entries: Iterable<{ lastSampleAt: number | null; addedAt: number }>,
  now: number,
): number | null {
  let max: number | null = null;
  for (const e of entries) {
    const age = now - (e.lastSampleAt ?? e.addedAt);
    if (max === null || age > max) max = age;
  }
  return max;
}
