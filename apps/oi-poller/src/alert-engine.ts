import {
  evaluateOiAlert,
  isoSeconds,
  liveCap,
  oiAlertIngestBody,
  pyFixed,
  type OiAlertDecision,
  type OiCappedCrossing,
  type OiHistory,
  type OiSymbolAlertState,
  type OiSymbolCap,
  type OiTimeframe,
} from '@volspike/oi-core';
import type { BackendQueue } from '@volspike/backend-client';
import { CHANNELS, type Bus, type Logger } from '@volspike/runtime';

export interface AlertEngineOptions {
  bus: Bus;
  /** The backend client's queue (routes `oiAlertIngest`, `oiAlertAlsoCrossed`; the key is added at send time). */
  outbox: Pick<BackendQueue, 'enqueue'>;
  logger: Logger;
  timeframes: readonly OiTimeframe[];
  excludedSymbols: readonly string[];
  /** bus key of the persisted INSIDE/OUTSIDE + cooldown state and the per-symbol caps */
  stateKey: string;
  /** per-symbol cap across timeframes (OI_ALERT_SYMBOL_COOLDOWN_MIN × 60); 0 = per-timeframe cooldowns only */
  symbolCooldownSec: number;
  now?: () => number;
  onAlert?: (d: OiAlertDecision) => void;
}

/** Legacy console line (docs/legacy-contracts.md §4.4), logged through pino. */
export function oiAlertConsoleLine(d: OiAlertDecision): string {
  const up = d.direction === 'UP';
  const head = up ? `🔺 OI SPIKE [${d.timeframe}]: ${d.symbol} UP` : `🔻 OI DUMP [${d.timeframe}]: ${d.symbol} DOWN`;
  const abs = `${d.absChange >= 0 ? '+' : ''}${pyFixed(d.absChange, 0)}`;
  let line = `${head} | ${d.timeframe} ago: ${pyFixed(d.baseline, 0)} | Current: ${pyFixed(d.current, 0)} | Change: ${pyFixed(d.pctChange * 100, 2)}% (${abs})`;
  const extras: string[] = [];
  if (d.priceChange !== undefined)
    extras.push(`price ${d.priceChange >= 0 ? '+' : ''}${pyFixed(d.priceChange * 100, 2)}%`);
  if (d.fundingRate !== undefined) extras.push(`funding ${pyFixed(d.fundingRate * 100, 3)}%`);
  if (extras.length > 0) line += ` | ${extras.join(', ')}`;
  return line;
}

/** Idempotency-Key of an alert: the same decision always maps to the same key (the backend dedupes on it). */
export function alertIdempotencyKey(d: OiAlertDecision): string {
  return `${d.symbol}|${d.direction}|${d.timeframe}|${d.ts}`;
}

/** What is persisted under the state key. Version 1 (before the cap) was `timeframes` alone, and still loads. */
interface PersistedAlertState {
  version: 2;
  timeframes: Record<string, OiSymbolAlertState>;
  caps: Record<string, OiSymbolCap>;
}

const isPersisted = (v: unknown): v is PersistedAlertState =>
  typeof v === 'object' && v !== null && (v as { version?: unknown }).version === 2;

/** Idempotency-Key of a crossing recorded on a sent alert. */
export function alsoCrossedIdempotencyKey(c: OiCappedCrossing): string {
  return `${c.symbol}|${c.direction}|${c.alert.timeframe}|${c.alert.ts}|also|${c.crossing.timeframe}|${c.crossing.ts}`;
}

/**
 * Runs the oi-core alert rule on each new sample and owns the alert state (INSIDE/OUTSIDE + cooldowns per
 * symbol/timeframe/direction). The state is written to the bus (Redis, or the memory bus's state file)
 * before an alert is queued, and loaded at start, so a restart neither re-fires nor forgets a cooldown.
 * Each alert goes to the backend through the outbox and onto CHANNELS.oiAlerts. With a per-symbol cap, a
 * timeframe that crosses later inside it goes through the same outbox (after its alert: FIFO) to
 * `/api/open-interest-alerts/also-crossed`, which records it on the sent alert; it is not published as an alert.
 */
export class AlertEngine {
  private states = new Map<string, OiSymbolAlertState>();
  private caps = new Map<string, OiSymbolCap>();
  private readonly log: Logger;
  private readonly now: () => number;
  private dirty = false;
  private writing: Promise<void> | null = null;
  private persistFailing = false;
  private readonly maxCooldownMs: number;

  constructor(private readonly opts: AlertEngineOptions) {
    this.log = opts.logger.child({ component: 'alert-engine' });
    this.now = opts.now ?? Date.now;
    this.maxCooldownMs = Math.max(0, ...opts.timeframes.map((t) => t.cooldownSec * 1000));
  }

  /** Loads the persisted state; an unreadable state is logged and starts empty (every key INSIDE). */
  async start(): Promise<void> {
    try {
      const saved = await this.opts.bus.getJson<unknown>(this.opts.stateKey);
      if (saved && typeof saved === 'object') {
        const v2 = isPersisted(saved);
        this.states = new Map(Object.entries(v2 ? saved.timeframes : (saved as Record<string, OiSymbolAlertState>)));
        this.caps = new Map(v2 ? Object.entries(saved.caps) : []);
        this.log.info(
          { symbols: this.states.size, capped: this.caps.size, key: this.opts.stateKey },
          'OI alert state loaded',
        );
      }
    } catch (err) {
      this.log.error({ err, key: this.opts.stateKey }, 'could not load OI alert state; starting with every key INSIDE');
    }
  }

  async stop(): Promise<void> {
    if (this.writing) await this.writing;
  }

  stateOf(symbol: string): OiSymbolAlertState | undefined {
    return this.states.get(symbol);
  }

  /** The symbol's alert cap: the alert holding each direction, and what crossed after it. */
  capOf(symbol: string): OiSymbolCap | undefined {
    return this.caps.get(symbol);
  }

  /** Evaluates one new sample (already in `history`); resolves once alerts are persisted and queued. */
  async onSample(input: {
    symbol: string;
    oi: number;
    markPrice: number | null;
    ts: number;
    fundingRate: number | null;
    history: OiHistory;
  }): Promise<OiAlertDecision[]> {
    const prev = this.states.get(input.symbol);
    const prevCap = this.caps.get(input.symbol);
    const res = evaluateOiAlert({
      symbol: input.symbol,
      now: this.now(),
      current: { oi: input.oi, markPrice: input.markPrice, ts: input.ts },
      history: input.history,
      fundingRate: input.fundingRate,
      timeframes: this.opts.timeframes,
      state: prev,
      excludedSymbols: this.opts.excludedSymbols,
      symbolCooldownSec: this.opts.symbolCooldownSec,
      cap: prevCap,
    });
    const stateChanged = JSON.stringify(res.nextState) !== JSON.stringify(prev ?? {});
    if (stateChanged || JSON.stringify(res.nextCap) !== JSON.stringify(prevCap ?? {})) {
      this.states.set(input.symbol, res.nextState);
      if (res.nextCap.UP || res.nextCap.DOWN) this.caps.set(input.symbol, res.nextCap);
      else this.caps.delete(input.symbol);
      await this.persist();
    }
    for (const d of res.alerts) await this.deliver(d);
    for (const c of res.capped) await this.recordCapped(c);
    return res.alerts;
  }

  /** A timeframe held back by the cap: logged, and recorded on the alert holding the cap (backend). */
  private async recordCapped(c: OiCappedCrossing): Promise<void> {
    this.log.info(
      { symbol: c.symbol, direction: c.direction, alert: c.alert, crossing: c.crossing },
      `OI ${c.direction} [${c.crossing.timeframe}] ${c.symbol}: held back by the symbol cap of the ${c.alert.timeframe} alert at ${isoSeconds(c.alert.ts)}`,
    );
    try {
      const body = {
        symbol: c.symbol,
        direction: c.direction,
        alert: { timeframe: c.alert.timeframe, timestamp: isoSeconds(c.alert.ts) },
        crossing: c.crossing,
      };
      await this.opts.outbox.enqueue('oiAlertAlsoCrossed', body, { idempotencyKey: alsoCrossedIdempotencyKey(c) });
    } catch (err) {
      this.log.error({ err, symbol: c.symbol }, 'could not queue a capped OI crossing for the backend');
    }
  }

  private async deliver(d: OiAlertDecision): Promise<void> {
    this.log.info(
      {
        alert: {
          symbol: d.symbol,
          direction: d.direction,
          timeframe: d.timeframe,
          pctChange: d.pctChange,
          absChange: d.absChange,
          ts: d.timestamp,
        },
        explanation: d.explanation,
      },
      oiAlertConsoleLine(d),
    );
    this.opts.onAlert?.(d);
    const body = { ...oiAlertIngestBody(d), explanation: d.explanation, details: { ...d.explanation } };
    try {
      await this.opts.outbox.enqueue('oiAlertIngest', body, { idempotencyKey: alertIdempotencyKey(d) });
    } catch (err) {
      this.log.error({ err, symbol: d.symbol, timeframe: d.timeframe }, 'could not queue OI alert for the backend');
    }
    await this.opts.bus
      .publish(CHANNELS.oiAlerts, d)
      .catch((err: unknown) => this.log.warn({ err }, 'could not publish OI alert on the bus'));
  }

  /** Coalescing write: resolves after a write that includes every change made before the call. */
  private persist(): Promise<void> {
    this.dirty = true;
    this.writing ??= this.writeLoop().finally(() => {
      this.writing = null;
    });
    return this.writing;
  }

  private async writeLoop(): Promise<void> {
    while (this.dirty) {
      this.dirty = false;
      try {
        await this.opts.bus.setJson(this.opts.stateKey, this.compact() satisfies PersistedAlertState);
        if (this.persistFailing) this.log.info('OI alert state persisted again');
        this.persistFailing = false;
      } catch (err) {
        if (!this.persistFailing)
          this.log.error({ err }, 'could not persist OI alert state (kept in memory, retried on the next change)');
        this.persistFailing = true;
        return;
      }
    }
  }

  /** Drops keys that carry no information (INSIDE with no cooldown running, caps that ended): missing = none. */
  private compact(): PersistedAlertState {
    const now = this.now();
    const out: Record<string, OiSymbolAlertState> = {};
    const caps: Record<string, OiSymbolCap> = {};
    for (const [symbol, cap] of this.caps) {
      const live = liveCap(cap, now, this.opts.symbolCooldownSec);
      if (live) caps[symbol] = live;
    }
    for (const [symbol, st] of this.states) {
      const keep: OiSymbolAlertState = {};
      for (const [tf, dirs] of Object.entries(st)) {
        const live = (['UP', 'DOWN'] as const).some(
          (d) =>
            dirs[d].state === 'OUTSIDE' ||
            (dirs[d].lastAlertAt !== null && now - dirs[d].lastAlertAt < this.maxCooldownMs),
        );
        if (live) keep[tf] = dirs;
      }
      if (Object.keys(keep).length > 0) out[symbol] = keep;
    }
    return { version: 2, timeframes: out, caps };
  }
}
