import type { BinanceRestClient } from '@volspike/binance-client';
import { CHANNELS, KEYS } from '@volspike/runtime';
import type { Bus, Logger, MarkPriceRecord, MarkPricesMessage, OiSamplesMessage } from '@volspike/runtime';
import type { AlertDelivery } from './alert-delivery.js';
import { mapLimit } from './concurrency.js';
import { oiSnapshotBody } from './cycle-rules.js';

export interface SnapshotResult {
  posted: boolean;
  items: number;
  reused: number;
  fetched: number;
  failed: number;
  /** REST weight spent (1 per fetched symbol) */
  weight: number;
}

/**
 * The 5-minute OI snapshot (docs/legacy-contracts.md §4.2), after the volume scan: OI for every TRADING USDT perpetual,
 * posted with no `source` (the backend stores `snapshot`) to PROD and DEV. Mark prices come from the
 * funding daemon over the bus (null when unknown or stale — never 0); a realtime poller sample younger
 * than `reuseMaxAgeMs` is reused instead of spending weight. Cost: 1 weight per symbol not reused.
 */
export class OiSnapshotJob {
  private readonly marks = new Map<string, MarkPriceRecord>();
  private readonly samples = new Map<string, { openInterest: number; markPrice: number | null; ts: number }>();
  private unsubs: (() => Promise<void>)[] = [];

  constructor(
    private readonly opts: {
      rest: BinanceRestClient;
      bus: Bus;
      delivery: AlertDelivery;
      logger: Logger;
      now?: () => number;
      reuseRealtime: boolean;
      reuseMaxAgeMs: number;
      markMaxAgeMs: number;
      concurrency?: number;
    },
  ) {}

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  async start(): Promise<void> {
    const bus = this.opts.bus;
    this.unsubs.push(
      await bus.subscribe(CHANNELS.markPrices, (m) => {
        for (const r of (m as MarkPricesMessage | null)?.prices ?? []) this.marks.set(r.symbol, r);
      }),
    );
    if (this.opts.reuseRealtime) {
      this.unsubs.push(
        await bus.subscribe(CHANNELS.oiSamples, (m) => {
          for (const s of (m as OiSamplesMessage | null)?.samples ?? []) {
            const prev = this.samples.get(s.symbol);
            if (!prev || s.ts >= prev.ts)
              this.samples.set(s.symbol, { openInterest: s.openInterest, markPrice: s.markPrice, ts: s.ts });
          }
        }),
      );
    }
    try {
      const all = await bus.getJson<Record<string, MarkPriceRecord>>(KEYS.markPrices);
      for (const r of Object.values(all ?? {})) if (!this.marks.has(r.symbol)) this.marks.set(r.symbol, r);
    } catch (err) {
      this.opts.logger.warn(
        { err },
        'mark prices not readable from the bus; snapshot mark prices stay null until published',
      );
    }
  }

  async stop(): Promise<void> {
    for (const u of this.unsubs.splice(0)) await u().catch(() => undefined);
  }

  /** Mark price known and fresh, else null. */
  markPrice(symbol: string): number | null {
    const r = this.marks.get(symbol);
    if (!r || !(r.markPrice > 0) || this.now() - r.updatedAt > this.opts.markMaxAgeMs) return null;
    return r.markPrice;
  }

  async run(symbols: readonly string[], cycleTime: number): Promise<SnapshotResult> {
    const now = this.now();
    let reused = 0;
    let failed = 0;
    const items = await mapLimit(symbols, this.opts.concurrency ?? 4, async (symbol) => {
      const sample = this.opts.reuseRealtime ? this.samples.get(symbol) : undefined;
      if (sample && now - sample.ts <= this.opts.reuseMaxAgeMs && sample.openInterest > 0) {
        reused++;
        return { symbol, openInterest: sample.openInterest, markPrice: this.markPrice(symbol) ?? sample.markPrice };
      }
      try {
        const oi = await this.opts.rest.openInterest(symbol);
        return { symbol, openInterest: oi.openInterest, markPrice: this.markPrice(symbol) };
      } catch (err) {
        failed++;
        this.opts.logger.debug({ err, symbol }, 'openInterest failed; symbol left out of the snapshot');
        return null;
      }
    });
    const kept = items.filter((i): i is NonNullable<typeof i> => i !== null);
    const body = oiSnapshotBody({ cycleTime, items: kept });
    const fetched = symbols.length - reused - failed;
    if (body) await this.opts.delivery.oiSnapshot(body, cycleTime);
    const result = {
      posted: body !== null,
      items: body?.data.length ?? 0,
      reused,
      fetched,
      failed,
      weight: fetched + failed,
    };
    this.opts.logger.info(result, 'OI snapshot');
    return result;
  }
}
