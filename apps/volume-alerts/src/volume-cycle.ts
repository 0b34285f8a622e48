import { evaluateVolumeSymbol, volumeAlertPayload } from '@volspike/oi-core';
import type { VolumeAlertPayload, VolumeEvaluation, VolumeSymbolState } from '@volspike/oi-core';
import type { Logger } from '@volspike/runtime';
import { sleep } from '@volspike/runtime';
import type { AlertDelivery } from './alert-delivery.js';
import type { CandleProvider } from './candle-source.js';
import { mapLimit } from './concurrency.js';
import type { FundingLookup } from './funding-lookup.js';
import type { OiChangeLookup } from './oi-change-lookup.js';
import type { VolumeStateStore } from './state-store.js';
import type { SymbolLister } from './symbol-source.js';

export interface CycleResult {
  cycleTime: number;
  symbols: string[];
  evaluated: number;
  skipped: number;
  alerts: VolumeAlertPayload[];
  source: 'ws' | 'rest';
  fromStream: number;
  fromRest: number;
  durationMs: number;
}

/**
 * One legacy scan at `cycleTime` (a 5-minute boundary, used for every symbol like legacy `utc_now`):
 * symbols → candles → per-symbol rules (oi-core) → per alert, in exchangeInfo order: console line,
 * OI-change lookup, then Telegram, PROD, DEV (queued in that order) → state persisted.
 */
export class VolumeCycle {
  constructor(
    private readonly opts: {
      symbols: SymbolLister;
      candles: CandleProvider;
      funding: FundingLookup;
      oiChange: OiChangeLookup;
      delivery: AlertDelivery;
      state: VolumeStateStore;
      logger: Logger;
      now?: () => number;
      /** called with each cycle's symbol list (the live candle source follows the universe) */
      onSymbols?: (symbols: string[]) => void;
      lookupConcurrency?: number;
      /** live: never read the market before the boundary (replay runs past times at once) */
      waitForBoundary?: boolean;
    },
  ) {}

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  async run(cycleTime: number): Promise<CycleResult> {
    const startedAt = this.now();
    // never read the market before the boundary (a timer firing early would see the old hour as closed)
    if (this.opts.waitForBoundary !== false && startedAt < cycleTime) await sleep(cycleTime - startedAt);
    const log = this.opts.logger;
    const symbols = await this.opts.symbols.list();
    this.opts.onSymbols?.(symbols);
    const pairs = await this.opts.candles.pairs(symbols, cycleTime);

    const { evaluations, next, fromStream, fromRest, skipped } = this.evaluate(symbols, pairs, cycleTime);
    const alerts = await this.deliver(evaluations, cycleTime);
    await this.opts.state.commit(cycleTime, next);

    const result: CycleResult = {
      cycleTime,
      symbols,
      evaluated: symbols.length - skipped,
      skipped,
      alerts,
      source: fromRest === 0 && fromStream > 0 ? 'ws' : 'rest',
      fromStream,
      fromRest,
      durationMs: this.now() - startedAt,
    };
    log.info(
      {
        cycleTime: new Date(cycleTime).toISOString(),
        symbols: symbols.length,
        skipped,
        alerts: alerts.length,
        fromStream,
        fromRest,
        durationMs: result.durationMs,
      },
      `Scanned ${symbols.length - skipped} symbols, ${alerts.length} alert(s)`,
    );
    return result;
  }

  /** The per-symbol rules over the cycle's candle pairs (a symbol without a pair is skipped). */
  private evaluate(
    symbols: string[],
    pairs: Awaited<ReturnType<CandleProvider['pairs']>>,
    cycleTime: number,
  ): {
    evaluations: VolumeEvaluation[];
    next: Record<string, VolumeSymbolState>;
    fromStream: number;
    fromRest: number;
    skipped: number;
  } {
    const log = this.opts.logger;
    const evaluations: VolumeEvaluation[] = [];
    const next: Record<string, VolumeSymbolState> = {};
    let fromStream = 0;
    let fromRest = 0;
    let skipped = 0;
    for (const symbol of symbols) {
      const pair = pairs.get(symbol);
      if (!pair) {
        skipped++;
        continue;
      }
      if (pair.source === 'ws') fromStream++;
      else fromRest++;
      const e = evaluateVolumeSymbol({
        symbol,
        prev: pair.prev,
        curr: pair.curr,
        now: cycleTime,
        state: this.opts.state.symbol(symbol),
      });
      next[symbol] = e.nextState;
      if (e.kind) {
        log.info({ symbol, alertType: e.kind, ratio: e.ratio, currentVolume: e.currVol }, e.consoleLine);
        evaluations.push(e);
      } else log.debug({ symbol }, e.consoleLine);
    }
    return { evaluations, next, fromStream, fromRest, skipped };
  }

  /** Funding and OI-change lookups side by side, then delivery in the legacy per-alert order. */
  private async deliver(evaluations: VolumeEvaluation[], cycleTime: number): Promise<VolumeAlertPayload[]> {
    const extras = await mapLimit(evaluations, this.opts.lookupConcurrency ?? 8, async (e) => {
      const [fundingRate, oiChange] = await Promise.all([
        this.opts.funding.fundingRate(e.symbol),
        this.opts.oiChange.oiChange(e.symbol, e.hourTimestamp, cycleTime),
      ]);
      return { fundingRate, oiChange };
    });
    const alerts: VolumeAlertPayload[] = [];
    for (const [i, e] of evaluations.entries()) {
      const x = extras[i] ?? { fundingRate: null, oiChange: undefined };
      const payload = volumeAlertPayload({
        evaluation: e,
        now: cycleTime,
        fundingRate: x.fundingRate,
        oiChange: x.oiChange,
      });
      if (!payload) continue;
      await this.opts.delivery.volumeAlert(payload);
      alerts.push(payload);
    }
    return alerts;
  }
}
