import { isoSeconds, volumeOiChange } from '@volspike/oi-core';
import type { BackendClient } from '@volspike/backend-client';
import type { BinanceRestClient } from '@volspike/binance-client';
import type { Logger } from '@volspike/runtime';

/**
 * The legacy oiChange: ask the PROD backend for the newest OI snapshot at or before the candle's hour
 * (route `oiSnapshot`, 3 s timeout, retried on 429/5xx by the client's idempotent policy), and only when it
 * is found and non-zero the current OI from Binance. (current − start) ÷ start, or undefined (the field is
 * omitted). The same value goes to DEV. For a past cycle (replay) the "current" OI is Binance's 5-minute
 * openInterestHist point at the cycle time instead of today's OI.
 */
export class OiChangeLookup {
  private failing = false;

  constructor(
    private readonly opts: {
      prod: BackendClient | null;
      rest: BinanceRestClient;
      logger: Logger;
      now?: () => number;
    },
  ) {}

  async oiChange(symbol: string, hourTimestamp: number, cycleTime: number): Promise<number | undefined> {
    if (!this.opts.prod) return undefined;
    const start = await this.snapshot(this.opts.prod, symbol, hourTimestamp);
    if (start === null || start === 0) return undefined;
    try {
      const now = (this.opts.now ?? Date.now)();
      let current: number | null;
      if (now - cycleTime > 60_000) {
        const hist = await this.opts.rest.openInterestHist({ symbol, period: '5m', endTime: cycleTime, limit: 1 });
        const point = hist[hist.length - 1];
        current = point && point.timestamp <= cycleTime ? point.sumOpenInterest : null;
      } else {
        current = (await this.opts.rest.openInterest(symbol)).openInterest;
      }
      return volumeOiChange(start, current);
    } catch (err) {
      this.opts.logger.debug({ err, symbol }, 'current open interest unavailable; oiChange omitted');
      return undefined;
    }
  }

  private async snapshot(prod: BackendClient, symbol: string, hourTimestamp: number): Promise<number | null> {
    try {
      const body = await prod.get('oiSnapshot', { query: { symbol, ts: isoSeconds(hourTimestamp) } });
      if (this.failing) {
        this.failing = false;
        this.opts.logger.info('OI snapshot lookups answering again');
      }
      return body.found && Number.isFinite(body.openInterest) ? body.openInterest : null;
    } catch (err) {
      if (!this.failing) {
        this.failing = true;
        this.opts.logger.warn({ err, symbol }, 'OI snapshot lookup failed; oiChange omitted');
      }
      return null;
    }
  }
}
