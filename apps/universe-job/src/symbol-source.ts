import { z } from 'zod';
import { SymbolListError, filterUsdtPerpetuals } from '@volspike/binance-client';
import type { BinanceRestClient } from '@volspike/binance-client';
import type { Logger } from '@volspike/runtime';

const perpetualsResponseSchema = z.object({
  updatedAt: z.string(),
  count: z.number().int().nonnegative(),
  symbols: z.array(z.object({ symbol: z.string().min(1) }).loose()),
});

export interface SymbolList {
  symbols: string[];
  via: 'proxy' | 'binance';
}

/**
 * The tradable USDT perpetuals: from binance-proxy's `/api/binance/futures/usdt-perpetuals` (the one place
 * the filter lives), falling back to exchangeInfo through binance-client when the proxy is down. An empty
 * list is treated as a failure, never as "no symbols".
 */
export class SymbolSource {
  private proxyDown = false;

  constructor(
    private readonly opts: {
      proxyUrl: string | undefined;
      rest: BinanceRestClient;
      includeTradFi: boolean;
      logger: Logger;
      timeoutMs?: number;
      fetchImpl?: typeof fetch;
    },
  ) {}

  async list(): Promise<SymbolList> {
    if (this.opts.proxyUrl) {
      try {
        const symbols = await this.fromProxy(this.opts.proxyUrl);
        if (this.proxyDown) this.opts.logger.info('binance-proxy reachable again');
        this.proxyDown = false;
        return { symbols, via: 'proxy' };
      } catch (err) {
        if (!this.proxyDown)
          this.opts.logger.warn({ err }, 'binance-proxy unavailable; reading exchangeInfo from Binance directly');
        this.proxyDown = true;
      }
    }
    let symbols: string[];
    try {
      const info = await this.opts.rest.exchangeInfo();
      symbols = filterUsdtPerpetuals(info, { includeTradFi: this.opts.includeTradFi }).map((s) => s.symbol);
    } catch (err) {
      throw new SymbolListError('exchangeInfo unavailable from both binance-proxy and Binance', { cause: err });
    }
    if (symbols.length === 0) throw new SymbolListError('exchangeInfo listed no USDT perpetuals');
    return { symbols, via: 'binance' };
  }

  private async fromProxy(proxyUrl: string): Promise<string[]> {
    const fetchImpl = this.opts.fetchImpl ?? fetch;
    const url = new URL('/api/binance/futures/usdt-perpetuals', proxyUrl);
    const res = await fetchImpl(url, {
      signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10_000),
      headers: { accept: 'application/json' },
    });
    if (!res.ok) {
      await res.body?.cancel();
      throw new SymbolListError(`binance-proxy answered ${res.status}`);
    }
    let json: unknown;
    try {
      json = await res.json();
    } catch (err) {
      throw new SymbolListError('binance-proxy sent invalid JSON', { cause: err });
    }
    const parsed = perpetualsResponseSchema.safeParse(json);
    if (!parsed.success) throw new SymbolListError(`binance-proxy sent an unexpected body: ${parsed.error.message}`);
    if (parsed.data.symbols.length === 0) throw new SymbolListError('binance-proxy listed no USDT perpetuals');
    return parsed.data.symbols.map((s) => s.symbol);
  }
}
