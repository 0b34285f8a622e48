// Scheduling: the OI_SCHEDULER switch. `fixed` runs the interval plan (OiPoller, planPollIntervals);
// `activity` runs ActivityPoller fed by TradeFlow (kline_1m). Both report every poll to the PollLedger.
import {
  DEFAULT_GUARD_MS,
  planPollIntervals,
  stalenessProblem,
  type PollPlan,
  type PollReason,
} from '@volspike/oi-core';
import type { Logger } from '@volspike/runtime';
import { ActivityPoller } from './activity-poller.js';
import type { Env } from './env.js';
import type { OiPollerMetrics } from './metrics.js';
import { OiPoller, type PolledSample } from './oi-poller.js';
import type { OiSource } from './open-interest-source.js';
import { PollLedger } from './poll-ledger.js';
import { TradeFlow } from './trade-flow.js';
import type { UniverseSymbol } from './universe-follower.js';

export interface SchedulingOptions {
  env: Env;
  budget: { pausedUntil(): number | null };
  logger: Logger;
  source: OiSource;
  metrics: OiPollerMetrics;
  onSample: (s: PolledSample) => void;
  onError: (symbol: string, err: unknown, global: boolean) => void;
  now?: () => number;
}

export interface ScheduleChange {
  added: string[];
  removed: string[];
  /** something worth a log line changed (universe, tiers, share) */
  changed: boolean;
}

/** The staleness guard for a bound: 1.5 s, or a tenth of a short bound. */
export const guardFor = (maxStalenessMs: number): number => Math.min(DEFAULT_GUARD_MS, Math.floor(maxStalenessMs / 10));

export class Scheduling {
  readonly mode: 'activity' | 'fixed';
  readonly ledger: PollLedger;
  /** the fixed-mode scheduler (null in activity mode) */
  readonly fixed: OiPoller | null = null;
  readonly activity: ActivityPoller | null = null;
  readonly trades: TradeFlow | null = null;
  private planned: PollPlan | null = null;
  private share: number | null = null;
  private universe = 0;
  private problem: string | null = null;
  private readonly log: Logger;

  constructor(private readonly opts: SchedulingOptions) {
    const env = opts.env;
    this.mode = env.OI_SCHEDULER;
    this.log = opts.logger.child({ component: 'oi-scheduling', mode: this.mode });
    const m = opts.metrics;
    this.ledger = new PollLedger(this.mode, opts.now, 300_000, (sec, reason) =>
      m.pollInterval.observe({ reason }, sec),
    );
    const onPoll = (symbol: string, reason: PollReason, at: number): void => {
      this.ledger.record(symbol, reason, at);
      m.pollsByReason.inc({ reason });
      for (const r of ['activity', 'staleness', 'fixed'] as const)
        if (r !== reason) m.lastPoll.remove({ symbol, reason: r });
      m.lastPoll.set({ symbol, reason }, at / 1000);
    };
    const common = {
      source: opts.source,
      budget: opts.budget,
      logger: opts.logger,
      onSample: opts.onSample,
      onError: opts.onError,
      maxInFlight: env.OI_MAX_IN_FLIGHT,
      maxBackoffMs: env.OI_SYMBOL_BACKOFF_MAX_MS,
      ...(opts.now ? { now: opts.now } : {}),
    };
    if (this.mode === 'fixed') {
      this.fixed = new OiPoller({ ...common, onPoll: (symbol, at) => onPoll(symbol, 'fixed', at) });
      return;
    }
    this.trades = new TradeFlow({
      wsUrl: env.BINANCE_WS_URL,
      logger: opts.logger,
      ...(opts.now ? { now: opts.now } : {}),
    });
    this.activity = new ActivityPoller({
      ...common,
      trades: this.trades,
      weightPerMin: 1, // replaced by the first apply()
      rules: {
        maxStalenessMs: env.OI_MAX_STALENESS_MS,
        activityUnit: env.OI_ACTIVITY_UNIT_PCT / 100,
        minGapMs: env.OI_ACTIVITY_MIN_GAP_MS,
        guardMs: guardFor(env.OI_MAX_STALENESS_MS),
      },
      onPoll,
      onLostSlots: (reason, slots) => m.slotsLost.inc({ reason }, slots),
    });
  }

  start(): void {
    this.fixed?.start();
    this.activity?.start();
  }

  async stop(): Promise<void> {
    await this.fixed?.stop();
    await this.activity?.stop();
    await this.trades?.stop();
  }

  /** Applies the universe and the OI weight share. An empty universe or no share stops polling. */
  apply(symbols: readonly UniverseSymbol[], weightPerMin: number): ScheduleChange {
    const names = symbols.map((s) => s.symbol);
    const live = symbols.length > 0 && weightPerMin > 0;
    const changed = this.universe !== names.length || this.share !== weightPerMin;
    this.universe = names.length;
    this.share = live ? weightPerMin : null;
    this.ledger.setSymbols(live ? names : []);
    if (this.fixed) return this.applyFixed(symbols, weightPerMin, live);
    const a = this.activity as ActivityPoller;
    if (live) a.setWeightPerMin(weightPerMin);
    this.trades?.setSymbols(live ? names : []);
    const { added, removed } = a.setSymbols(live ? names : []);
    this.checkStaleness(live ? names.length : 0, weightPerMin);
    return { added, removed, changed: changed || added.length + removed.length > 0 };
  }

  private applyFixed(symbols: readonly UniverseSymbol[], weightPerMin: number, live: boolean): ScheduleChange {
    const poller = this.fixed as OiPoller;
    const prev = this.tiersKey();
    this.planned = live
      ? planPollIntervals({
          symbols,
          budgetPerMin: weightPerMin,
          minIntervalMs: this.opts.env.OI_POLL_MIN_INTERVAL_MS,
          maxIntervalMs: this.opts.env.OI_POLL_MAX_INTERVAL_MS,
        })
      : null;
    const { added, removed } = poller.setPlan(this.planned?.perSymbol ?? new Map<string, number>());
    return { added, removed, changed: this.tiersKey() !== prev || added.length + removed.length > 0 };
  }

  private tiersKey(): string {
    return JSON.stringify(this.planned?.tiers.map((t) => [t.intervalMs, t.symbols.length]) ?? null);
  }

  private checkStaleness(n: number, weightPerMin: number): void {
    const env = this.opts.env;
    const problem =
      n > 0 ? stalenessProblem(n, weightPerMin, env.OI_MAX_STALENESS_MS, guardFor(env.OI_MAX_STALENESS_MS)) : null;
    if (problem && problem !== this.problem) this.log.error(problem);
    else if (!problem && this.problem) this.log.info({ symbols: n, weightPerMin }, 'OI staleness bound holds again');
    this.problem = problem;
  }

  /** The one line saying why OI_MAX_STALENESS_MS cannot hold (activity mode), or null. */
  stalenessProblem(): string | null {
    return this.problem;
  }

  /** The fixed plan (null in activity mode or before a universe). */
  plan(): PollPlan | null {
    return this.planned;
  }

  /** Weight per minute the scheduler may spend on OI now (null when not polling). */
  weightPerMin(): number | null {
    if (this.fixed) return this.planned?.weightPerMin ?? null;
    return this.share;
  }

  /** The interval a symbol's history buffer is sized for (its plan interval, or the mean slot interval). */
  historyIntervalMs(symbol: string): number {
    const env = this.opts.env;
    const planned = this.planned?.perSymbol.get(symbol);
    if (planned !== undefined) return planned;
    if (this.share && this.universe > 0)
      return Math.max(env.OI_POLL_MIN_INTERVAL_MS, (60_000 * this.universe) / this.share);
    return env.OI_POLL_MAX_INTERVAL_MS;
  }

  /** Activity mode keeps one sample per history interval (plus the newest), so bursts keep the span. */
  historySpacingMs(symbol: string): number {
    return this.activity ? this.historyIntervalMs(symbol) : 0;
  }

  size(): number {
    return this.fixed?.size() ?? this.activity?.size() ?? 0;
  }

  failingCount(): number {
    return this.fixed?.failingCount() ?? this.activity?.failingCount() ?? 0;
  }

  maxSampleAgeMs(): number | null {
    return this.fixed ? this.fixed.maxSampleAgeMs() : (this.activity?.maxSampleAgeMs() ?? null);
  }

  paused(): boolean {
    return this.fixed?.paused() ?? this.activity?.paused() ?? false;
  }

  /** 'live' / 'down' for the kline feed of activity mode; 'off' in fixed mode. */
  tradeStream(): 'live' | 'down' | 'off' {
    if (!this.trades) return 'off';
    return this.trades.live() ? 'live' : 'down';
  }
}
