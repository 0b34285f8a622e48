// Test helpers: a silent logger and a tiny Binance-like server on port 0 with a configurable weight
// window (so pacing tests run in seconds) and scripted faults.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '@volspike/runtime';

export function silentLogger(): Logger {
  const l: Record<string, unknown> = {};
  for (const m of ['trace', 'debug', 'info', 'warn', 'error', 'fatal']) l[m] = () => undefined;
  l.child = () => l;
  l.level = 'silent';
  return l as unknown as Logger;
}

export type Fault =
  { status: number; headers?: Record<string, string>; body?: string } | { drop: true } | { delayMs: number };

export interface FakeBinance {
  url: string;
  /** requests that reached the server, by path */
  hits: Map<string, number>;
  total(): number;
  rejected429: number;
  maxWindowWeight: number;
  faults: Map<string, Fault[]>;
  /** replace the body for a path (status 200) */
  bodies: Map<string, string>;
  /** add weight used by "someone else on this IP" to the current window */
  preload(weight: number): void;
  close(): Promise<void>;
}

const WEIGHTS: Record<string, (q: URLSearchParams) => number> = {
  '/fapi/v1/exchangeInfo': () => 1,
  '/fapi/v1/ticker/24hr': (q) => (q.has('symbol') ? 1 : 40),
  '/fapi/v1/openInterest': () => 1,
  '/fapi/v1/premiumIndex': (q) => (q.has('symbol') ? 1 : 10),
  '/fapi/v2/ticker/price': (q) => (q.has('symbol') ? 1 : 2),
  '/fapi/v1/klines': (q) => {
    const l = Number(q.get('limit') ?? 500);
    return l < 100 ? 1 : l < 500 ? 2 : l <= 1000 ? 5 : 10;
  },
  '/futures/data/openInterestHist': () => 0,
};

export const SYMBOLS = ['BTCUSDT', 'ETHUSDT', 'FOOUSDT'];

function bodyFor(path: string, q: URLSearchParams): unknown {
  const now = Date.now();
  const symbol = q.get('symbol');
  const ticker = (s: string) => ({
    symbol: s,
    priceChangePercent: '2.450',
    lastPrice: '0.5150',
    volume: '98765432',
    quoteVolume: '50380012.55',
    openTime: now - 86_400_000,
    closeTime: now,
  });
  const premium = (s: string) => ({
    symbol: s,
    markPrice: '0.51493210',
    indexPrice: '0.51477302',
    estimatedSettlePrice: '0.5',
    lastFundingRate: '0.00010000',
    interestRate: '0.0001',
    nextFundingTime: now + 3_600_000,
    time: now,
  });
  switch (path) {
    case '/fapi/v1/exchangeInfo':
      return {
        timezone: 'UTC',
        serverTime: now,
        rateLimits: [{ rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 2400 }],
        symbols: [
          ...SYMBOLS.map((s) => ({
            symbol: s,
            pair: s,
            contractType: 'PERPETUAL',
            status: 'TRADING',
            baseAsset: s.replace('USDT', ''),
            quoteAsset: 'USDT',
            marginAsset: 'USDT',
            onboardDate: 1700000000000,
            filters: [],
          })),
          {
            symbol: 'BTCUSDT_261225',
            pair: 'BTCUSDT',
            contractType: 'CURRENT_QUARTER',
            status: 'TRADING',
            baseAsset: 'BTC',
            quoteAsset: 'USDT',
            marginAsset: 'USDT',
          },
          {
            symbol: 'XAUUSDT',
            pair: 'XAUUSDT',
            contractType: 'TRADIFI_PERPETUAL',
            status: 'TRADING',
            baseAsset: 'XAU',
            quoteAsset: 'USDT',
            marginAsset: 'USDT',
          },
          {
            symbol: 'BTCUSDC',
            pair: 'BTCUSDC',
            contractType: 'PERPETUAL',
            status: 'TRADING',
            baseAsset: 'BTC',
            quoteAsset: 'USDC',
            marginAsset: 'USDC',
          },
          {
            symbol: 'OLDUSDT',
            pair: 'OLDUSDT',
            contractType: 'PERPETUAL',
            status: 'SETTLING',
            baseAsset: 'OLD',
            quoteAsset: 'USDT',
            marginAsset: 'USDT',
          },
          {
            symbol: 'NEWUSDT',
            pair: 'NEWUSDT',
            contractType: 'SOMETHING_NEW',
            status: 'TRADING',
            baseAsset: 'NEW',
            quoteAsset: 'USDT',
            marginAsset: 'USDT',
          },
        ],
      };
    case '/fapi/v1/ticker/24hr':
      return symbol ? ticker(symbol) : SYMBOLS.map(ticker);
    case '/fapi/v1/openInterest':
      return { openInterest: '10659.509', symbol, time: now };
    case '/fapi/v1/premiumIndex':
      return symbol
        ? premium(symbol)
        : [...SYMBOLS.map(premium), { ...premium('BTCUSDT_261225'), lastFundingRate: '', nextFundingTime: 0 }];
    case '/fapi/v2/ticker/price':
      return symbol
        ? { symbol, price: '0.5150', time: now }
        : SYMBOLS.map((s) => ({ symbol: s, price: '1.5', time: now }));
    case '/fapi/v1/klines': {
      const limit = Number(q.get('limit') ?? 3);
      return Array.from({ length: Math.min(limit, 5) }, (_, i) => {
        const t = 1767222000000 + i * 3_600_000;
        return [
          t,
          '0.5100',
          '0.5180',
          '0.5090',
          '0.5150',
          '1834500',
          t + 3_599_999,
          '943822.17',
          8123,
          '901200',
          '463511.40',
          '0',
        ];
      });
    }
    case '/futures/data/openInterestHist':
      return [
        {
          symbol,
          sumOpenInterest: '10650.12300000',
          sumOpenInterestValue: '5484312.77200000',
          CMCCirculatingSupply: '1500000000',
          timestamp: 1767225300000,
        },
      ];
    default:
      return null;
  }
}

/** A Binance-like server: fixed weight windows of `windowMs`, 429 over `limit`, scripted faults per path. */
export async function startFakeBinance(
  opts: { limit?: number; windowMs?: number; usedWeightHeader?: boolean } = {},
): Promise<FakeBinance> {
  const limit = opts.limit ?? 2400;
  const windowMs = opts.windowMs ?? 60_000;
  let window = -1;
  let used = 0;
  const state: FakeBinance = {
    url: '',
    hits: new Map(),
    total: () => [...state.hits.values()].reduce((a, b) => a + b, 0),
    rejected429: 0,
    maxWindowWeight: 0,
    faults: new Map(),
    bodies: new Map(),
    preload: (weight: number) => {
      roll(Date.now());
      used += weight;
    },
    close: async () => undefined,
  };
  function roll(now: number): void {
    const k = Math.floor(now / windowMs);
    if (k !== window) {
      window = k;
      used = 0;
    }
  }
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const u = new URL(req.url ?? '/', 'http://x');
    state.hits.set(u.pathname, (state.hits.get(u.pathname) ?? 0) + 1);
    const fault = state.faults.get(u.pathname)?.shift();
    const weightFn = WEIGHTS[u.pathname];
    const w = weightFn ? weightFn(u.searchParams) : 1;
    const now = Date.now();
    roll(now);
    used += w;
    state.maxWindowWeight = Math.max(state.maxWindowWeight, used);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (opts.usedWeightHeader !== false) headers['x-mbx-used-weight-1m'] = String(used);
    const send = (status: number, body: string, extra: Record<string, string> = {}) => {
      res.writeHead(status, { ...headers, ...extra });
      res.end(body);
    };
    if (fault && 'drop' in fault) {
      req.socket.destroy();
      return;
    }
    if (fault && 'status' in fault) {
      send(fault.status, fault.body ?? JSON.stringify({ code: -1000, msg: 'fault' }), fault.headers);
      return;
    }
    if (used > limit) {
      state.rejected429++;
      send(
        429,
        JSON.stringify({
          code: -1003,
          msg: `Too much request weight used; current limit is ${limit} request weight per 1 MINUTE.`,
        }),
        { 'retry-after': String(Math.ceil((windowMs - (now % windowMs)) / 1000)) },
      );
      return;
    }
    if (!weightFn) {
      send(404, JSON.stringify({ code: -1, msg: 'not found' }));
      return;
    }
    const symbol = u.searchParams.get('symbol');
    if (symbol !== null && symbol.startsWith('BAD')) {
      send(400, JSON.stringify({ code: -1121, msg: 'Invalid symbol.' }));
      return;
    }
    const custom = state.bodies.get(u.pathname);
    const reply = () => send(200, custom ?? JSON.stringify(bodyFor(u.pathname, u.searchParams)));
    if (fault && 'delayMs' in fault) setTimeout(reply, fault.delayMs);
    else reply();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}
