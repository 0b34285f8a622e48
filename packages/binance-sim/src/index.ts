export { startSim, REQUEST_LOG_MAX } from './server.js';
export type { Sim, SimOptions, SimStats } from './server.js';
export { Market, SimError } from './market.js';
export type { MarketOptions, OiPoint, RangeQuery } from './market.js';
export type { SimSymbol, ContractType, SymbolStatus } from './universe.js';
export type { Candle } from './candles.js';
export { INTERVAL_MS } from './candles.js';
export { klineWeight } from './rest.js';
