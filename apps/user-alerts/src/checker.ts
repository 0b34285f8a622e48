import type { Counter, Registry } from 'prom-client';
import { BackendError } from '@volspike/backend-client';
import type { BackendClient } from '@volspike/backend-client';
import type { ActiveAlert } from '@volspike/contracts';
import { detectCross } from '@volspike/oi-core';
import type { BinanceRestClient } from '@volspike/binance-client';
import { counter, type Logger } from '@volspike/runtime';
import type { LiveValues } from './live-values.js';

export type { ActiveAlert };

export type Cadence = 'fast' | 'free';

/** pro/elite → fast; everything else (free, unknown, missing) → free, like the legacy default tier. */
export function cadenceOf(tier: string | null | undefined): Cadence {
  const t = (tier ?? 'free').toLowerCase();
  return t === 'pro' || t === 'elite' ? 'fast' : 'free';
}

export interface CheckerOptions {
  /** The backend client (routes userAlertsActive, userAlertTrigger, userAlertUpdateChecked). */
  api: BackendClient;
  live: LiveValues;
  logger: Logger;
  metrics: Registry;
  fastIntervalMs: number;
  freeIntervalMs: number;
  /** OI fallback for symbols without a fresh bus sample; null = no fallback (skip). */
  rest: BinanceRestClient | null;
  now?: () => number;
}

export interface IterationResult {
  evaluated: number;
  triggered: number;
  alreadyFired: number;
  baselines: number;
  updates: number;
  skipped: number;
  restCalls: number;
  errors: number;
}

export interface CheckerStats {
  iterations: number;
  lastIterationAt: number | null;
  lastError: string | null;
  lastResult: IterationResult | null;
  triggered: number;
}

/**
 * One iteration = ONE `GET /active`, then every due alert (pro/elite at the fast cadence, free at the free
 * cadence) is compared with its live value: mark price (PRICE_CROSS), funding rate (FUNDING_CROSS), OI in USD
 * (OI_CROSS). A cross → `POST /trigger` (the backend deactivates atomically, so a second checker or a restarted
 * one cannot fire it twice); otherwise `POST /update-checked`, only when the value differs from the stored one.
 */
export class UserAlertChecker {
  private lastRun: Record<Cadence, number | null> = { fast: null, free: null };
  /** Last value this process stored for an alert (the backend row may be older if a POST failed). */
  private readonly stored = new Map<string, number>();
  private readonly counters: { checks: Counter<'result'>; triggers: Counter<'result'> };
  private statsValue: CheckerStats = {
    iterations: 0,
    lastIterationAt: null,
    lastError: null,
    lastResult: null,
    triggered: 0,
  };
  private readonly now: () => number;

  constructor(private readonly opts: CheckerOptions) {
    this.now = opts.now ?? Date.now;
    this.counters = {
      checks: counter(opts.metrics, {
        name: 'volspike_user_alerts_checks_total',
        help: 'User cross-alert evaluations by result',
        labelNames: ['result'],
      }),
      triggers: counter(opts.metrics, {
        name: 'volspike_user_alerts_triggers_total',
        help: 'Trigger POSTs by result',
        labelNames: ['result'],
      }),
    };
  }

  /** Period of the loop: the shorter of the two cadences. */
  get periodMs(): number {
    return Math.min(this.opts.fastIntervalMs, this.opts.freeIntervalMs);
  }

  stats(): CheckerStats {
    return this.statsValue;
  }

  private due(cadence: Cadence, now: number): boolean {
    const last = this.lastRun[cadence];
    const interval = cadence === 'fast' ? this.opts.fastIntervalMs : this.opts.freeIntervalMs;
    // Half a period of slack so a timer firing a little early does not postpone a cadence by a whole period.
    return last === null || now - last + this.periodMs / 2 >= interval;
  }

  /** Runs one iteration. Throws when the active list cannot be fetched (the loop backs off). */
  async iterate(): Promise<IterationResult> {
    const now = this.now();
    const dueFast = this.due('fast', now);
    const dueFree = this.due('free', now);
    const result: IterationResult = {
      evaluated: 0,
      triggered: 0,
      alreadyFired: 0,
      baselines: 0,
      updates: 0,
      skipped: 0,
      restCalls: 0,
      errors: 0,
    };
    if (!dueFast && !dueFree) return result;
    const alerts = await this.fetchActive();
    if (dueFast) this.lastRun.fast = now;
    if (dueFree) this.lastRun.free = now;
    const activeIds = new Set(alerts.map((a) => a.id));
    for (const id of this.stored.keys()) if (!activeIds.has(id)) this.stored.delete(id);
    const restOi = new Map<string, Promise<number | null>>();
    for (const alert of alerts) {
      const cadence = cadenceOf(alert.userTier);
      if ((cadence === 'fast' && !dueFast) || (cadence === 'free' && !dueFree)) continue;
      try {
        await this.evaluate(alert, restOi, result);
      } catch (err) {
        result.errors++;
        this.counters.checks.inc({ result: 'error' });
        this.opts.logger.warn(
          { err, alertId: alert.id, symbol: alert.symbol },
          'user alert evaluation failed; retried next time',
        );
      }
    }
    this.statsValue = {
      ...this.statsValue,
      iterations: this.statsValue.iterations + 1,
      lastIterationAt: now,
      lastResult: result,
      lastError: null,
    };
    return result;
  }

  private async fetchActive(): Promise<ActiveAlert[]> {
    return (await this.opts.api.get('userAlertsActive')).alerts;
  }

  private async currentValue(
    alert: ActiveAlert,
    restOi: Map<string, Promise<number | null>>,
    result: IterationResult,
  ): Promise<number | null> {
    const { live } = this.opts;
    switch (alert.alertType) {
      case 'PRICE_CROSS':
        return live.markPrice(alert.symbol);
      case 'FUNDING_CROSS':
        return live.fundingRate(alert.symbol);
      case 'OI_CROSS': {
        const fromBus = live.oiUsd(alert.symbol);
        if (fromBus !== null) return fromBus;
        const rest = this.opts.rest;
        if (!rest) return null;
        let pending = restOi.get(alert.symbol);
        if (!pending) {
          result.restCalls++;
          pending = rest.openInterest(alert.symbol).then(
            (oi) => {
              const mark = live.markPrice(alert.symbol);
              return mark === null ? null : oi.openInterest * mark;
            },
            (err: unknown) => {
              this.opts.logger.warn(
                { err, symbol: alert.symbol },
                'openInterest fallback failed; OI alerts of this symbol skipped',
              );
              return null;
            },
          );
          restOi.set(alert.symbol, pending);
        }
        return pending;
      }
      default:
        return null;
    }
  }

  private async evaluate(
    alert: ActiveAlert,
    restOi: Map<string, Promise<number | null>>,
    result: IterationResult,
  ): Promise<void> {
    const current = await this.currentValue(alert, restOi, result);
    if (current === null || !Number.isFinite(current)) {
      result.skipped++;
      this.counters.checks.inc({ result: 'skipped' });
      return;
    }
    result.evaluated++;
    const previous = this.stored.get(alert.id) ?? alert.lastCheckedValue;
    const cross = detectCross({ previous, current, threshold: alert.threshold });
    if (cross.crossed && previous !== null) {
      await this.trigger(alert, previous, current, cross.crossedUp === true, result);
      return;
    }
    this.counters.checks.inc({ result: previous === null ? 'baseline' : 'no-cross' });
    // update-checked only when the value changed: an unchanged value would only move lastCheckedAt.
    if (previous !== null && previous === current) return;
    try {
      await this.opts.api.send('userAlertUpdateChecked', { body: { alertId: alert.id, lastCheckedValue: current } });
    } catch (err) {
      if (err instanceof BackendError && err.status === 404) {
        this.stored.delete(alert.id);
        return;
      }
      throw err;
    }
    // delivered, or recorded in shadow mode: either way this is the value the next check compares with
    this.stored.set(alert.id, current);
    if (previous === null) result.baselines++;
    else result.updates++;
  }

  private async trigger(
    alert: ActiveAlert,
    previous: number,
    current: number,
    crossedUp: boolean,
    result: IterationResult,
  ): Promise<void> {
    let delivered: boolean;
    try {
      const body = {
        alertId: alert.id,
        symbol: alert.symbol,
        currentValue: current,
        previousValue: previous,
        crossedUp,
      };
      delivered = (await this.opts.api.send('userAlertTrigger', { body })).delivered;
    } catch (err) {
      if (err instanceof BackendError && (err.status === 400 || err.status === 404 || err.status === 409)) {
        // Someone else (another checker, a restart of this one, the user) already fired or removed it.
        result.alreadyFired++;
        this.counters.triggers.inc({ result: 'already' });
        this.stored.delete(alert.id);
        this.opts.logger.info(
          { alertId: alert.id, status: err.status, body: err.body },
          'user alert was no longer active; not fired again',
        );
        return;
      }
      this.counters.triggers.inc({ result: 'error' });
      throw err;
    }
    result.triggered++;
    this.statsValue.triggered++;
    this.counters.triggers.inc({ result: 'fired' });
    this.stored.delete(alert.id);
    this.opts.logger.info(
      {
        alertId: alert.id,
        userId: alert.userId,
        symbol: alert.symbol,
        alertType: alert.alertType,
        threshold: alert.threshold,
        previous,
        current,
        delivered,
      },
      delivered ? 'user alert triggered' : 'user alert would have triggered (recorded, not delivered)',
    );
  }

  recordError(err: unknown): void {
    this.statsValue = { ...this.statsValue, lastError: err instanceof Error ? err.message : String(err) };
  }
}
