import { VolspikeError } from '@volspike/errors';
// The public REST endpoints: Binance's paths, weights, parameter checks, error codes and shapes
// (decimal strings, epoch-ms integers, 12-element kline arrays).
import { INTERVAL_MS } from './candles.js';
import type { Candle } from './candles.js';
import { hash32 } from './rng.js';
import type { Market } from './market.js';
import type { SymbolState } from './symbol-state.js';

/** A request the simulated exchange refuses, answered as Binance does: HTTP status + `{code, msg}` body. */
export class SimRejection extends VolspikeError<'SIM_REQUEST_REJECTED'> {
  constructor(
    readonly status: number,
    readonly binanceCode: number,
    msg: string,
  ) {
    super('SIM_REQUEST_REJECTED', msg);
  }
}

export interface Endpoint {
  /** request weight for these parameters (0 for /futures/data/*, which has its own limit) */
  weight(p: URLSearchParams): number;
  /** counted against the 1000 requests / 5 min limit instead of weight */
  dataLimit?: boolean;
  handle(p: URLSearchParams, m: Market): unknown;
}

const OI_PERIOD_MS: Record<string, number> = {
  '5m': 300_000,
  '15m': 900_000,
  '30m': 1_800_000,
  '1h': 3_600_000,
  '2h': 7_200_000,
  '4h': 14_400_000,
  '6h': 21_600_000,
  '12h': 43_200_000,
  '1d': 86_400_000,
};

const missing = (name: string): SimRejection =>
  new SimRejection(400, -1102, `Mandatory parameter '${name}' was not sent, was empty/null, or malformed.`);
const invalid = (name: string): SimRejection =>
  new SimRejection(400, -1130, `Data sent for parameter '${name}' is not valid.`);

function requiredSymbol(p: URLSearchParams, m: Market): SymbolState {
  const s = p.get('symbol');
  if (!s) throw missing('symbol');
  return symbolState(s, m);
}

function symbolState(s: string, m: Market): SymbolState {
  if (!m.has(s)) throw new SimRejection(400, -1121, 'Invalid symbol.');
  return m.state(s);
}

function optionalInt(p: URLSearchParams, name: string): number | undefined {
  const raw = p.get(name);
  if (raw === null) return undefined;
  if (!/^\d{1,20}$/.test(raw)) throw missing(name);
  return Number(raw);
}

function limitParam(p: URLSearchParams, def: number, max: number): number {
  const n = optionalInt(p, 'limit');
  if (n === undefined) return def;
  if (n < 1 || n > max) throw invalid('limit');
  return n;
}

function timeRange(p: URLSearchParams): { startTime: number | undefined; endTime: number | undefined } {
  const startTime = optionalInt(p, 'startTime');
  const endTime = optionalInt(p, 'endTime');
  if (startTime !== undefined && endTime !== undefined && startTime > endTime) throw invalid('startTime');
  return { startTime, endTime };
}

/** Decimal string with `d` decimals (never exponent notation). */
export function dec(x: number, d: number): string {
  return x.toFixed(d);
}

export const priceStr = (st: SymbolState, x: number): string => dec(x, st.info.pricePrecision);
const markStr = (st: SymbolState, x: number): string => dec(x, Math.min(8, st.info.pricePrecision + 2));
const qtyStr = (st: SymbolState, x: number): string => dec(x, st.info.quantityPrecision);

/** Deterministic taker-buy share of a candle's volume (0.42–0.58). */
export function takerShare(st: SymbolState, t: number): number {
  return 0.42 + (hash32(st.idx, t / 60_000) % 1000) / 6250;
}

export function klineRow(st: SymbolState, c: Candle, intervalMs: number): (number | string)[] {
  const share = takerShare(st, c.t);
  return [
    c.t,
    priceStr(st, c.o),
    priceStr(st, c.h),
    priceStr(st, c.l),
    priceStr(st, c.c),
    qtyStr(st, c.v),
    c.t + intervalMs - 1,
    dec(c.q, 5),
    c.n,
    qtyStr(st, c.v * share),
    dec(c.q * share, 5),
    '0',
  ];
}

export function ticker24h(st: SymbolState, m: Market): Record<string, unknown> {
  const s = m.stats24h(st);
  const change = st.price - s.open;
  return {
    symbol: st.info.symbol,
    priceChange: priceStr(st, change),
    priceChangePercent: dec((change / s.open) * 100, 3),
    weightedAvgPrice: priceStr(st, s.volume > 0 ? s.quoteVolume / s.volume : st.price),
    lastPrice: priceStr(st, st.price),
    lastQty: qtyStr(st, Math.max(st.tradeSize / st.price, 10 ** -st.info.quantityPrecision)),
    openPrice: priceStr(st, s.open),
    highPrice: priceStr(st, s.high),
    lowPrice: priceStr(st, s.low),
    volume: qtyStr(st, s.volume),
    quoteVolume: dec(s.quoteVolume, 2),
    openTime: s.openTime,
    closeTime: m.now,
    firstId: st.tradeId - s.count + 1,
    lastId: st.tradeId,
    count: s.count,
  };
}

function premiumIndex(st: SymbolState, m: Market): Record<string, unknown> {
  const perpetual = st.info.contractType === 'PERPETUAL' || st.info.contractType === 'TRADIFI_PERPETUAL';
  return {
    symbol: st.info.symbol,
    markPrice: markStr(st, st.markPrice()),
    indexPrice: markStr(st, st.indexPrice()),
    estimatedSettlePrice: markStr(st, st.indexPrice()),
    lastFundingRate: perpetual ? dec(st.fundingRate, 8) : '',
    interestRate: perpetual ? '0.00010000' : '',
    nextFundingTime: perpetual ? st.nextFundingTime(m.now) : 0,
    time: m.now,
  };
}

const tickerPrice = (st: SymbolState, m: Market): Record<string, unknown> => ({
  symbol: st.info.symbol,
  price: priceStr(st, st.price),
  time: m.now,
});

/** Symbols that appear in the all-symbol list endpoints (not PENDING_TRADING / CLOSE). */
const listed = (m: Market): SymbolState[] => m.all().filter((s) => s.ticking);

function exchangeSymbol(st: SymbolState): Record<string, unknown> {
  const i = st.info;
  const tick = dec(10 ** -i.pricePrecision, i.pricePrecision);
  const step = dec(10 ** -i.quantityPrecision, i.quantityPrecision);
  return {
    symbol: i.symbol,
    pair: i.pair,
    contractType: i.contractType,
    deliveryDate: i.deliveryDate,
    onboardDate: i.onboardDate,
    status: i.status,
    maintMarginPercent: '2.5000',
    requiredMarginPercent: '5.0000',
    baseAsset: i.baseAsset,
    quoteAsset: i.quoteAsset,
    marginAsset: i.marginAsset,
    pricePrecision: i.pricePrecision,
    quantityPrecision: i.quantityPrecision,
    baseAssetPrecision: 8,
    quotePrecision: 8,
    underlyingType: i.underlyingType,
    underlyingSubType: [],
    settlePlan: 0,
    triggerProtect: '0.0500',
    liquidationFee: '0.012500',
    marketTakeBound: '0.05',
    maxMoveOrderLimit: 10000,
    filters: [
      { filterType: 'PRICE_FILTER', minPrice: tick, maxPrice: '1000000', tickSize: tick },
      { filterType: 'LOT_SIZE', minQty: step, maxQty: '10000000', stepSize: step },
      { filterType: 'MARKET_LOT_SIZE', minQty: step, maxQty: '1000000', stepSize: step },
      { filterType: 'MAX_NUM_ORDERS', limit: 200 },
      { filterType: 'MIN_NOTIONAL', notional: '5' },
      { filterType: 'PERCENT_PRICE', multiplierUp: '1.0500', multiplierDown: '0.9500', multiplierDecimal: '4' },
    ],
    orderTypes: ['LIMIT', 'MARKET', 'STOP', 'STOP_MARKET', 'TAKE_PROFIT', 'TAKE_PROFIT_MARKET', 'TRAILING_STOP_MARKET'],
    timeInForce: ['GTC', 'IOC', 'FOK', 'GTX', 'GTD'],
  };
}

export function klineWeight(limit: number): number {
  if (limit < 100) return 1;
  if (limit < 500) return 2;
  if (limit <= 1000) return 5;
  return 10;
}

function bySymbolWeight(withSymbol: number, without: number) {
  return (p: URLSearchParams): number => (p.get('symbol') ? withSymbol : without);
}

function exchangeInfo(weightLimitPerMin: number): Endpoint {
  return {
    weight: () => 1,
    handle: (_p, m) => ({
      timezone: 'UTC',
      serverTime: m.now,
      futuresType: 'U_MARGINED',
      rateLimits: [
        { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: weightLimitPerMin },
        { rateLimitType: 'ORDERS', interval: 'MINUTE', intervalNum: 1, limit: 1200 },
        { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 300 },
      ],
      exchangeFilters: [],
      assets: [
        { asset: 'USDT', marginAvailable: true, autoAssetExchange: '-10000' },
        { asset: 'USDC', marginAvailable: true, autoAssetExchange: '-10000' },
        { asset: 'BUSD', marginAvailable: true, autoAssetExchange: '-10000' },
      ],
      symbols: m.all().map(exchangeSymbol),
    }),
  };
}

/** An endpoint with an optional `symbol`: one object with it, every listed symbol without. */
function perSymbol(withSymbol: number, without: number, one: (st: SymbolState, m: Market) => unknown): Endpoint {
  return {
    weight: bySymbolWeight(withSymbol, without),
    handle: (p, m) => {
      const s = p.get('symbol');
      return s ? one(symbolState(s, m), m) : listed(m).map((st) => one(st, m));
    },
  };
}

const klines: Endpoint = {
  weight: (p) => {
    const raw = p.get('limit');
    const n = raw && /^\d+$/.test(raw) ? Number(raw) : 500;
    return klineWeight(n);
  },
  handle: (p, m) => {
    const st = requiredSymbol(p, m);
    const interval = p.get('interval');
    if (!interval) throw missing('interval');
    const ms = INTERVAL_MS[interval];
    if (ms === undefined) throw new SimRejection(400, -1120, 'Invalid interval.');
    const limit = limitParam(p, 500, 1500);
    const range = timeRange(p);
    return m.klines(st.info.symbol, ms, { ...range, limit }).map((c) => klineRow(st, c, ms));
  },
};

const openInterestHist: Endpoint = {
  weight: () => 0,
  dataLimit: true,
  handle: (p, m) => {
    const st = requiredSymbol(p, m);
    const period = p.get('period');
    if (!period) throw missing('period');
    const periodMs = OI_PERIOD_MS[period];
    if (periodMs === undefined) throw invalid('period');
    const limit = limitParam(p, 30, 500);
    const range = timeRange(p);
    const supply = dec(1e8 + (hash32(m.seed, st.idx) % 9e9), 8);
    return m.oiHistory(st.info.symbol, periodMs, { ...range, limit }).map((x) => ({
      symbol: st.info.symbol,
      sumOpenInterest: dec(x.oi, 8),
      sumOpenInterestValue: dec(x.oi * x.price, 8),
      CMCCirculatingSupply: supply,
      timestamp: x.t,
    }));
  },
};

export function createEndpoints(weightLimitPerMin: number): Record<string, Endpoint> {
  const price = perSymbol(1, 2, tickerPrice);
  return {
    '/fapi/v1/ping': { weight: () => 1, handle: () => ({}) },
    '/fapi/v1/time': { weight: () => 1, handle: (_p, m) => ({ serverTime: m.now }) },
    '/fapi/v1/exchangeInfo': exchangeInfo(weightLimitPerMin),
    '/fapi/v1/ticker/24hr': perSymbol(1, 40, ticker24h),
    '/fapi/v1/klines': klines,
    '/fapi/v1/openInterest': {
      weight: () => 1,
      handle: (p, m) => {
        const st = requiredSymbol(p, m);
        return { openInterest: dec(st.oi, 3), symbol: st.info.symbol, time: m.now };
      },
    },
    '/fapi/v1/premiumIndex': perSymbol(1, 10, premiumIndex),
    '/fapi/v1/ticker/price': price,
    '/fapi/v2/ticker/price': price,
    '/futures/data/openInterestHist': openInterestHist,
  };
}
