// startSim: one node:http server carrying the REST endpoints, the /__sim control API and the
// WebSocket streams, plus the tick timer that advances the market (a setTimeout chain).
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleControl } from './control.js';
import type { Market } from './market.js';
import { json, serveRest } from './rest-serve.js';
import { createEndpoints } from './rest.js';
import { createContext } from './sim-context.js';
import type { SimContext } from './sim-context.js';

export { REQUEST_LOG_MAX } from './sim-context.js';
export type { SimContext } from './sim-context.js';

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

function createHttpServer(ctx: SimContext): Server {
  const endpoints = createEndpoints(ctx.opts.weightLimitPerMin);
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://sim');
    try {
      if (url.pathname.startsWith('/__sim/')) {
        res.setHeader(
          'X-MBX-USED-WEIGHT-1M',
          ctx.limiter.used(req.socket.remoteAddress ?? 'unknown', ctx.opts.clock()),
        );
        handleControl(ctx, req, res, url).catch((err: unknown) => {
          if (!res.headersSent) json(res, 500, { error: err instanceof Error ? err.message : String(err) });
        });
        return;
      }
      serveRest(ctx, endpoints, req, res, url);
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
  return server;
}

async function listen(server: Server, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

/** The tick chain: advances the market and sends what the streams owe, every tickMs. */
function startTicking(ctx: SimContext): { stop(): void } {
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
  const loop = (): void => {
    const now = ctx.opts.clock();
    ctx.market.tick(now);
    ctx.hub.onTick(now);
    if (!stopped) timer = setTimeout(loop, ctx.opts.tickMs);
  };
  timer = setTimeout(loop, ctx.opts.tickMs);
  return {
    stop: () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}

export async function startSim(options: SimOptions = {}): Promise<Sim> {
  const opts: Required<SimOptions> = { ...DEFAULTS };
  for (const [k, v] of Object.entries(options)) if (v !== undefined) (opts as Record<string, unknown>)[k] = v;
  const ctx = createContext(opts);
  const server = createHttpServer(ctx);
  const port = await listen(server, opts.port, opts.host);
  const ticking = startTicking(ctx);
  let closed = false;
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
      ticking.stop();
      await ctx.hub.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
