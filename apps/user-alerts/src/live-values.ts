import {
  CHANNELS,
  KEYS,
  type Bus,
  type Logger,
  type MarkPriceRecord,
  type MarkPricesMessage,
  type OiSamplesMessage,
} from '@volspike/runtime';

export interface OiValue {
  /** Open interest in USD. */
  usd: number;
  ts: number;
}

/**
 * Latest mark prices / funding rates (funding daemon: KEYS.markPrices + CHANNELS.markPrices) and OI in USD
 * (realtime poller: CHANNELS.oiSamples), kept in memory from the bus. Reads return null when missing or stale.
 */
export class LiveValues {
  private readonly marks = new Map<string, MarkPriceRecord>();
  private readonly oi = new Map<string, OiValue>();
  private readonly unsubscribers: (() => Promise<void>)[] = [];

  constructor(
    private readonly bus: Bus,
    private readonly logger: Logger,
    private readonly opts: { markMaxAgeMs: number; oiMaxAgeMs: number; now?: () => number },
  ) {}

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  async start(): Promise<void> {
    this.unsubscribers.push(await this.bus.subscribe(CHANNELS.markPrices, (m) => this.onMarks(m)));
    this.unsubscribers.push(await this.bus.subscribe(CHANNELS.oiSamples, (m) => this.onOi(m)));
    try {
      const all = await this.bus.getJson<Record<string, MarkPriceRecord>>(KEYS.markPrices);
      if (all && typeof all === 'object') this.addMarks(Object.values(all));
    } catch (err) {
      this.logger.warn({ err }, 'could not read the mark-price snapshot from the bus; waiting for updates');
    }
  }

  async stop(): Promise<void> {
    for (const u of this.unsubscribers.splice(0)) await u().catch(() => undefined);
  }

  private onMarks(message: unknown): void {
    const prices = (message as Partial<MarkPricesMessage> | null)?.prices;
    if (Array.isArray(prices)) this.addMarks(prices);
  }

  private addMarks(records: unknown[]): void {
    for (const r of records as Partial<MarkPriceRecord>[]) {
      if (!r || typeof r.symbol !== 'string' || typeof r.markPrice !== 'number' || !Number.isFinite(r.markPrice))
        continue;
      if (typeof r.updatedAt !== 'number') continue;
      const prev = this.marks.get(r.symbol);
      if (!prev || prev.updatedAt <= r.updatedAt) this.marks.set(r.symbol, r as MarkPriceRecord);
    }
  }

  private onOi(message: unknown): void {
    const samples = (message as Partial<OiSamplesMessage> | null)?.samples;
    if (!Array.isArray(samples)) return;
    for (const s of samples) {
      if (!s || typeof s.symbol !== 'string' || typeof s.ts !== 'number') continue;
      let usd = typeof s.openInterestUsd === 'number' && s.openInterestUsd > 0 ? s.openInterestUsd : null;
      if (usd === null && typeof s.openInterest === 'number' && typeof s.markPrice === 'number' && s.markPrice > 0)
        usd = s.openInterest * s.markPrice;
      if (usd === null || !Number.isFinite(usd)) continue;
      const prev = this.oi.get(s.symbol);
      if (!prev || prev.ts <= s.ts) this.oi.set(s.symbol, { usd, ts: s.ts });
    }
  }

  /** Fresh mark record, or null when missing/stale. */
  mark(symbol: string): MarkPriceRecord | null {
    const r = this.marks.get(symbol);
    if (!r || this.now() - r.updatedAt > this.opts.markMaxAgeMs) return null;
    return r;
  }

  markPrice(symbol: string): number | null {
    return this.mark(symbol)?.markPrice ?? null;
  }

  fundingRate(symbol: string): number | null {
    const r = this.mark(symbol);
    return r && typeof r.fundingRate === 'number' && Number.isFinite(r.fundingRate) ? r.fundingRate : null;
  }

  /** Fresh OI in USD from the bus, or null. */
  oiUsd(symbol: string): number | null {
    const v = this.oi.get(symbol);
    if (!v || this.now() - v.ts > this.opts.oiMaxAgeMs) return null;
    return v.usd;
  }

  stats(): { marks: number; oiSymbols: number } {
    return { marks: this.marks.size, oiSymbols: this.oi.size };
  }
}
