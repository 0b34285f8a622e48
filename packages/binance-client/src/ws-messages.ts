// Typed WebSocket market-stream payloads (docs/binance.md §3). Decimal strings become numbers here.
import { z } from 'zod';
import { decimal, epochMs, optionalDecimal, optionalEpochMs } from './decimal.js';
import type { Kline } from './schemas.js';

export interface MarkPriceUpdate {
  symbol: string;
  markPrice: number;
  indexPrice: number | null;
  fundingRate: number | null;
  nextFundingTime: number | null;
  eventTime: number;
}
export interface TickerUpdate {
  symbol: string;
  lastPrice: number;
  quoteVolume: number;
  volume: number;
  eventTime: number;
}
export interface KlineUpdate {
  symbol: string;
  interval: string;
  kline: Kline;
  closed: boolean;
  eventTime: number;
}

/** `st`: 1 = USDⓈ-M, 2 = COIN-M (merged into the array streams since 2026-06-30); absent on older payloads. */
const st = z.number().int().optional();

const markPriceItem = z.object({
  e: z.literal('markPriceUpdate'),
  E: epochMs,
  s: z.string().min(1),
  p: decimal,
  i: optionalDecimal,
  r: optionalDecimal,
  T: optionalEpochMs,
  st,
});
const tickerItem = z.object({
  e: z.literal('24hrTicker'),
  E: epochMs,
  s: z.string().min(1),
  c: decimal,
  v: decimal,
  q: decimal,
  st,
});
const klineEvent = z.object({
  e: z.literal('kline'),
  E: epochMs,
  s: z.string().min(1),
  k: z.object({
    t: epochMs,
    T: epochMs,
    i: z.string(),
    o: decimal,
    c: decimal,
    h: decimal,
    l: decimal,
    v: decimal,
    n: z.number().int().nonnegative(),
    x: z.boolean(),
    q: decimal,
  }),
});

export type ParsedFrame =
  | { kind: 'markPrice'; items: MarkPriceUpdate[]; invalid: number; coinM: number }
  | { kind: 'ticker'; items: TickerUpdate[]; invalid: number; coinM: number }
  | { kind: 'kline'; item: KlineUpdate }
  | { kind: 'invalid'; reason: string }
  | { kind: 'other'; stream: string; data: unknown };

function parseItems<S extends z.ZodType<{ st?: number | undefined }>, T>(
  data: unknown,
  schema: S,
  map: (v: z.infer<S>) => T,
): { items: T[]; invalid: number; coinM: number } {
  const list = Array.isArray(data) ? data : [data];
  const items: T[] = [];
  let invalid = 0;
  let coinM = 0;
  for (const raw of list) {
    const r = schema.safeParse(raw);
    if (!r.success) invalid++;
    else if (r.data.st === 2) coinM++;
    else items.push(map(r.data));
  }
  return { items, invalid, coinM };
}

/** Classifies one combined-stream frame `{stream, data}` by its stream name. */
export function parseStreamFrame(stream: string, data: unknown): ParsedFrame {
  const name = stream.toLowerCase();
  if (name.startsWith('!markprice@arr') || /^[^!]+@markprice(@1s)?$/.test(name)) {
    const r = parseItems(data, markPriceItem, (m) => ({
      symbol: m.s,
      markPrice: m.p,
      indexPrice: m.i,
      fundingRate: m.r,
      nextFundingTime: m.T,
      eventTime: m.E,
    }));
    return { kind: 'markPrice', ...r };
  }
  if (name === '!ticker@arr' || /^[^!]+@ticker$/.test(name)) {
    const r = parseItems(data, tickerItem, (t) => ({
      symbol: t.s,
      lastPrice: t.c,
      quoteVolume: t.q,
      volume: t.v,
      eventTime: t.E,
    }));
    return { kind: 'ticker', ...r };
  }
  if (/@kline_/.test(name)) {
    const r = klineEvent.safeParse(data);
    if (!r.success) return { kind: 'invalid', reason: `kline: ${r.error.issues[0]?.message ?? 'invalid'}` };
    const k = r.data.k;
    return {
      kind: 'kline',
      item: {
        symbol: r.data.s,
        interval: k.i,
        closed: k.x,
        eventTime: r.data.E,
        kline: {
          openTime: k.t,
          open: k.o,
          high: k.h,
          low: k.l,
          close: k.c,
          volume: k.v,
          closeTime: k.T,
          quoteVolume: k.q,
          trades: k.n,
        },
      },
    };
  }
  return { kind: 'other', stream, data };
}
