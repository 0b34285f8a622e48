import {
  pickNextPoll,
  slotMsFor,
  type ActivityCandidate,
  type ActivityRules,
  type PollReason,
} from '@volspike/oi-core';
import type { Logger } from '@volspike/runtime';
import { backOffSymbol, countFailing, isGlobalFailure, maxSampleAge, type PolledSample } from './oi-poller.js';
import type { OiSource } from './open-interest-source.js';
import type { TradeFeed } from './trade-flow.js';

export interface ActivityPollerOptions {
  source: OiSource;
  /** Only `pausedUntil` is used: while the shared budget is paused (429/418) nothing is sent. */
  budget: { pausedUntil(): number | null };
  trades: TradeFeed;
  logger: Logger;
  /** the OI weight share per minute: one poll slot every 60 000 ÷ this ms */
  weightPerMin: number;
  rules: Omit<ActivityRules, 'slotMs'>;
  onSample: (s: PolledSample) => void;
  /** a poll was sent, and why */
  onPoll?: (symbol: string, reason: PollReason, at: number) => void;
  /** slots that went unused, and why */
  onLostSlots?: (reason: LostSlotReason, slots: number) => void;
  onError?: (symbol: string, err: unknown, global: boolean) => void;
  maxInFlight?: number;
  maxBackoffMs?: number;
  now?: () => number;
  random?: () => number;
}

interface Entry {
  symbol: string;
  addedAt: number;
  lastPollAt: number | null;
  lastSampleAt: number | null;
  openInterest: number | null;
  failures: number;
  retryAt: number;
  inFlight: boolean;
}

/** Slots that may pile up while the loop stalled: at most 250 ms worth (and 2) go at once. */
const CATCH_UP_MS = 250;
/**
 * Slots missed beyond that (a stalled event loop, every request slot in flight) are owed and repaid by running
 * up to REPAY_RATE × the slot rate until they are: spread, never a burst, and never more than the share in any
 * 60 s (the rolling count of sent polls is checked before each one). At most OWED_MAX_MS of slots are owed.
 */
const REPAY_RATE = 1.25;
const OWED_MAX_MS = 15_000;
const WINDOW_MS = 60_000;

/** Why a slot was not used (oi_poller_slots_lost_total). */
export type LostSlotReason = 'idle' | 'stall' | 'in_flight' | 'window';

/**
 * Activity-driven OI scheduler: one poll slot every 60 000 ÷ weightPerMin ms (evenly spread, never more),
 * each given to the symbol `pickNextPoll` chooses — the least-slack symbol when the staleness bound is
 * tight, else the one that traded most since its last poll relative to its OI (oi-core/oi-scheduler.ts).
 * A slot nobody may take (all polled within minGap, in flight or backing off) is not saved up; a stalled
 * event loop catches up at most CATCH_UP_MS of slots at once and repays the rest at REPAY_RATE, so a stall
 * never turns into a burst nor costs the share. A budget pause stops every slot until it ends.
 */
export class ActivityPoller {
  private readonly entries = new Map<string, Entry>();
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly maxInFlight: number;
  private readonly maxBackoffMs: number;
  private slotMs: number;
  private credit = 0;
  /** slots missed by a stall or a full request pipeline, repaid at REPAY_RATE */
  private owed = 0;
  /** send times of the last 60 s (the rolling cap) */
  private readonly sent: number[] = [];
  private sentHead = 0;
  private lastWake: number | null = null;
  private timer: NodeJS.Timeout | null = null;
  private inFlight = 0;
  private readonly pending = new Set<Promise<void>>();
  private running = false;
  private pausedSeen: number | null = null;

  constructor(private readonly opts: ActivityPollerOptions) {
    this.log = opts.logger.child({ component: 'oi-activity-scheduler' });
    this.now = opts.now ?? Date.now;
    this.maxInFlight = opts.maxInFlight ?? 32;
    this.maxBackoffMs = opts.maxBackoffMs ?? 300_000;
    this.slotMs = slotMsFor(opts.weightPerMin);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.lastWake = this.now();
    this.credit = 1;
    this.arm(0);
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await Promise.allSettled([...this.pending]);
  }

  /** Polls exactly these symbols; new ones come first (never polled = stalest). */
  setSymbols(symbols: readonly string[]): { added: string[]; removed: string[] } {
    const now = this.now();
    const want = new Set(symbols);
    const removed = [...this.entries.keys()].filter((s) => !want.has(s));
    for (const s of removed) this.entries.delete(s);
    const added = symbols.filter((s) => !this.entries.has(s));
    for (const symbol of added) {
      this.entries.set(symbol, {
        symbol,
        addedAt: now,
        lastPollAt: null,
        lastSampleAt: null,
        openInterest: null,
        failures: 0,
        retryAt: 0,
        inFlight: false,
      });
    }
    if (added.length > 0) this.arm(0);
    return { added, removed };
  }

  /** A new OI share (the budget's availability changed): the slot length follows at once. */
  setWeightPerMin(weightPerMin: number): void {
    const slotMs = slotMsFor(weightPerMin);
    if (slotMs === this.slotMs) return;
    this.slotMs = slotMs;
    this.arm(0);
  }

  weightPerMin(): number {
    return 60_000 / this.slotMs;
  }

  private arm(delayMs: number): void {
    if (!this.running) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.wake(), Math.max(0, Math.ceil(delayMs)));
  }

  private wake(): void {
    this.timer = null;
    if (!this.running) return;
    const now = this.now();
    const paused = this.opts.budget.pausedUntil();
    if (paused !== null && paused > now) {
      if (this.pausedSeen === null)
        this.log.warn(
          { until: new Date(paused).toISOString() },
          'weight budget paused: OI polling stopped until it ends',
        );
      this.pausedSeen = paused;
      this.credit = 0;
      this.owed = 0; // a pause is the exchange's word: nothing it cost is made up afterwards
      this.lastWake = paused;
      this.arm(paused - now + 20 + Math.floor((this.opts.random ?? Math.random)() * 200));
      return;
    }
    if (this.pausedSeen !== null) {
      this.pausedSeen = null;
      this.log.info({ symbols: this.entries.size }, 'weight budget pause over: OI polling resumed');
    }
    this.earn(now);
    let idle = false;
    while (this.credit >= 1 && this.inFlight < this.maxInFlight) {
      if (this.sentInWindow(now) >= Math.floor(this.weightPerMin())) {
        this.lose('window', Math.floor(this.credit));
        this.credit %= 1;
        break;
      }
      const pick = pickNextPoll(this.candidates(now), now, { ...this.opts.rules, slotMs: this.slotMs });
      if (!pick) {
        this.lose('idle', this.credit - 1);
        this.credit = Math.min(this.credit, 1); // an unused slot is gone, not saved for a burst
        idle = true;
        break;
      }
      this.credit -= 1;
      this.sent.push(now);
      this.launch(this.entries.get(pick.symbol) as Entry, pick.reason, now);
    }
    // wake when the next slot is earned; with nobody eligible (or maxInFlight reached), one slot later
    const held = idle || this.credit >= 1;
    const rate = this.owed > 0 ? REPAY_RATE : 1;
    this.arm(held ? Math.max(5, this.slotMs) : Math.max(1, ((1 - this.credit) * this.slotMs) / rate));
  }

  /**
   * Credit for the time since the last wake, at the slot rate (REPAY_RATE while slots are owed). Beyond
   * CATCH_UP_MS worth the credit is owed instead (repaid later, spread), up to OWED_MAX_MS worth.
   */
  private earn(now: number): void {
    const elapsedSlots = Math.max(0, now - (this.lastWake ?? now)) / this.slotMs;
    this.lastWake = now;
    const repay = Math.min(this.owed, elapsedSlots * (REPAY_RATE - 1));
    this.owed -= repay;
    const maxCredit = Math.max(2, CATCH_UP_MS / this.slotMs);
    const credit = this.credit + elapsedSlots + repay;
    if (credit <= maxCredit) {
      this.credit = credit;
      return;
    }
    const excess = credit - maxCredit;
    const maxOwed = OWED_MAX_MS / this.slotMs;
    const kept = Math.min(excess, Math.max(0, maxOwed - this.owed));
    this.owed += kept;
    this.lose(this.inFlight >= this.maxInFlight ? 'in_flight' : 'stall', excess - kept);
    this.credit = maxCredit;
  }

  private lose(reason: LostSlotReason, slots: number): void {
    if (slots > 0) this.opts.onLostSlots?.(reason, slots);
  }

  /** Polls sent in the last 60 s (drops older send times as it goes). */
  private sentInWindow(now: number): number {
    while (this.sentHead < this.sent.length && (this.sent[this.sentHead] as number) <= now - WINDOW_MS) this.sentHead++;
    if (this.sentHead > 4096) {
      this.sent.splice(0, this.sentHead);
      this.sentHead = 0;
    }
    return this.sent.length - this.sentHead;
  }

  private candidates(now: number): ActivityCandidate[] {
    const out: ActivityCandidate[] = [];
    for (const e of this.entries.values()) {
      if (e.inFlight || e.retryAt > now) continue;
      out.push({
        symbol: e.symbol,
        lastPollAt: e.lastPollAt,
        addedAt: e.addedAt,
        tradedSincePoll: e.lastPollAt === null ? null : this.opts.trades.tradedSince(e.symbol),
        openInterest: e.openInterest,
      });
    }
    return out;
  }

  private launch(e: Entry, reason: PollReason, now: number): void {
    e.inFlight = true;
    e.lastPollAt = now;
    this.inFlight++;
    this.opts.trades.markPolled(e.symbol);
    this.opts.onPoll?.(e.symbol, reason, now);
    const p = this.opts.source
      .openInterest(e.symbol)
      .then(
        (r) => this.onOk(e, r.openInterest),
        (err: unknown) => this.onFail(e, err),
      )
      .finally(() => {
        e.inFlight = false;
        this.inFlight--;
        this.pending.delete(p);
      });
    this.pending.add(p);
  }

  private onOk(e: Entry, oi: number): void {
    const now = this.now();
    e.failures = 0;
    e.retryAt = 0;
    if (!Number.isFinite(oi) || oi < 0) return; // validated upstream; a bad value is a gap, never a zero
    e.lastSampleAt = now;
    e.openInterest = oi;
    if (this.entries.get(e.symbol) !== e || !this.running) return;
    try {
      this.opts.onSample({ symbol: e.symbol, openInterest: oi, ts: now });
    } catch (err) {
      this.log.error({ err, symbol: e.symbol }, 'sample handler failed');
    }
  }

  private onFail(e: Entry, err: unknown): void {
    const global = isGlobalFailure(err);
    this.opts.onError?.(e.symbol, err, global);
    if (global) return; // the pause check holds everyone back; the symbol keeps its place
    const baseMs = Math.max(1000, this.opts.rules.minGapMs);
    const opts = { baseMs, maxMs: this.maxBackoffMs, random: this.opts.random, log: this.log };
    e.retryAt = this.now() + backOffSymbol(e, err, opts);
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
