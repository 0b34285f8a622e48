import { CHANNELS, KEYS, type Bus, type Logger, type MarkPriceRecord } from '@volspike/runtime';

export interface MarkContext {
  /** Mark price when a record younger than maxAgeMs is known, else null (never a guess, never 0). */
  markPrice: number | null;
  /** Funding rate of that same fresh record, else null. */
  fundingRate: number | null;
}

function isRecord(v: unknown): v is MarkPriceRecord {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  return typeof r.symbol === 'string' && typeof r.markPrice === 'number' && typeof r.updatedAt === 'number';
}

/**
 * Latest mark price and funding rate per symbol, fed by the funding daemon through the bus
 * (KEYS.markPrices at start, then CHANNELS.markPrices updates). Reads are synchronous and in memory:
 * never a REST call per symbol.
 */
export class MarkPriceCache {
  private readonly records = new Map<string, MarkPriceRecord>();
  private unsubscribe: (() => Promise<void>) | null = null;
  private readonly log: Logger;

  constructor(private readonly opts: { bus: Bus; logger: Logger; maxAgeMs: number }) {
    this.log = opts.logger.child({ component: 'mark-price-cache' });
  }

  async start(): Promise<void> {
    this.unsubscribe = await this.opts.bus.subscribe(CHANNELS.markPrices, (msg) => this.onMessage(msg));
    try {
      const all = await this.opts.bus.getJson<Record<string, unknown>>(KEYS.markPrices);
      if (all && typeof all === 'object') {
        for (const r of Object.values(all)) if (isRecord(r)) this.upsert(r);
      }
      this.log.info({ symbols: this.records.size }, 'mark prices loaded from the bus');
    } catch (err) {
      this.log.warn({ err }, 'could not read mark prices from the bus; waiting for updates');
    }
  }

  async stop(): Promise<void> {
    const u = this.unsubscribe;
    this.unsubscribe = null;
    if (u) await u().catch(() => undefined);
  }

  /** Applies one CHANNELS.markPrices message ({ updatedAt, prices }); malformed items are ignored. */
  onMessage(msg: unknown): void {
    const prices = typeof msg === 'object' && msg !== null ? (msg as { prices?: unknown }).prices : undefined;
    if (!Array.isArray(prices)) return;
    for (const r of prices) if (isRecord(r)) this.upsert(r);
  }

  upsert(r: MarkPriceRecord): void {
    const prev = this.records.get(r.symbol);
    if (prev && prev.updatedAt > r.updatedAt) return; // out of order
    this.records.set(r.symbol, r);
  }

  get(symbol: string, now: number): MarkContext {
    const r = this.records.get(symbol);
    if (!r || now - r.updatedAt > this.opts.maxAgeMs || !(r.markPrice > 0) || !Number.isFinite(r.markPrice)) {
      return { markPrice: null, fundingRate: null };
    }
    const fr = r.fundingRate;
    return { markPrice: r.markPrice, fundingRate: typeof fr === 'number' && Number.isFinite(fr) ? fr : null };
  }

  size(): number {
    return this.records.size;
  }
}
