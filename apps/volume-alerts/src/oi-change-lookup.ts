import { isoSeconds, volumeOiChange } from '@volspike/oi-core';
import type { BinanceRestClient } from '@volspike/binance-client';
import type { Logger } from '@volspike/runtime';
import { sleep } from '@volspike/runtime';

interface SnapshotFound {
  found: true;
  openInterest: number;
}

/**
 * The legacy oiChange: ask the PROD backend for the newest OI snapshot at or before the candle's hour
 * (`GET /api/market/open-interest/snapshot?symbol=&ts=`, X-API-Key, 3 s timeout, GET retried on 429/5xx),
 * and only when it is found and non-zero the current OI from Binance. (current − start) ÷ start, or
 * undefined (the field is omitted). The same value goes to DEV. For a past cycle (replay) the "current"
 * OI is Binance's 5-minute openInterestHist point at the cycle time instead of today's OI.
 */
export class OiChangeLookup {
  private failing = false;

  constructor(
    private readonly opts: {
      prod: { url: string; apiKey: string } | null;
      rest: BinanceRestClient;
      logger: Logger;
      now?: () => number;
      timeoutMs?: number;
      retryDelaysMs?: number[];
      fetchImpl?: typeof fetch;
    },
  ) {}

  async oiChange(symbol: string, hourTimestamp: number, cycleTime: number): Promise<number | undefined> {
    if (!this.opts.prod) return undefined;
    const start = await this.snapshot(symbol, hourTimestamp);
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

  private async snapshot(symbol: string, hourTimestamp: number): Promise<number | null> {
    const prod = this.opts.prod;
    if (!prod) return null;
    const url = new URL('/api/market/open-interest/snapshot', prod.url);
    url.searchParams.set('symbol', symbol);
    url.searchParams.set('ts', isoSeconds(hourTimestamp));
    const delays = this.opts.retryDelaysMs ?? [250, 500, 1000];
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await (this.opts.fetchImpl ?? fetch)(url, {
          headers: { 'X-API-Key': prod.apiKey },
          signal: AbortSignal.timeout(this.opts.timeoutMs ?? 3000),
        });
        const text = await res.text();
        if ((res.status === 429 || res.status >= 500) && attempt < delays.length) {
          await sleep(delays[attempt] ?? 1000);
          continue;
        }
        if (res.status !== 200) throw new Error(`snapshot lookup answered ${res.status}`);
        const body = JSON.parse(text) as Partial<SnapshotFound> & { found?: unknown };
        this.recovered();
        if (body.found !== true || typeof body.openInterest !== 'number' || !Number.isFinite(body.openInterest))
          return null;
        return body.openInterest;
      } catch (err) {
        const transient = !(err instanceof Error && err.message.startsWith('snapshot lookup answered'));
        if (transient && attempt < delays.length) {
          await sleep(delays[attempt] ?? 1000);
          continue;
        }
        if (!this.failing) {
          this.failing = true;
          this.opts.logger.warn({ err, symbol }, 'OI snapshot lookup failed; oiChange omitted');
        }
        return null;
      }
    }
  }

  private recovered(): void {
    if (this.failing) {
      this.failing = false;
      this.opts.logger.info('OI snapshot lookups answering again');
    }
  }
}
