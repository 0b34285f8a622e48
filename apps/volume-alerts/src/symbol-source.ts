import { SymbolListError, type BinanceRestClient } from '@volspike/binance-client';
import type { Logger } from '@volspike/runtime';
import { legacyPerpetualSymbols } from './cycle-rules.js';

export interface SymbolLister {
  list(): Promise<string[]>;
}

/**
 * The legacy universe from exchangeInfo (weight 1 per cycle): PERPETUAL, quote USDT, TRADING, in
 * exchangeInfo order. When exchangeInfo fails the last good list is used (legacy scanned nothing); with no
 * list yet the cycle fails with SymbolListError.
 */
export class ExchangeInfoSymbols implements SymbolLister {
  private last: string[] | null = null;

  constructor(private readonly opts: { rest: BinanceRestClient; logger: Logger }) {}

  async list(): Promise<string[]> {
    try {
      const info = await this.opts.rest.exchangeInfo();
      const symbols = legacyPerpetualSymbols(info.symbols);
      if (symbols.length === 0) throw new SymbolListError('exchangeInfo lists no TRADING USDT perpetuals');
      this.last = symbols;
      return symbols;
    } catch (err) {
      if (this.last) {
        this.opts.logger.warn(
          { err, symbols: this.last.length },
          'exchangeInfo failed; scanning the last known symbol list',
        );
        return this.last;
      }
      throw err instanceof SymbolListError
        ? err
        : new SymbolListError(`exchangeInfo failed: ${(err as Error).message}`, { cause: err });
    }
  }
}
