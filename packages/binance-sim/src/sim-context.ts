// The mutable state shared by the REST, control and WS layers: the market, limiter, faults, hub, the
// request counters and the per-symbol request log, with stats() and reset().
import { FaultBook } from './faults.js';
import { Market } from './market.js';
import { RateLimiter } from './rate-limiter.js';
import type { SimOptions, SimStats } from './server.js';
import { WsHub } from './ws-hub.js';

/** Timestamps kept per (path, symbol) by the request log. */
export const REQUEST_LOG_MAX = 2000;

/** Request counters since the start or the last reset. */
export interface SimCounters {
  requests: Record<string, number>;
  requestsByClient: Record<string, number>;
  weightByPath: Record<string, number>;
  rejected429: number;
  banned418: number;
}

/** Mutable state shared by the REST, control and WS layers. */
export interface SimContext {
  market: Market;
  readonly opts: Required<SimOptions>;
  readonly limiter: RateLimiter;
  readonly faults: FaultBook;
  readonly hub: WsHub;
  readonly counters: SimCounters;
  stats(): SimStats;
  requestLog(path: string): Record<string, number[]>;
  logRequest(path: string, symbol: string, at: number): void;
  reset(): void;
}

const zeroCounters = (): SimCounters => ({
  requests: {},
  requestsByClient: {},
  weightByPath: {},
  rejected429: 0,
  banned418: 0,
});

function newMarket(opts: Required<SimOptions>): Market {
  return new Market({
    seed: opts.seed,
    symbols: opts.symbols,
    lively: opts.lively,
    historyHours: opts.historyHours,
    now: opts.clock(),
  });
}

function newHub(opts: Required<SimOptions>, market: () => Market): WsHub {
  return new WsHub(
    {
      pingIntervalMs: opts.wsPingIntervalMs,
      maxLifetimeMs: opts.wsMaxLifetimeMs,
      markPriceIntervalMs: opts.markPriceIntervalMs,
      markPrice1sIntervalMs: opts.markPrice1sIntervalMs,
      tickerIntervalMs: opts.tickerIntervalMs,
      maxIncomingPerSec: opts.wsMaxIncomingPerSec,
      maxStreamsPerConnection: 1024,
    },
    market,
  );
}

function statsOf(ctx: SimContext): SimStats {
  const now = ctx.opts.clock();
  const c = ctx.counters;
  const byClient: Record<string, number> = {};
  for (const ip of Object.keys(c.requestsByClient)) byClient[ip] = ctx.limiter.used(ip, now);
  return {
    weightUsed1m: ctx.limiter.usedAll(now),
    requests: { ...c.requests },
    rejected429: c.rejected429,
    banned418: c.banned418,
    wsConnections: ctx.hub.connections(),
    symbols: ctx.market.all().filter((s) => s.info.usdtPerpetual).length,
    requestsByClient: { ...c.requestsByClient },
    weightByPath: { ...c.weightByPath },
    weightUsed1mByClient: byClient,
    faultsServed: ctx.faults.served,
    faultsPending: ctx.faults.pending(),
    wsMessagesSent: ctx.hub.messagesSent,
    wsRateDisconnects: ctx.hub.rateDisconnects,
    wsLifetimeDisconnects: ctx.hub.lifetimeDisconnects,
    wsSilenced: ctx.hub.silenced(Date.now()),
  };
}

export function createContext(opts: Required<SimOptions>): SimContext {
  let log = new Map<string, Map<string, number[]>>();
  const ctx: SimContext = {
    market: newMarket(opts),
    opts,
    limiter: new RateLimiter({
      weightLimitPerMin: opts.weightLimitPerMin,
      banMs: opts.banMs,
      strikesBeforeBan: opts.strikesBeforeBan,
      dataLimitPer5m: opts.dataLimitPer5m,
    }),
    faults: new FaultBook(),
    hub: newHub(opts, () => ctx.market),
    counters: zeroCounters(),
    stats: () => statsOf(ctx),
    logRequest: (path, symbol, at) => {
      let bySymbol = log.get(path);
      if (!bySymbol) log.set(path, (bySymbol = new Map()));
      let times = bySymbol.get(symbol);
      if (!times) bySymbol.set(symbol, (times = []));
      times.push(at);
      if (times.length > REQUEST_LOG_MAX) times.splice(0, times.length - REQUEST_LOG_MAX);
    },
    requestLog: (path) => {
      const out: Record<string, number[]> = {};
      for (const [symbol, times] of log.get(path) ?? []) out[symbol] = [...times];
      return out;
    },
    reset: () => {
      log = new Map();
      ctx.market = newMarket(opts);
      ctx.limiter.reset();
      ctx.faults.clear();
      ctx.hub.reset();
      Object.assign(ctx.counters, zeroCounters());
    },
  };
  return ctx;
}
