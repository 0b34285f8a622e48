// startSim: one node:http server carrying the REST endpoints, the /__sim control API and the
// WebSocket streams, plus the tick timer that advances the market (a setTimeout chain).
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleControl } from './control.js';
import { FaultBook, HTML_ERROR_PAGE, stripFields } from './faults.js';
import { Market } from './market.js';
import { RateLimiter } from './rate-limiter.js';
import { SimRejection, createEndpoints } from './rest.js';
import { WsHub } from './ws-hub.js';

export interface SimOptions {
  port?: number;
  host?: string;
  symbols?: number;
  seed?: number;
  weightLimitPerMin?: number;
  banMs?: number;
  /** requests answered 429 within one minute before the client is banned (418) */
  strikesBeforeBan?: number;
  wsPingIntervalMs?: number;
  wsMaxLifetimeMs?: number;
  markPriceIntervalMs?: number;
  /** period of the @1s mark-price streams (default 1000) */
  markPrice1sIntervalMs?: number;
  tickerIntervalMs?: number;
  tickMs?: number;
  lively?: boolean;
  /** /futures/data/* requests per 5 minutes per IP (default 1000) */
  dataLimitPer5m?: number;
  /** hours of 1h history before the start (default 336 = 14 days) */
  historyHours?: number;
  /** WS incoming messages per second before a disconnect (default 10) */
  wsMaxIncomingPerSec?: number;
  /** the market's and the weight windows' clock (default Date.now); tests pass a faster one to see
   *  candles close. WS pings, lifetime, silence and the incoming-message rate use real time. */
  clock?: () => number;
}

export interface SimStats {
  weightUsed1m: number;
  requests: Record<string, number>;
  rejected429: number;
  banned418: number;
  wsConnections: number;
  symbols: number;
  requestsByClient: Record<string, number>;
  weightByPath: Record<string, number>;
  weightUsed1mByClient: Record<string, number>;
  faultsServed: number;
  faultsPending: { path: string; status: number | null; body: string | null; count: number }[];
  wsMessagesSent: number;
  wsRateDisconnects: number;
  wsLifetimeDisconnects: number;
  wsSilenced: boolean;
}

export interface Sim {
  url: string;
  wsUrl: string;
  port: number;
  readonly market: Market;
  stats(): SimStats;
  /** epoch-ms (sim clock) of successful (200, unfaulted) requests to `path` per `symbol` parameter, oldest
   *  first, at most the last REQUEST_LOG_MAX per symbol; also `GET /__sim/requests?path=`. */
  requestLog(path: string): Record<string, number[]>;
  reset(): void;
  close(): Promise<void>;
}

/** Timestamps kept per (path, symbol) by the request log. */
export const REQUEST_LOG_MAX = 2000;

/** Mutable state shared by the REST, control and WS layers. */
export interface SimContext {
  market: Market;
  readonly opts: Required<SimOptions>;
  readonly limiter: RateLimiter;
  readonly faults: FaultBook;
  readonly hub: WsHub;
  stats(): SimStats;
  requestLog(path: string): Record<string, number[]>;
  reset(): void;
}

const DEFAULTS: Required<SimOptions> = {
  port: 0,
  host: '127.0.0.1',
  symbols: 550,
  seed: 42,
  weightLimitPerMin: 2400,
  banMs: 120_000,
  strikesBeforeBan: 5,
  wsPingIntervalMs: 180_000,
  wsMaxLifetimeMs: 24 * 3_600_000,
  markPriceIntervalMs: 3000,
  markPrice1sIntervalMs: 1000,
  tickerIntervalMs: 1000,
  tickMs: 1000,
  lively: false,
  dataLimitPer5m: 1000,
  historyHours: 14 * 24,
  wsMaxIncomingPerSec: 10,
  clock: Date.now,
};

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string | number> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export async function startSim(options: SimOptions = {}): Promise<Sim> {
  const opts: Required<SimOptions> = { ...DEFAULTS };
  for (const [k, v] of Object.entries(options)) if (v !== undefined) (opts as Record<string, unknown>)[k] = v;
  const clock = opts.clock;
  const newMarket = (): Market =>
    new Market({
      seed: opts.seed,
      symbols: opts.symbols,
      lively: opts.lively,
      historyHours: opts.historyHours,
      now: clock(),
    });
  const endpoints = createEndpoints(opts.weightLimitPerMin);
  const limiter = new RateLimiter({
    weightLimitPerMin: opts.weightLimitPerMin,
    banMs: opts.banMs,
    strikesBeforeBan: opts.strikesBeforeBan,
    dataLimitPer5m: opts.dataLimitPer5m,
  });
  const faults = new FaultBook();
  let requests: Record<string, number> = {};
  let requestsByClient: Record<string, number> = {};
  let weightByPath: Record<string, number> = {};
  let rejected429 = 0;
  let banned418 = 0;
  let requestLog = new Map<string, Map<string, number[]>>();
  const logRequest = (path: string, symbol: string, at: number): void => {
    let bySymbol = requestLog.get(path);
    if (!bySymbol) requestLog.set(path, (bySymbol = new Map()));
    let times = bySymbol.get(symbol);
    if (!times) bySymbol.set(symbol, (times = []));
    times.push(at);
    if (times.length > REQUEST_LOG_MAX) times.splice(0, times.length - REQUEST_LOG_MAX);
  };

  const ctx: SimContext = {
    market: newMarket(),
    opts,
    limiter,
    faults,
    hub: new WsHub(
      {
        pingIntervalMs: opts.wsPingIntervalMs,
        maxLifetimeMs: opts.wsMaxLifetimeMs,
        markPriceIntervalMs: opts.markPriceIntervalMs,
        markPrice1sIntervalMs: opts.markPrice1sIntervalMs,
        tickerIntervalMs: opts.tickerIntervalMs,
        maxIncomingPerSec: opts.wsMaxIncomingPerSec,
        maxStreamsPerConnection: 1024,
      },
      () => ctx.market,
    ),
    stats: () => {
      const now = clock();
      const byClient: Record<string, number> = {};
      for (const ip of Object.keys(requestsByClient)) byClient[ip] = limiter.used(ip, now);
      return {
        weightUsed1m: limiter.usedAll(now),
        requests: { ...requests },
        rejected429,
        banned418,
        wsConnections: ctx.hub.connections(),
        symbols: ctx.market.all().filter((s) => s.info.usdtPerpetual).length,
        requestsByClient: { ...requestsByClient },
        weightByPath: { ...weightByPath },
        weightUsed1mByClient: byClient,
        faultsServed: faults.served,
        faultsPending: faults.pending(),
        wsMessagesSent: ctx.hub.messagesSent,
        wsRateDisconnects: ctx.hub.rateDisconnects,
        wsLifetimeDisconnects: ctx.hub.lifetimeDisconnects,
        wsSilenced: ctx.hub.silenced(Date.now()),
      };
    },
    requestLog: (path) => {
      const out: Record<string, number[]> = {};
      for (const [symbol, times] of requestLog.get(path) ?? []) out[symbol] = [...times];
      return out;
    },
    reset: () => {
      requestLog = new Map();
      ctx.market = newMarket();
      limiter.reset();
      faults.clear();
      ctx.hub.reset();
      requests = {};
      requestsByClient = {};
      weightByPath = {};
      rejected429 = 0;
      banned418 = 0;
    },
  };

  const serveRest = (req: IncomingMessage, res: ServerResponse, url: URL): void => {
    const path = url.pathname;
    const ip = req.socket.remoteAddress ?? 'unknown';
    const now = clock();
    requests[path] = (requests[path] ?? 0) + 1;
    requestsByClient[ip] = (requestsByClient[ip] ?? 0) + 1;
    const usedHeader = (): Record<string, number> => ({ 'X-MBX-USED-WEIGHT-1M': limiter.used(ip, now) });
    const endpoint = endpoints[path];
    const fault = faults.take(path);
    if (fault && fault.status !== undefined && fault.status !== 200 && fault.body === undefined) {
      if (fault.status === 0) {
        req.socket.destroy();
        return;
      }
      if (fault.status === 429) {
        rejected429++;
        const retry =
          fault.retryAfterSec ?? Math.max(1, Math.ceil((Math.floor(now / 60_000) * 60_000 + 60_000 - now) / 1000));
        json(
          res,
          429,
          {
            code: -1003,
            msg: `Too much request weight used; current limit is ${opts.weightLimitPerMin} request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API.`,
          },
          { ...usedHeader(), 'Retry-After': retry },
        );
      } else if (fault.status === 418) {
        banned418++;
        const until = now + (fault.banMs ?? opts.banMs);
        json(
          res,
          418,
          {
            code: -1003,
            msg: `Way too much request weight used; IP banned until ${until}. Please use WebSocket Streams for live updates to avoid bans.`,
          },
          { ...usedHeader(), 'Retry-After': Math.ceil((until - now) / 1000) },
        );
      } else if (fault.status === 500) {
        json(res, 500, { code: -1000, msg: 'An unknown error occured while processing the request.' }, usedHeader());
      } else {
        json(res, fault.status, { code: -1001, msg: 'Service Unavailable.' }, usedHeader());
      }
      return;
    }
    if (!endpoint) {
      json(res, 404, { code: -1000, msg: `Not found: ${path}` }, usedHeader());
      return;
    }
    if (req.method !== 'GET') {
      json(res, 405, { code: -1000, msg: `Method ${req.method ?? ''} not allowed on ${path}` }, usedHeader());
      return;
    }
    const weight = endpoint.weight(url.searchParams);
    const verdict = endpoint.dataLimit ? limiter.chargeData(ip, now) : limiter.charge(ip, weight, now);
    weightByPath[path] = (weightByPath[path] ?? 0) + weight;
    const headers = { 'X-MBX-USED-WEIGHT-1M': verdict.used };
    if (verdict.kind === '429') {
      rejected429++;
      const msg = endpoint.dataLimit
        ? `Too many requests; current limit is ${opts.dataLimitPer5m} requests per 5 MINUTE.`
        : `Too much request weight used; current limit is ${opts.weightLimitPerMin} request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API.`;
      json(res, 429, { code: -1003, msg }, { ...headers, 'Retry-After': verdict.retryAfterSec });
      return;
    }
    if (verdict.kind === '418') {
      banned418++;
      json(
        res,
        418,
        {
          code: -1003,
          msg: `Way too much request weight used; IP banned until ${verdict.until}. Please use WebSocket Streams for live updates to avoid bans.`,
        },
        { ...headers, 'Retry-After': verdict.retryAfterSec },
      );
      return;
    }
    let body: unknown;
    try {
      body = endpoint.handle(url.searchParams, ctx.market);
    } catch (err) {
      if (err instanceof SimRejection) {
        json(res, err.status, { code: err.binanceCode, msg: err.message }, headers);
        return;
      }
      throw err;
    }
    if (fault?.body === 'html') {
      res.writeHead(fault.status ?? 200, { 'Content-Type': 'text/html', ...headers });
      res.end(HTML_ERROR_PAGE);
    } else if (fault?.body === 'truncated') {
      const text = JSON.stringify(body);
      const cut = text.slice(0, Math.max(1, Math.floor(text.length / 2)));
      res.writeHead(fault.status ?? 200, {
        'Content-Type': 'application/json',
        'Content-Length': Buffer.byteLength(cut),
        ...headers,
      });
      res.end(cut);
    } else if (fault?.body === 'missing-fields') {
      json(res, fault.status ?? 200, stripFields(body), headers);
    } else {
      json(res, 200, body, headers);
      const symbol = url.searchParams.get('symbol');
      if (symbol) logRequest(path, symbol, now);
    }
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://sim');
    try {
      if (url.pathname.startsWith('/__sim/')) {
        res.setHeader('X-MBX-USED-WEIGHT-1M', limiter.used(req.socket.remoteAddress ?? 'unknown', clock()));
        handleControl(ctx, req, res, url).catch((err: unknown) => {
          if (!res.headersSent) json(res, 500, { error: err instanceof Error ? err.message : String(err) });
        });
        return;
      }
      serveRest(req, res, url);
    } catch (err) {
      if (!res.headersSent) json(res, 500, { code: -1000, msg: err instanceof Error ? err.message : String(err) });
    }
  });
  server.keepAliveTimeout = 65_000;
  server.on('upgrade', (req, socket, head) => {
    if (!ctx.hub.handleUpgrade(req, socket, head)) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  let timer: NodeJS.Timeout | null = null;
  let closed = false;
  const loop = (): void => {
    const now = clock();
    ctx.market.tick(now);
    ctx.hub.onTick(now);
    if (!closed) timer = setTimeout(loop, opts.tickMs);
  };
  timer = setTimeout(loop, opts.tickMs);

  const host = opts.host === '0.0.0.0' || opts.host === '::' ? '127.0.0.1' : opts.host;
  return {
    url: `http://${host}:${port}`,
    wsUrl: `ws://${host}:${port}`,
    port,
    get market() {
      return ctx.market;
    },
    stats: () => ctx.stats(),
    requestLog: (path) => ctx.requestLog(path),
    reset: () => ctx.reset(),
    close: async () => {
      if (closed) return;
      closed = true;
      if (timer) clearTimeout(timer);
      await ctx.hub.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
