import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isSymbol, parseSymbol } from '@volspike/contracts';
import type { Logger, MarkPriceRecord } from '@volspike/runtime';
import type { Registry } from 'prom-client';
import type { FundingStore } from './funding-store.js';
import type { FundingStreamStats } from './funding-stream.js';

export interface FundingHealth {
  ok: boolean;
  body: Record<string, unknown>;
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

/**
 * The health decision shared by /funding/health, /health and the stack: healthy ⇔ the WebSocket is
 * connected AND at least one symbol is tracked AND the MEDIAN record age is below the stale threshold.
 * The median (not the oldest — legacy defect 24) so one quiet or delisted symbol cannot keep the service
 * unhealthy forever; per-symbol staleness is still enforced by /funding/:symbol (503).
 * Body: the legacy /funding/health shape plus medianDataAgeSeconds, staleSymbolCount and maxAgeSeconds.
 */
export function fundingHealth(
  store: FundingStore,
  ws: FundingStreamStats,
  opts: { staleSec: number; startedAt: number; now: number },
): FundingHealth {
  const { now, staleSec } = opts;
  const n = store.size();
  const ages = store.ages(now);
  const body: Record<string, unknown> = {
    status: 'unhealthy',
    websocketConnected: ws.connected,
    symbolCount: n,
    uptimeSeconds: round2((now - opts.startedAt) / 1000),
    lastConnectedTime: ws.lastConnectedAt === null ? null : ws.lastConnectedAt / 1000,
    messagesReceived: ws.messages,
    reconnectAttempts: ws.reconnects,
  };
  if (ages) {
    body['oldestDataAgeSeconds'] = round2(ages.oldestSec);
    body['newestDataAgeSeconds'] = round2(ages.newestSec);
    body['medianDataAgeSeconds'] = round2(ages.medianSec);
    body['staleSymbolCount'] = store.staleCount(now, staleSec);
  }
  body['maxAgeSeconds'] = staleSec;
  let error: string | null = null;
  if (!ws.connected) {
    error = 'WebSocket disconnected';
    if (ws.disconnectedSince !== null) body['disconnectedForSeconds'] = round2((now - ws.disconnectedSince) / 1000);
  } else if (n === 0) error = 'No data';
  else if (ages && !(ages.medianSec < staleSec)) error = 'Data stale';
  if (error) body['error'] = error;
  else body['status'] = 'healthy';
  return { ok: error === null, body };
}

export interface FundingApiOptions {
  store: FundingStore;
  staleSec: number;
  health: () => FundingHealth;
  registry: Registry;
  logger: Logger;
  now?: () => number;
}

/** The legacy funding HTTP API (docs/legacy-contracts.md §2.1) with its defects fixed (§6 items 22–25). */
export class FundingApi {
  private server: Server | null = null;
  private readonly now: () => number;

  constructor(private readonly opts: FundingApiOptions) {
    this.now = opts.now ?? Date.now;
  }

  async listen(port: number, host: string): Promise<number> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        this.opts.logger.error({ err, url: req.url }, 'funding api request failed');
        if (!res.headersSent) send(res, 500, { detail: { error: 'Internal error' } });
        else res.destroy();
      });
    });
    server.keepAliveTimeout = 5000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    return (server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (!s) return;
    await new Promise<void>((resolve) => {
      s.close(() => resolve());
      s.closeAllConnections();
    });
  }

  /** Record as served: §2.1 fields, updatedAt in epoch seconds (float), ageSeconds (2 dp). Missing fields are null. */
  private view(r: MarkPriceRecord, now: number): Record<string, unknown> {
    return {
      symbol: r.symbol,
      markPrice: r.markPrice,
      fundingRate: r.fundingRate,
      nextFundingTime: r.nextFundingTime,
      indexPrice: r.indexPrice,
      updatedAt: r.updatedAt / 1000,
      ageSeconds: round2(Math.max(0, now - r.updatedAt) / 1000),
    };
  }

  private isStale(r: MarkPriceRecord, now: number): boolean {
    return now - r.updatedAt > this.opts.staleSec * 1000;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : url.pathname;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, 405, { detail: { error: 'Method not allowed', method: req.method ?? '' } });
      return;
    }
    const now = this.now();
    switch (path) {
      case '/':
        send(res, 200, SERVICE_DESCRIPTION);
        return;
      case '/health': {
        const h = this.opts.health();
        send(res, h.ok ? 200 : 503, { ok: h.ok, ...h.body });
        return;
      }
      case '/funding/health': {
        const h = this.opts.health();
        send(res, h.ok ? 200 : 503, h.body);
        return;
      }
      case '/metrics':
        res.writeHead(200, { 'content-type': this.opts.registry.contentType });
        res.end(await this.opts.registry.metrics());
        return;
      case '/funding':
        this.all(res, now);
        return;
      case '/funding/batch':
        this.batch(res, url.searchParams.getAll('symbols').join(','), now);
        return;
    }
    const m = /^\/funding\/([^/]+)$/.exec(path);
    if (m) this.one(res, m[1]!, now);
    else send(res, 404, { detail: { error: 'Not found', path } });
  }

  /** GET /funding: every record with its `stale` flag, sorted by symbol. */
  private all(res: ServerResponse, now: number): void {
    const data = this.opts.store.all().map((r) => ({ ...this.view(r, now), stale: this.isStale(r, now) }));
    send(res, 200, {
      data,
      count: data.length,
      staleCount: data.filter((d) => d.stale).length,
      maxAgeSeconds: this.opts.staleSec,
      updatedAt: now / 1000,
    });
  }

  /** GET /funding/batch?symbols=A,B: trimmed, upper-cased, empties and duplicates dropped, ≤ 1000. */
  private batch(res: ServerResponse, raw: string, now: number): void {
    const symbols = [
      ...new Set(
        raw
          .split(',')
          .map((s) => s.trim().toUpperCase())
          .filter((s) => s.length > 0),
      ),
    ];
    if (symbols.length === 0) {
      send(res, 400, { detail: { error: 'No symbols provided' } });
      return;
    }
    const bad = symbols.find((s) => !isSymbol(s));
    if (bad !== undefined || symbols.length > 1000) {
      send(res, 400, {
        detail: bad !== undefined ? { error: 'Invalid symbol', symbol: bad } : { error: 'Too many symbols', max: 1000 },
      });
      return;
    }
    let found = 0;
    const data = symbols.map((symbol) => {
      const r = this.opts.store.get(symbol);
      if (!r) return { symbol, error: 'Symbol not found' };
      if (this.isStale(r, now)) return { symbol, error: 'Data stale', ...this.staleness(r, now) };
      found++;
      return this.view(r, now);
    });
    send(res, 200, { data, found, missing: symbols.length - found, total: symbols.length });
  }

  /** GET /funding/:symbol: 400 bad symbol, 404 unknown, 503 stale. */
  private one(res: ServerResponse, raw: string, now: number): void {
    let symbol: string | null;
    try {
      symbol = parseSymbol(decodeURIComponent(raw));
    } catch {
      symbol = null;
    }
    if (symbol === null) {
      send(res, 400, { detail: { error: 'Invalid symbol', symbol: raw } });
      return;
    }
    const r = this.opts.store.get(symbol);
    if (!r) send(res, 404, { detail: { error: 'Symbol not found', symbol } });
    else if (this.isStale(r, now))
      send(res, 503, { detail: { error: 'Data stale', symbol, ...this.staleness(r, now) } });
    else send(res, 200, this.view(r, now));
  }

  private staleness(r: MarkPriceRecord, now: number): { ageSeconds: number; maxAgeSeconds: number } {
    return { ageSeconds: round2((now - r.updatedAt) / 1000), maxAgeSeconds: this.opts.staleSec };
  }
}

const SERVICE_DESCRIPTION = {
  service: 'Binance Funding Rate API',
  version: '2.0.0',
  endpoints: {
    '/funding': 'all symbols: {data, count, updatedAt}',
    '/funding/{symbol}': 'one symbol (upper-cased); 404 unknown, 503 stale',
    '/funding/batch?symbols=A,B': 'several symbols',
    '/funding/health': 'service health (503 when unhealthy)',
    '/health': 'service health (503 when unhealthy)',
    '/metrics': 'Prometheus metrics',
  },
};

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}
