// WeightBudget: request *weight* per egress IP, shared by every component (and every process when a
// Redis URL is given). See docs/adr/0003-weight-budget.md for why it works this way.
import { randomUUID } from 'node:crypto';
import Bottleneck from 'bottleneck';
import { Redis } from 'ioredis';
import type { BudgetSnapshot, Logger } from '@volspike/runtime';
import { BudgetRedisState, type UsageEntry } from './budget-redis.js';
import { capFor, DEFAULT_COMPONENT_SHARES, resolveShare, type BudgetShare } from './budget-shares.js';
import { ComponentUsage } from './component-usage.js';
import { BinanceError } from './errors.js';

export type { BudgetSnapshot };

export interface WeightBudgetOptions {
  limitPerMin?: number;
  safetyMargin?: number;
  redisUrl?: string;
  /** Budget id = egress IP key; processes with the same id (and Redis) share one budget. */
  id?: string;
  shares?: Record<string, BudgetShare>;
  logger: Logger;
  now?: () => number;
  /** Length of the weight window (Binance: one minute). Shorter only in tests. */
  windowMs?: number;
  /** Redis key prefix (default 'volspike:'). */
  keyPrefix?: string;
  /** Reservoir before the server's used-weight header is known (a restart must not burst). Default 5 % of usable. */
  initialReservoir?: number;
  /** How often a clustered budget refreshes its view of the shared state (ms). */
  syncIntervalMs?: number;
  /**
   * A job running longer than this is failed and its weight released (default 60 s). Without it a
   * process that died mid-request would leave its weight "running" in Redis forever.
   */
  jobExpirationMs?: number;
}

const MAX_PAUSE_MS = 3 * 24 * 3600 * 1000;

export class WeightBudget {
  private readonly limit: number;
  private readonly usable: number;
  private readonly windowMs: number;
  private readonly shares: Record<string, BudgetShare>;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly limiter: Bottleneck;
  private readonly probe: number;
  private readonly syncMs: number;
  private readonly jobExpirationMs: number;
  private readonly redis: Redis | null = null;
  private readonly shared: BudgetRedisState | null = null;
  private readonly connection: Bottleneck.IORedisConnection | null = null;
  private readonly ready: Promise<void>;
  private windowIndex = -1;
  private calibrated = false;
  /**
   * Weight of the requests of this process sent and not yet answered, counted synchronously: the start-up
   * calibration needs it as of the response whose header it reads (see applyReconcile).
   */
  private inFlight = 0;
  private reconcileChain: Promise<void> = Promise.resolve();
  private rollTimer: NodeJS.Timeout | null = null;
  private syncTimer: NodeJS.Timeout | null = null;
  private stopped = false;
  private pauseState: { until: number; reason: '429' | '418' } | null = null;
  private localCounters = { rejected429: 0, banned418: 0 };
  private remoteCounters = { rejected429: 0, banned418: 0 };
  private readonly usage: ComponentUsage;
  private server: { used: number; at: number } | null = null;
  private readonly queuedBy = new Map<string, number>();

  constructor(opts: WeightBudgetOptions) {
    this.limit = opts.limitPerMin ?? 2400;
    const margin = opts.safetyMargin ?? 0.1;
    if (!(this.limit > 0)) throw new RangeError('limitPerMin must be > 0');
    if (!(margin >= 0 && margin < 1)) throw new RangeError('safetyMargin must be in [0, 1)');
    this.usable = Math.max(1, Math.floor(this.limit * (1 - margin)));
    this.windowMs = opts.windowMs ?? 60_000;
    this.shares = opts.shares ?? DEFAULT_COMPONENT_SHARES;
    this.now = opts.now ?? Date.now;
    this.probe = Math.min(this.usable, Math.max(1, Math.round(opts.initialReservoir ?? this.usable * 0.05)));
    this.syncMs = opts.syncIntervalMs ?? Math.min(1000, Math.max(50, Math.floor(this.windowMs / 10)));
    this.jobExpirationMs = opts.jobExpirationMs ?? 60_000;
    const id = opts.id ?? 'default';
    this.log = opts.logger.child({ component: 'weight-budget', budgetId: id });
    const keyBase = `${opts.keyPrefix ?? 'volspike:'}budget:${id}`;
    const bottleneckId = keyBase;

    if (opts.redisUrl) {
      this.redis = new Redis(opts.redisUrl, { maxRetriesPerRequest: 3, lazyConnect: false });
      let lost = false;
      this.redis.on('error', (err) => {
        if (!lost) this.log.warn({ err }, 'weight budget redis error');
        lost = true;
      });
      this.redis.on('ready', () => {
        if (!lost || this.stopped) return;
        lost = false;
        this.log.info('weight budget redis connection restored; rejoining the shared state');
        this.rejoin().catch((err: unknown) =>
          this.log.warn({ err }, 'weight budget could not rejoin the shared state'),
        );
      });
      this.connection = new Bottleneck.IORedisConnection({ Redis, client: this.redis });
      recogniseBottleneckSentinels(this.connection);
      this.shared = new BudgetRedisState(this.redis, keyBase, bottleneckId, this.windowMs);
    }
    this.usage = new ComponentUsage(this.windowMs, this.now, this.redis !== null);
    this.limiter = new Bottleneck({
      id: bottleneckId,
      reservoir: this.probe,
      datastore: this.redis ? 'ioredis' : 'local',
      ...(this.connection ? { connection: this.connection } : {}),
      clearDatastore: false,
      timeout: Math.max(this.windowMs * 5, 60_000),
    });
    this.limiter.on('error', (err: unknown) => this.log.warn({ err }, 'weight budget limiter error'));
    this.ready = this.init();
    this.ready.catch((err: unknown) => this.log.error({ err }, 'weight budget failed to initialise'));
  }

  private async init(): Promise<void> {
    if (this.redis) await this.limiter.ready();
    await this.roll();
    this.scheduleRoll();
    if (this.shared) {
      await this.sync();
      this.scheduleSync();
    }
  }

  usablePerMin(): number {
    return this.usable;
  }

  availableFor(component: string): number {
    return capFor(this.shares, component, this.usable);
  }

  pausedUntil(): number | null {
    const p = this.pauseState;
    return p && p.until > this.now() ? p.until : null;
  }

  /** Waits for the component's share and the global weight, then runs fn. Fails fast while paused. */
  async schedule<T>(component: string, weight: number, fn: () => Promise<T>): Promise<T> {
    if (this.stopped) throw stoppedError();
    const w = Math.max(0, Math.min(Math.ceil(weight), this.usable));
    this.throwIfPaused(this.pauseState);
    await this.ready;
    this.bump(this.queuedBy, component, 1);
    const cap = (): number => this.availableFor(component);
    let started = false;
    let admitted = false;
    try {
      admitted = await this.usage.admit(component, w, cap, cap() >= this.usable);
      const priority = resolveShare(this.shares, component).priority;
      return await this.limiter.schedule(
        { priority, weight: w, expiration: this.jobExpirationMs, id: `${component}-${randomUUID()}` },
        async () => {
          started = true;
          this.bump(this.queuedBy, component, -1);
          const pause = await this.currentPause();
          if (pause) {
            this.giveBack(w);
            if (admitted) this.usage.release(component, w, cap);
            this.throwIfPaused(pause);
          }
          // record before releasing the admission, in the same tick, so the gate never sees a gap
          this.recordUsage(component, w);
          if (admitted) this.usage.release(component, w, cap);
          this.inFlight += w;
          try {
            return await fn();
          } finally {
            this.inFlight -= w;
          }
        },
      );
    } catch (err) {
      if (err instanceof Bottleneck.BottleneckError) {
        if (/timed out/i.test(err.message))
          throw new BinanceError(
            'BINANCE_TIMEOUT',
            `request still running after ${this.jobExpirationMs} ms; its weight was released`,
            { cause: err },
          );
        throw stoppedError(err);
      }
      if (this.stopped && !(err instanceof BinanceError)) throw stoppedError(err);
      throw err;
    } finally {
      if (!started) {
        this.bump(this.queuedBy, component, -1);
        if (admitted) this.usage.release(component, w, cap);
      }
    }
  }

  /** From X-MBX-USED-WEIGHT-1M: the server's count wins when it is higher than ours. */
  reconcile(usedWeight1m: number, at?: number): void {
    if (!Number.isFinite(usedWeight1m) || usedWeight1m < 0 || this.stopped) return;
    const when = at ?? this.now();
    if (!this.server || when >= this.server.at) this.server = { used: usedWeight1m, at: when };
    const k = Math.floor(when / this.windowMs);
    const inFlight = this.inFlight;
    this.reconcileChain = this.reconcileChain
      .then(() => this.applyReconcile(k, usedWeight1m, when, inFlight))
      .catch((err: unknown) => this.log.warn({ err }, 'weight budget reconcile failed'));
  }

  /**
   * A response that carried no used-weight header (not real Binance: a proxy, a mock). If the budget is
   * still on its start-up reservoir, calibrate from our own count instead of waiting for a header
   * that will never come.
   */
  noteUnreportedResponse(at?: number): void {
    if (this.stopped || this.calibrated) return;
    const when = at ?? this.now();
    const k = Math.floor(when / this.windowMs);
    this.reconcileChain = this.reconcileChain
      .then(() => this.applyReconcile(k, -1, when, this.inFlight))
      .catch((err: unknown) => this.log.warn({ err }, 'weight budget reconcile failed'));
  }

  /**
   * `inFlight`: our requests not yet answered when the response carrying `used` arrived (that one included).
   * The first calibration holds them against the budget as not yet counted by the server; read later (after
   * the awaits here), requests answered meanwhile would be in neither figure, and the start-up window could
   * go over the usable weight by as many.
   */
  private async applyReconcile(k: number, used: number, at: number, inFlight: number): Promise<void> {
    await this.ready;
    if (this.shared) {
      const { before, after } = await this.shared.reconcile(k, this.usable, used, at, this.probe);
      if (after >= 0) this.calibrated = true;
      if (after > before) await this.limiter.incrementReservoir(0); // wake every process's queue
      if (after >= 0 && after < before)
        this.log.debug({ before, after, serverUsed: used }, 'weight budget shrunk by server header');
      return;
    }
    if (k !== this.windowIndex) return; // a response from another window says nothing about this one
    const res = (await this.limiter.currentReservoir()) ?? 0;
    let next = res;
    if (!this.calibrated) {
      next = used < 0 ? res + (this.usable - this.probe) : Math.max(0, this.usable - used - inFlight);
      this.calibrated = true;
    } else if (used >= 0) {
      const ours = this.usable - res;
      if (used > ours) next = Math.max(0, res - (used - ours));
    }
    if (next !== res) await this.limiter.incrementReservoir(next - res);
  }

  pause(untilMs: number, reason: '429' | '418'): void {
    const now = this.now();
    const until = Math.min(Math.max(untilMs, now), now + MAX_PAUSE_MS);
    if (reason === '429') this.localCounters.rejected429++;
    else this.localCounters.banned418++;
    if (!this.pauseState || until > this.pauseState.until || this.pauseState.until <= now) {
      this.pauseState = { until, reason };
    }
    this.log.warn(
      { until: new Date(until).toISOString(), reason },
      reason === '418' ? 'IP banned: all REST stopped until the ban ends' : 'rate limited: all REST paused',
    );
    if (this.shared) {
      this.shared.pause(until, reason, now).catch((err: unknown) => this.log.warn({ err }, 'could not share pause'));
    }
  }

  snapshot(): BudgetSnapshot {
    const now = this.now();
    const usage = this.usage.window(now);
    const byComponent: BudgetSnapshot['byComponent'] = {};
    const names = new Set<string>([
      ...Object.keys(this.shares),
      ...this.queuedBy.keys(),
      ...usage.map((u) => u.component),
    ]);
    for (const name of names) {
      byComponent[name] = {
        usedLastMinute: 0,
        usedThisWindow: 0,
        requestsLastMinute: 0,
        reservePerMin: resolveShare(this.shares, name).reservePerMin,
        queued: this.queuedBy.get(name) ?? 0,
      };
    }
    // the sliding 60 s sum (what an operator sees as "used in the last minute") and the budget's own window:
    // the fixed window its reservoir is refilled for, which is what the usable weight is held against
    const k = Math.floor(now / this.windowMs);
    const windowStartedAt = k * this.windowMs;
    let used = 0;
    let usedThisWindow = 0;
    for (const u of usage) {
      used += u.weight;
      if (u.at >= windowStartedAt) usedThisWindow += u.weight;
      const c = byComponent[u.component];
      if (c) {
        c.usedLastMinute += u.weight;
        if (u.at >= windowStartedAt) c.usedThisWindow = (c.usedThisWindow ?? 0) + u.weight;
        c.requestsLastMinute += 1;
      }
    }
    const serverUsed = this.server && Math.floor(this.server.at / this.windowMs) === k ? this.server.used : null;
    let queued = 0;
    for (const q of this.queuedBy.values()) queued += q;
    const paused = this.pausedUntil();
    return {
      at: now,
      limitPerMin: this.limit,
      usablePerMin: this.usable,
      usedLastMinute: used,
      window: { startedAt: windowStartedAt, lengthMs: this.windowMs, used: usedThisWindow },
      serverUsedWeight1m: serverUsed,
      headroom: Math.max(0, this.usable - Math.max(used, serverUsed ?? 0)),
      queued,
      pausedUntil: paused,
      pauseReason: paused !== null ? (this.pauseState?.reason ?? null) : null,
      rejected429: Math.max(this.localCounters.rejected429, this.remoteCounters.rejected429),
      banned418: Math.max(this.localCounters.banned418, this.remoteCounters.banned418),
      byComponent,
    };
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.usage.stop(stoppedError());
    if (this.rollTimer) clearTimeout(this.rollTimer);
    if (this.syncTimer) clearTimeout(this.syncTimer);
    await this.ready.catch(() => undefined);
    await this.reconcileChain;
    await this.limiter.stop({ dropWaitingJobs: true }).catch(() => undefined);
    if (this.connection) await this.connection.disconnect(true).catch(() => undefined);
  }

  // --- internals -------------------------------------------------------------------------------

  private async roll(): Promise<void> {
    const k = Math.floor(this.now() / this.windowMs);
    if (k <= this.windowIndex) return;
    const first = this.windowIndex === -1;
    this.windowIndex = k;
    if (this.shared) {
      const mode = await this.sharedRoll(k);
      if (mode !== 'same') this.calibrated = mode === 'fresh';
      if (mode !== 'same') await this.limiter.incrementReservoir(0); // publish the new capacity
      if (first)
        this.log.info({ mode, usable: this.usable, windowMs: this.windowMs }, 'weight budget joined shared state');
      return;
    }
    this.calibrated = !first;
    // Requests still in flight from the last window may be counted by the server in this one.
    const running = first ? 0 : await this.limiter.running();
    this.limiter.updateSettings({ reservoir: first ? this.probe : Math.max(0, this.usable - running) });
  }

  /**
   * After a Redis outage the server may have come back empty (no persistence): Bottleneck's settings and
   * our window are gone. Let Bottleneck re-create its settings first (its next script does, see
   * recogniseBottleneckSentinels), then roll the current window again: with no window state it restarts on
   * the small probe reservoir until the next response's used-weight header calibrates it — no burst. A
   * Redis that kept its data answers 'same' and nothing changes.
   */
  private async rejoin(): Promise<void> {
    if (!this.shared) return;
    await this.ready;
    const mode = await this.sharedRoll(Math.floor(this.now() / this.windowMs));
    if (mode === 'same') return;
    this.calibrated = mode === 'fresh';
    await this.limiter.incrementReservoir(0);
    this.log.info({ mode }, 'weight budget rejoined shared state');
  }

  /** The shared window roll; when Redis lost Bottleneck's settings, Bottleneck re-creates them first. */
  private async sharedRoll(k: number): Promise<'fresh' | 'probe' | 'same'> {
    const shared = this.shared as BudgetRedisState;
    let mode = await shared.roll(k, this.usable, this.probe);
    if (mode === 'missing') {
      await this.limiter.currentReservoir(); // any Bottleneck script re-runs its init on SETTINGS_KEY_NOT_FOUND
      mode = await shared.roll(k, this.usable, this.probe);
    }
    return mode === 'missing' ? 'probe' : mode;
  }

  private scheduleRoll(): void {
    if (this.stopped) return;
    const delay = this.windowMs - (this.now() % this.windowMs) + 1;
    this.rollTimer = setTimeout(() => {
      this.roll()
        .catch((err: unknown) => this.log.warn({ err }, 'weight budget window roll failed'))
        .finally(() => this.scheduleRoll());
    }, delay);
  }

  private async sync(): Promise<void> {
    if (!this.shared) return;
    const now = this.now();
    const s = await this.shared.read(now);
    this.usage.setRemote(s.usage);
    this.remoteCounters = s.counters;
    if (s.server && (!this.server || s.server.at > this.server.at)) this.server = s.server;
    this.mergePause(s.pause);
  }

  private scheduleSync(): void {
    if (this.stopped) return;
    this.syncTimer = setTimeout(() => {
      this.sync()
        .catch((err: unknown) => this.log.warn({ err }, 'weight budget sync failed'))
        .finally(() => this.scheduleSync());
    }, this.syncMs);
  }

  private mergePause(p: { until: number; reason: '429' | '418' } | null): void {
    if (p && (!this.pauseState || p.until > this.pauseState.until)) this.pauseState = p;
  }

  private async currentPause(): Promise<{ until: number; reason: '429' | '418' } | null> {
    if (this.shared) this.mergePause(await this.shared.readPause());
    const p = this.pauseState;
    return p && p.until > this.now() ? p : null;
  }

  private throwIfPaused(p: { until: number; reason: '429' | '418' } | null): void {
    const now = this.now();
    if (!p || p.until <= now) return;
    const retryAfterMs = p.until - now;
    if (p.reason === '418')
      throw new BinanceError(
        'BINANCE_IP_BANNED',
        `IP banned by Binance until ${new Date(p.until).toISOString()}; no request sent`,
        { retryAfterMs, status: 418 },
      );
    throw new BinanceError(
      'BINANCE_PAUSED',
      `weight budget paused after a 429 until ${new Date(p.until).toISOString()}; no request sent`,
      { retryAfterMs, status: 429 },
    );
  }

  private giveBack(w: number): void {
    if (w > 0)
      this.limiter
        .incrementReservoir(w)
        .catch((err: unknown) => this.log.warn({ err }, 'weight budget give-back failed'));
  }

  private recordUsage(component: string, weight: number): void {
    const e: UsageEntry = { id: randomUUID(), component, weight, at: this.now() };
    this.usage.add(e);
    if (this.shared)
      this.shared.recordUsage(e).catch((err: unknown) => this.log.warn({ err }, 'weight budget usage write failed'));
  }

  private bump(map: Map<string, number>, key: string, by: number): void {
    const v = (map.get(key) ?? 0) + by;
    if (v <= 0) map.delete(key);
    else map.set(key, v);
  }
}

/**
 * Redis 7 prefixes `ERR ` to a Lua `error_reply` that has no error code of its own, so Bottleneck 2.19.5
 * (pinned, unmaintained) no longer recognises its two sentinels (SGrondin/bottleneck#205, #212) and never
 * re-creates its settings or re-registers its client after Redis lost them: every job would fail until the
 * process restarts. Strip the prefix from exactly those two replies before Bottleneck's runScript sees them.
 */
function recogniseBottleneckSentinels(connection: Bottleneck.IORedisConnection): void {
  type Callback = (err: Error | null, replies: unknown) => void;
  const c = connection as unknown as { __scriptFn__(name: string): (...args: unknown[]) => unknown };
  const scriptFn = c.__scriptFn__.bind(c);
  c.__scriptFn__ = (name) => {
    const fn = scriptFn(name);
    return (...args) => {
      const cb = args.pop() as Callback; // Bottleneck's __scriptArgs__ puts the callback last
      return fn(...args, ((err, replies) => {
        if (err && /^ERR (SETTINGS_KEY_NOT_FOUND|UNKNOWN_CLIENT)$/.test(err.message))
          err.message = err.message.slice(4);
        cb(err, replies);
      }) satisfies Callback);
    };
  };
}

function stoppedError(cause?: unknown): BinanceError {
  return new BinanceError(
    'BINANCE_PAUSED',
    'weight budget stopped; no request sent',
    cause === undefined ? {} : { cause },
  );
}
