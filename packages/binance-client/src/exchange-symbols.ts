import type { ExchangeInfo, ExchangeSymbol } from './schemas.js';

/**
 * USDT-margined perpetuals that are TRADING (docs/binance.md §4). `TRADIFI_PERPETUAL` (equities, metals)
 * only when asked: their streams and trading hours differ. Unknown contract types are skipped, not fatal.
 */
export function filterUsdtPerpetuals(info: ExchangeInfo, opts: { includeTradFi?: boolean } = {}): ExchangeSymbol[] {
  return info.symbols.filter(
    (s) =>
      (s.contractType === 'PERPETUAL' || (opts.includeTradFi === true && s.contractType === 'TRADIFI_PERPETUAL')) &&
      s.status === 'TRADING' &&
      s.quoteAsset === 'USDT' &&
      s.marginAsset === 'USDT',
  );
}
