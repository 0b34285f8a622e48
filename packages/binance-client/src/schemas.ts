// zod schemas for every REST response we use; the inferred output types are the public types.
import { z } from 'zod';
import { decimal, epochMs, optionalDecimal, optionalEpochMs } from './decimal.js';

export const KLINE_INTERVALS = [
  '1m',
  '3m',
  '5m',
  '15m',
  '30m',
  '1h',
  '2h',
  '4h',
  '6h',
  '8h',
  '12h',
  '1d',
  '3d',
  '1w',
  '1M',
] as const;
export type KlineInterval = (typeof KLINE_INTERVALS)[number];

export const OI_HIST_PERIODS = ['5m', '15m', '30m', '1h', '2h', '4h', '6h', '12h', '1d'] as const;
export type OpenInterestHistPeriod = (typeof OI_HIST_PERIODS)[number];

/** Enum-like fields are open strings: unknown values (e.g. a new contractType) are tolerated, not fatal. */
export const exchangeSymbolSchema = z.looseObject({
  symbol: z.string().min(1),
  pair: z.string(),
  contractType: z.string(),
  status: z.string(),
  baseAsset: z.string(),
  quoteAsset: z.string(),
  marginAsset: z.string(),
  onboardDate: epochMs.optional(),
  deliveryDate: epochMs.optional(),
  pricePrecision: z.number().int().optional(),
  quantityPrecision: z.number().int().optional(),
  underlyingType: z.string().optional(),
  filters: z.array(z.unknown()).optional(),
});
export type ExchangeSymbol = z.infer<typeof exchangeSymbolSchema>;

export const exchangeInfoSchema = z.looseObject({
  timezone: z.string(),
  serverTime: epochMs,
  rateLimits: z.array(
    z.looseObject({ rateLimitType: z.string(), interval: z.string(), intervalNum: z.number(), limit: z.number() }),
  ),
  symbols: z.array(exchangeSymbolSchema),
});
export type ExchangeInfo = z.infer<typeof exchangeInfoSchema>;

export const ticker24hSchema = z
  .object({
    symbol: z.string().min(1),
    lastPrice: decimal,
    quoteVolume: decimal,
    volume: decimal,
    priceChangePercent: decimal,
    openTime: epochMs,
    closeTime: epochMs,
  })
  .transform((t) => ({
    symbol: t.symbol,
    lastPrice: t.lastPrice,
    quoteVolume: t.quoteVolume,
    volume: t.volume,
    priceChangePercent: t.priceChangePercent,
    openTime: t.openTime,
    closeTime: t.closeTime,
  }));
export type Ticker24h = z.infer<typeof ticker24hSchema>;

/** A kline is a 12-element array: [openTime, o, h, l, c, volume, closeTime, quoteVolume, trades, …]. */
export const klineSchema = z
  .tuple([epochMs, decimal, decimal, decimal, decimal, decimal, epochMs, decimal, z.number().int().nonnegative()])
  .rest(z.unknown())
  .transform((k) => ({
    openTime: k[0],
    open: k[1],
    high: k[2],
    low: k[3],
    close: k[4],
    volume: k[5],
    closeTime: k[6],
    quoteVolume: k[7],
    trades: k[8],
  }));
export type Kline = z.infer<typeof klineSchema>;

export const openInterestSchema = z
  .object({ symbol: z.string().min(1), openInterest: decimal, time: epochMs })
  .transform((o) => ({ symbol: o.symbol, openInterest: o.openInterest, time: o.time }));
export type OpenInterest = z.infer<typeof openInterestSchema>;

export const premiumIndexSchema = z
  .object({
    symbol: z.string().min(1),
    markPrice: decimal,
    indexPrice: decimal,
    lastFundingRate: optionalDecimal,
    nextFundingTime: optionalEpochMs,
    time: epochMs,
  })
  .transform((p) => ({
    symbol: p.symbol,
    markPrice: p.markPrice,
    indexPrice: p.indexPrice,
    lastFundingRate: p.lastFundingRate,
    nextFundingTime: p.nextFundingTime,
    time: p.time,
  }));
export type PremiumIndex = z.infer<typeof premiumIndexSchema>;

export const tickerPriceSchema = z
  .object({ symbol: z.string().min(1), price: decimal, time: epochMs })
  .transform((t) => ({ symbol: t.symbol, price: t.price, time: t.time }));
export type TickerPrice = z.infer<typeof tickerPriceSchema>;

export const openInterestHistPointSchema = z
  .object({
    symbol: z.string().min(1),
    sumOpenInterest: decimal,
    sumOpenInterestValue: decimal,
    CMCCirculatingSupply: optionalDecimal,
    timestamp: epochMs,
  })
  .transform((p) => ({
    symbol: p.symbol,
    sumOpenInterest: p.sumOpenInterest,
    sumOpenInterestValue: p.sumOpenInterestValue,
    cmcCirculatingSupply: p.CMCCirculatingSupply,
    timestamp: p.timestamp,
  }));
export type OpenInterestHistPoint = z.infer<typeof openInterestHistPointSchema>;

/** Binance error body: `{"code": -1121, "msg": "Invalid symbol."}`. */
export const binanceErrorBodySchema = z.object({ code: z.number().int(), msg: z.string() });
