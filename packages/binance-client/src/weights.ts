// Request weights per endpoint (docs/binance.md §1). One table so the README, the client and the budget agree.

export const ENDPOINT_WEIGHTS = {
  exchangeInfo: 1,
  ticker24hrSymbol: 1,
  ticker24hrAll: 40,
  openInterest: 1,
  premiumIndexSymbol: 1,
  premiumIndexAll: 10,
  tickerPriceSymbol: 1,
  tickerPriceAll: 2,
  /** weight 0, but its own limit of 1000 requests / 5 min / IP */
  openInterestHist: 0,
} as const;

/** Kline weight by `limit`: [1,100)→1, [100,500)→2, [500,1000]→5, >1000→10; omitted = 500 → 5. */
export function klinesWeight(limit: number | undefined): number {
  const l = limit ?? 500;
  if (l < 100) return 1;
  if (l < 500) return 2;
  if (l <= 1000) return 5;
  return 10;
}
