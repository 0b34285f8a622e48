export {
  BinanceError,
  SymbolListError,
  isBinanceError,
  type BinanceErrorCode,
  type BinanceErrorOptions,
} from './errors.js';
export { WeightBudget, type BudgetSnapshot, type WeightBudgetOptions } from './weight-budget.js';
export { DEFAULT_COMPONENT_SHARES, capFor, resolveShare, type BudgetShare, type Component } from './budget-shares.js';
export { BinanceRestClient, type BinanceRestClientOptions } from './rest-client.js';
export { filterUsdtPerpetuals } from './exchange-symbols.js';
export { ENDPOINT_WEIGHTS, klinesWeight } from './weights.js';
export { decimal, optionalDecimal } from './decimal.js';
export {
  KLINE_INTERVALS,
  OI_HIST_PERIODS,
  type ExchangeInfo,
  type ExchangeSymbol,
  type Kline,
  type KlineInterval,
  type OpenInterest,
  type OpenInterestHistPeriod,
  type OpenInterestHistPoint,
  type PremiumIndex,
  type Ticker24h,
  type TickerPrice,
} from './schemas.js';
export {
  BinanceWsClient,
  type BinanceWsClientOptions,
  type BinanceWsClientEvents,
  type BinanceWsStats,
} from './ws-client.js';
export { parseStreamFrame, type KlineUpdate, type MarkPriceUpdate, type TickerUpdate } from './ws-messages.js';
