import { BinanceWsClient } from '@volspike/binance-client';
import type { BinanceRestClient, Kline } from '@volspike/binance-client';
import { isTopOfHour, selectCandles } from '@volspike/oi-core';
import type { Logger } from '@volspike/runtime';
import { sleep } from '@volspike/runtime';
import { candleAsOf } from './cycle-rules.js';
import { mapLimit } from './concurrency.js';
import { KlineStore } from './kline-store.js';

export interface CandlePair {
  prev: Kline;
  curr: Kline;
  source: 'ws' | 'rest';
}

/** Gives the legacy (prev, curr) pair per symbol for one cycle; null = skip the symbol (legacy: error or < 2 candles). */
export interface CandleProvider {
  pairs(symbols: readonly string[], cycleTime: number): Promise<Map<string, CandlePair | null>>;
}

/** What a kline stream client must offer (BinanceWsClient or a stand-in with the same events). */
export type KlineStream = Pick<BinanceWsClient, 'on' | 'start' | 'stop' | 'subscribe' | 'unsubscribe' | 'connected'>;

/** Legacy REST pair: `limit=3` at hh:00 (last two closed), else `limit=2` (last closed, open). */
async function restPair(
  rest: BinanceRestClient,
  symbol: string,
  cycleTime: number,
  onKlines?: (ks: Kline[], requestedAt: number) => void,
  now: () => number = Date.now,
): Promise<{ prev: Kline; curr: Kline } | null> {
  const top = isTopOfHour(cycleTime);
  const requestedAt = now();
  const klines = await rest.klines({ symbol, interval: '1h', limit: top ? 3 : 2 });
  onKlines?.(klines, requestedAt);
  return selectCandles({ klines, now: cycleTime, atTopOfHour: top });
}

const streamOf = (symbol: string): string => `${symbol.toLowerCase()}@kline_1h`;

/**
 * Live candles: `<symbol>@kline_1h` streams into a {@link KlineStore} (history: one REST klines call per
 * symbol, paced through the budget as `volume-alerts:backfill`), REST klines as the fallback for every
 * symbol the stream cannot answer exactly (stream down, reconnected without a fresh event, missing or
 * non-final candle). Either way the pair equals what the legacy REST scan computes at that moment.
 */
export class CandleSource implements CandleProvider {
  private readonly store = new KlineStore();
  private stream: KlineStream | null = null;
  private symbols = new Set<string>();
  private lastOpenAt: number | null = null;
  private backfillQueue: string[] = [];
  private backfilling: Promise<void> | null = null;
  private stopped = false;
  private readonly log: Logger;
  private lastSources = { ws: 0, rest: 0, failed: 0 };
  private wasConnected = false;

  constructor(
    private readonly opts: {
      rest: BinanceRestClient;
      backfillRest: BinanceRestClient;
      /** null: REST only (VOLUME_USE_KLINE_WS=false) */
      wsUrl: string | null;
      logger: Logger;
      now?: () => number;
      restConcurrency?: number;
      closeGraceMs?: number;
      streamFactory?: (streams: string[]) => KlineStream;
    },
  ) {
    this.log = opts.logger;
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  /** Sets the symbol universe (exchangeInfo order): subscribes new streams and queues their history. */
  setSymbols(symbols: readonly string[]): void {
    const next = new Set(symbols);
    const added = symbols.filter((s) => !this.symbols.has(s));
    const removed = [...this.symbols].filter((s) => !next.has(s));
    this.symbols = next;
    if (!this.opts.wsUrl || this.stopped) return;
    for (const s of removed) this.store.delete(s);
    if (!this.stream) {
      this.stream = this.createStream(added.map(streamOf));
      this.stream.start();
    } else {
      if (added.length) this.stream.subscribe(added.map(streamOf));
      if (removed.length) this.stream.unsubscribe(removed.map(streamOf));
    }
    this.backfillQueue.push(...added);
    this.backfilling ??= this.runBackfill().finally(() => {
      this.backfilling = null;
    });
  }

  private createStream(streams: string[]): KlineStream {
    const s =
      this.opts.streamFactory?.(streams) ??
      new BinanceWsClient({ baseUrl: this.opts.wsUrl as string, streams, logger: this.log });
    s.on('open', () => {
      this.lastOpenAt = this.now();
    });
    s.on('close', (c) => {
      if (this.wasConnected)
        this.log.warn(
          { code: c.code, reason: c.reason },
          'kline stream closed; REST klines cover the cycles until it is back',
        );
      this.wasConnected = false;
    });
    s.on('error', (err) => this.log.debug({ err }, 'kline stream error'));
    s.on('kline', (u) => {
      if (u.interval !== '1h' || !this.symbols.has(u.symbol)) return;
      if (!this.wasConnected) {
        this.wasConnected = true;
        this.log.info('kline stream delivering');
      }
      this.store.put(u.symbol, u.kline, u.closed, this.now(), true);
    });
    return s;
  }

  /** One REST klines call per new symbol, one at a time, at the backfill priority. */
  private async runBackfill(): Promise<void> {
    while (!this.stopped) {
      const symbol = this.backfillQueue.shift();
      if (!symbol) return;
      if (!this.symbols.has(symbol)) continue;
      try {
        const requestedAt = this.now();
        const ks = await this.opts.backfillRest.klines({ symbol, interval: '1h', limit: 3 });
        this.putRest(symbol, ks, requestedAt);
      } catch (err) {
        if (this.stopped) return;
        this.log.debug({ err, symbol }, 'kline history fetch failed; the REST fallback covers this symbol');
      }
    }
  }

  private putRest(symbol: string, ks: readonly Kline[], requestedAt: number): void {
    for (const k of ks) this.store.put(symbol, k, k.closeTime < requestedAt, requestedAt, false);
  }

  /** Whether the stream can vouch for a symbol's open candle: connected, and an event since the (re)connect. */
  private streamFresh(symbol: string): number | null {
    if (!this.stream?.connected() || this.lastOpenAt === null) return null;
    const ev = this.store.lastStreamEventAt(symbol);
    return ev !== null && ev >= this.lastOpenAt ? this.lastOpenAt : null;
  }

  private fromStream(symbol: string, cycleTime: number, top: boolean): { prev: Kline; curr: Kline } | null {
    if (top) return this.store.pair(symbol, cycleTime, true, Infinity);
    const since = this.streamFresh(symbol);
    return since === null ? null : this.store.pair(symbol, cycleTime, false, since);
  }

  async pairs(symbols: readonly string[], cycleTime: number): Promise<Map<string, CandlePair | null>> {
    const top = isTopOfHour(cycleTime);
    if (top && this.stream && (this.opts.closeGraceMs ?? 3000) > 0) {
      // the closing updates of the hour that just ended arrive right after the boundary
      for (let waited = 0; waited < (this.opts.closeGraceMs ?? 3000); waited += 100) {
        if (!symbols.some((s) => this.streamFresh(s) !== null && this.fromStream(s, cycleTime, true) === null)) break;
        await sleep(100);
      }
    }
    const out = new Map<string, CandlePair | null>();
    const missing: string[] = [];
    for (const s of symbols) {
      const p = this.opts.wsUrl ? this.fromStream(s, cycleTime, top) : null;
      if (p) out.set(s, { ...p, source: 'ws' });
      else missing.push(s);
    }
    let failed = 0;
    await mapLimit(missing, this.opts.restConcurrency ?? 8, async (s) => {
      try {
        const p = await restPair(
          this.opts.rest,
          s,
          cycleTime,
          (ks, at) => this.putRest(s, ks, at),
          () => this.now(),
        );
        out.set(s, p ? { ...p, source: 'rest' } : null);
      } catch (err) {
        failed++;
        out.set(s, null);
        this.log.debug({ err, symbol: s }, 'klines failed; symbol skipped this cycle');
      }
    });
    this.lastSources = { ws: symbols.length - missing.length, rest: missing.length - failed, failed };
    if (failed > 0)
      this.log.warn(
        { failed, of: symbols.length },
        'klines failed for some symbols; skipped this cycle (legacy behaviour)',
      );
    return new Map(symbols.map((s) => [s, out.get(s) ?? null]));
  }

  /** Only what the streams can answer exactly right now (diagnostics, the stream-vs-REST test). */
  streamPairs(symbols: readonly string[], cycleTime: number): Map<string, { prev: Kline; curr: Kline }> {
    const top = isTopOfHour(cycleTime);
    const out = new Map<string, { prev: Kline; curr: Kline }>();
    for (const s of symbols) {
      const p = this.fromStream(s, cycleTime, top);
      if (p) out.set(s, p);
    }
    return out;
  }

  stats(): {
    connected: boolean;
    lastOpenAt: number | null;
    lastCycle: { ws: number; rest: number; failed: number };
    backfillPending: number;
  } {
    return {
      connected: this.stream?.connected() ?? false,
      lastOpenAt: this.lastOpenAt,
      lastCycle: this.lastSources,
      backfillPending: this.backfillQueue.length,
    };
  }

  /** Resolves when the queued history fetches are done (tests, start-up logs). */
  async backfillDone(): Promise<void> {
    await this.backfilling;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.backfillQueue = [];
    await this.stream?.stop();
    await this.backfilling?.catch(() => undefined);
  }
}

/**
 * Replay candles: REST klines WITH `endTime` = the cycle time (legacy limits), so the market is seen as of
 * then. The candle that was still open at the cycle time is rebuilt from its 1-minute candles that opened
 * before it (Binance returns that hour's final values today, which the live cycle never saw).
 */
export class AsOfCandleSource implements CandleProvider {
  constructor(private readonly opts: { rest: BinanceRestClient; logger: Logger; concurrency?: number }) {}

  async pairs(symbols: readonly string[], cycleTime: number): Promise<Map<string, CandlePair | null>> {
    const top = isTopOfHour(cycleTime);
    const out = new Map<string, CandlePair | null>();
    let failed = 0;
    await mapLimit(symbols, this.opts.concurrency ?? 8, async (symbol) => {
      try {
        const klines = await this.opts.rest.klines({ symbol, interval: '1h', limit: top ? 3 : 2, endTime: cycleTime });
        const sel = selectCandles({ klines, now: cycleTime, atTopOfHour: top });
        if (!sel) {
          out.set(symbol, null);
          return;
        }
        let curr = sel.curr;
        if (!top && curr.closeTime >= cycleTime) {
          const minutes = await this.opts.rest.klines({
            symbol,
            interval: '1m',
            startTime: curr.openTime,
            endTime: cycleTime - 1,
            limit: 60,
          });
          curr = candleAsOf(curr, minutes, cycleTime) ?? curr;
        }
        out.set(symbol, { prev: sel.prev, curr, source: 'rest' });
      } catch (err) {
        failed++;
        out.set(symbol, null);
        this.opts.logger.debug({ err, symbol }, 'klines failed; symbol skipped');
      }
    });
    if (failed > 0) this.opts.logger.warn({ failed, of: symbols.length }, 'klines failed for some symbols; skipped');
    return new Map(symbols.map((s) => [s, out.get(s) ?? null]));
  }
}
