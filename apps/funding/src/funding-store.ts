import type { MarkPriceUpdate } from '@volspike/binance-client';
import type { MarkPriceRecord } from '@volspike/runtime';

export interface AgeStats {
  oldestSec: number;
  medianSec: number;
  p95Sec: number;
  newestSec: number;
}

/**
 * Latest mark price, index price, funding rate and next funding time per symbol, in memory only (no
 * per-message disk write — legacy defect 20; the bus snapshot is periodic). Records come only from
 * mark-price events (never a ticker's last price — legacy defect 18). `updatedAt` is the receive time.
 */
export class FundingStore {
  private readonly records = new Map<string, MarkPriceRecord>();
  private readonly changed = new Set<string>();
  private readonly gapped = new Set<string>();
  private updates = 0;

  /** Merges one batch of mark-price items; a null optional field keeps the previous value. */
  apply(items: readonly MarkPriceUpdate[], receivedAt: number): void {
    for (const u of items) {
      const prev = this.records.get(u.symbol);
      this.records.set(u.symbol, {
        symbol: u.symbol,
        markPrice: u.markPrice,
        indexPrice: u.indexPrice ?? prev?.indexPrice ?? null,
        fundingRate: u.fundingRate ?? prev?.fundingRate ?? null,
        nextFundingTime: u.nextFundingTime ?? prev?.nextFundingTime ?? null,
        updatedAt: receivedAt,
      });
      this.changed.add(u.symbol);
      this.updates++;
    }
  }

  get(symbol: string): MarkPriceRecord | undefined {
    return this.records.get(symbol);
  }

  all(): MarkPriceRecord[] {
    return [...this.records.values()].sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
  }

  size(): number {
    return this.records.size;
  }

  updateCount(): number {
    return this.updates;
  }

  /** Records changed since the last call (for the bus), and forgets them. */
  takeChanged(): MarkPriceRecord[] {
    const out: MarkPriceRecord[] = [];
    for (const s of this.changed) {
      const r = this.records.get(s);
      if (r) out.push(r);
    }
    this.changed.clear();
    return out;
  }

  /** The full map for KEYS.markPrices. */
  snapshot(): Record<string, MarkPriceRecord> {
    return Object.fromEntries(this.records);
  }

  /** Record ages in seconds (null when empty). */
  ages(now: number): AgeStats | null {
    if (this.records.size === 0) return null;
    const ages = [...this.records.values()].map((r) => Math.max(0, now - r.updatedAt) / 1000).sort((a, b) => a - b);
    const at = (q: number): number => ages[Math.min(ages.length - 1, Math.ceil(q * ages.length) - 1)]!;
    const mid = ages.length >> 1;
    const median = ages.length % 2 === 1 ? ages[mid]! : (ages[mid - 1]! + ages[mid]!) / 2;
    return { oldestSec: ages[ages.length - 1]!, medianSec: median, p95Sec: at(0.95), newestSec: ages[0]! };
  }

  staleCount(now: number, staleSec: number): number {
    let n = 0;
    for (const r of this.records.values()) if (now - r.updatedAt > staleSec * 1000) n++;
    return n;
  }

  /**
   * Gap detection: symbols whose last update is older than `gapMs`. Returns the ones that just entered a
   * gap and the ones that left it since the last call; `current` is how many are in a gap now.
   */
  checkGaps(now: number, gapMs: number): { started: string[]; ended: string[]; current: number } {
    const started: string[] = [];
    const ended: string[] = [];
    for (const r of this.records.values()) {
      const inGap = now - r.updatedAt > gapMs;
      if (inGap && !this.gapped.has(r.symbol)) {
        this.gapped.add(r.symbol);
        started.push(r.symbol);
      } else if (!inGap && this.gapped.has(r.symbol)) {
        this.gapped.delete(r.symbol);
        ended.push(r.symbol);
      }
    }
    return { started, ended, current: this.gapped.size };
  }
}
