// The seeded symbol list: N USDT perpetuals with a realistic 24h quote-volume spread, plus a fixed set
// of symbols a correct client must filter out (other quote assets, dated/TradFi contracts, non-TRADING).
import { Rng, hash32 } from './rng.js';

export type ContractType = 'PERPETUAL' | 'CURRENT_QUARTER' | 'NEXT_QUARTER' | 'TRADIFI_PERPETUAL';
export type SymbolStatus = 'TRADING' | 'SETTLING' | 'PENDING_TRADING' | 'CLOSE';

export interface SimSymbol {
  symbol: string;
  pair: string;
  baseAsset: string;
  quoteAsset: string;
  marginAsset: string;
  contractType: ContractType;
  status: SymbolStatus;
  onboardDate: number;
  deliveryDate: number;
  pricePrecision: number;
  quantityPrecision: number;
  underlyingType: 'COIN' | 'EQUITY' | 'COMMODITY';
  /** true for the USDT-margined crypto perpetuals in TRADING that a client should keep */
  usdtPerpetual: boolean;
}

/** A symbol plus the seeded parameters its random walk starts from. */
export interface SymbolSeed {
  info: SimSymbol;
  /** expected 24h quote volume (USDT) */
  dailyQuote: number;
  price: number;
  /** daily log-return volatility */
  dailyVol: number;
  /** open interest in USDT at the start */
  oiUsd: number;
  fundingRate: number;
}

export const PERPETUAL_DELIVERY_DATE = 4133404800000;

const KNOWN: [string, number][] = [
  ['BTC', 95000],
  ['ETH', 3500],
  ['SOL', 180],
  ['XRP', 2.3],
  ['DOGE', 0.32],
  ['BNB', 650],
  ['SUI', 3.9],
  ['ADA', 0.9],
  ['LINK', 19],
  ['AVAX', 32],
  ['LTC', 95],
  ['1000PEPE', 0.012],
  ['TRX', 0.24],
  ['DOT', 6.1],
  ['WIF', 1.6],
  ['NEAR', 4.8],
  ['ARB', 0.62],
  ['OP', 1.7],
  ['APT', 8.3],
  ['FIL', 4.9],
  ['ENA', 0.85],
  ['TIA', 4.2],
  ['INJ', 20],
  ['SEI', 0.36],
  ['AAVE', 290],
  ['UNI', 12],
  ['ATOM', 5.9],
  ['ETC', 24],
  ['BCH', 420],
  ['HBAR', 0.27],
  ['1000SHIB', 0.018],
  ['FET', 1.1],
  ['RENDER', 6.5],
  ['ORDI', 22],
  ['JUP', 0.9],
  ['WLD', 2.1],
  ['ONDO', 1.2],
  ['TAO', 420],
  ['PENDLE', 4.1],
  ['STX', 1.6],
  ['IMX', 1.3],
  ['GALA', 0.035],
  ['SAND', 0.52],
  ['MANA', 0.45],
  ['CRV', 0.78],
  ['LDO', 1.6],
  ['RUNE', 4.3],
  ['ALGO', 0.34],
  ['XLM', 0.41],
  ['VET', 0.045],
  ['ICP', 9.8],
  ['EGLD', 30],
  ['THETA', 1.8],
  ['FTM', 0.7],
];
const SYLLABLES = [
  'ZA',
  'KO',
  'RI',
  'MU',
  'XE',
  'PLO',
  'VAN',
  'TRI',
  'QU',
  'NOR',
  'LUX',
  'DRA',
  'BIT',
  'MO',
  'SYN',
  'PHA',
  'GRI',
  'OM',
  'TEK',
  'ZYN',
  'FLU',
  'KRA',
  'NEO',
  'VOR',
  'AX',
  'EL',
  'IX',
  'ULT',
  'HY',
  'GO',
];

/** Distinctive volumes for the top names so "a few above 1B" always holds. */
const TOP_VOLUMES = [14e9, 6.5e9, 2.4e9, 1.4e9, 1.1e9];

function pricePrecision(price: number): number {
  const mag = Math.floor(Math.log10(price));
  return Math.max(1, Math.min(7, 4 - mag));
}

function quantityPrecision(price: number): number {
  if (price >= 1000) return 3;
  if (price >= 10) return 2;
  if (price >= 1) return 1;
  return 0;
}

function makeInfo(base: string, quote: string, price: number, rng: Rng, over: Partial<SimSymbol> = {}): SimSymbol {
  const symbol = over.symbol ?? `${base}${quote}`;
  const info: SimSymbol = {
    symbol,
    pair: `${base}${quote}`,
    baseAsset: base,
    quoteAsset: quote,
    marginAsset: quote,
    contractType: 'PERPETUAL',
    status: 'TRADING',
    onboardDate: 1569398400000 + Math.floor(rng.next() * 1.9e11),
    deliveryDate: PERPETUAL_DELIVERY_DATE,
    pricePrecision: pricePrecision(price),
    quantityPrecision: quantityPrecision(price),
    underlyingType: 'COIN',
    usdtPerpetual: false,
    ...over,
  };
  info.usdtPerpetual =
    info.contractType === 'PERPETUAL' &&
    info.status === 'TRADING' &&
    info.quoteAsset === 'USDT' &&
    info.marginAsset === 'USDT';
  return info;
}

function generatedName(rng: Rng, taken: Set<string>): string {
  for (;;) {
    const parts = 1 + rng.int(2) + (rng.next() < 0.3 ? 1 : 0);
    let name = '';
    for (let i = 0; i < parts; i++) name += SYLLABLES[rng.int(SYLLABLES.length)];
    if (rng.next() < 0.04) name = `1000${name}`;
    if (name.length >= 2 && !taken.has(name)) {
      taken.add(name);
      return name;
    }
  }
}

/**
 * Builds the universe for a seed. The first `count` entries are the USDT perpetuals, sorted by
 * expected 24h quote volume, descending; the symbols to be filtered out follow.
 */
export function buildUniverse(seed: number, count: number): SymbolSeed[] {
  const rng = new Rng(hash32(seed, 1));
  // log10(volume) ~ N(7.0, 0.85): median 10M, ~2/3 above 4M, ~12 % below 1M (the long tail)
  const logVols: number[] = [];
  for (let i = 0; i < count; i++) logVols.push(7.0 + 0.85 * rng.normal());
  logVols.sort((a, b) => b - a);
  const taken = new Set(KNOWN.map(([b]) => b));
  const out: SymbolSeed[] = [];
  for (let i = 0; i < count; i++) {
    const known = KNOWN[i];
    const base = known ? known[0] : generatedName(rng, taken);
    const price = known ? known[1] : Math.pow(10, rng.range(-4, 2.7));
    const daily = TOP_VOLUMES[i] ?? Math.min(Math.pow(10, logVols[i] ?? 7), 9.5e8);
    const dailyVol = i < 5 ? rng.range(0.02, 0.035) : rng.range(0.035, 0.09);
    out.push({
      info: makeInfo(base, 'USDT', price, rng),
      dailyQuote: daily,
      price,
      dailyVol,
      oiUsd: daily * rng.range(0.15, 0.8),
      fundingRate: 0.0001 + rng.normal() * 0.00005,
    });
  }
  // Symbols a client must filter out — with volumes high enough that a missing filter shows up
  // in the liquid universe.
  const extra: [string, string, number, number, Partial<SimSymbol>][] = [
    ['BTC', 'USDC', 95000, 9e8, {}],
    ['ETH', 'USDC', 3500, 4e8, {}],
    ['SOL', 'USDC', 180, 6e7, {}],
    ['BTC', 'BUSD', 95000, 5e7, { status: 'SETTLING' }],
    ['ETH', 'BUSD', 3500, 3e7, { status: 'SETTLING' }],
    [
      'BTC',
      'USDT',
      95500,
      3e8,
      { symbol: 'BTCUSDT_261225', contractType: 'CURRENT_QUARTER', deliveryDate: 1766649600000 },
    ],
    [
      'ETH',
      'USDT',
      3510,
      1e8,
      { symbol: 'ETHUSDT_261225', contractType: 'CURRENT_QUARTER', deliveryDate: 1766649600000 },
    ],
    [
      'BTC',
      'USDT',
      96500,
      5e7,
      { symbol: 'BTCUSDT_270326', contractType: 'NEXT_QUARTER', deliveryDate: 1774512000000 },
    ],
    ['XAU', 'USDT', 2650, 2e8, { contractType: 'TRADIFI_PERPETUAL', underlyingType: 'COMMODITY' }],
    ['TSLA', 'USDT', 340, 8e7, { contractType: 'TRADIFI_PERPETUAL', underlyingType: 'EQUITY' }],
    ['OLDCOIN', 'USDT', 0.5, 5e7, { status: 'SETTLING' }],
    ['NEWCOIN', 'USDT', 1.0, 0, { status: 'PENDING_TRADING' }],
    ['GONE', 'USDT', 0.1, 0, { status: 'CLOSE' }],
  ];
  for (const [base, quote, price, daily, over] of extra) {
    out.push({
      info: makeInfo(base, quote, price, rng, over),
      dailyQuote: daily,
      price,
      dailyVol: 0.04,
      oiUsd: Math.max(daily, 1e6) * 0.3,
      fundingRate: 0.0001,
    });
  }
  return out;
}
