import type { BinanceRestClient, OpenInterestHistPoint } from '@volspike/binance-client';

export interface OiReading {
  symbol: string;
  openInterest: number;
  /** Binance's time of the value (epoch ms) */
  time: number;
}

/** Where the poller gets OI from. An interface so the scheduler can be tested without HTTP. */
export interface OiSource {
  openInterest(symbol: string): Promise<OiReading>;
}

/** Current OI (weight 1, component 'oi-poller') and 5-minute history (component 'oi-poller:backfill', low priority). */
export class OpenInterestSource implements OiSource {
  private readonly backfill: BinanceRestClient;

  constructor(private readonly client: BinanceRestClient) {
    this.backfill = client.withComponent('oi-poller:backfill');
  }

  async openInterest(symbol: string): Promise<OiReading> {
    const r = await this.client.openInterest(symbol);
    return { symbol: r.symbol, openInterest: r.openInterest, time: r.time };
  }

  /** `/futures/data/openInterestHist` period 5m; the caller paces it (own limit 1000 req / 5 min). */
  history(symbol: string, limit: number, endTime?: number): Promise<OpenInterestHistPoint[]> {
    return this.backfill.openInterestHist({
      symbol,
      period: '5m',
      limit: Math.max(1, Math.min(36, limit)),
      ...(endTime !== undefined ? { endTime } : {}),
    });
  }
}
