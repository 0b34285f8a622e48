import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { createLogger } from '@volspike/runtime';
import type { Logger } from '@volspike/runtime';

export interface Recorded {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  at: number;
}

async function serve(
  handler: (req: IncomingMessage, body: string, res: ServerResponse) => void,
): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handler(req, Buffer.concat(chunks).toString('utf8'), res));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** A PROD/DEV backend on port 0: records requests in order; `down` → 503 for everything. */
export async function startFakeBackend() {
  const requests: Recorded[] = [];
  const state = { down: false, snapshots: new Map<string, number>() };
  const s = await serve((req, text, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    let body: unknown = null;
    try {
      body = text ? (JSON.parse(text) as unknown) : null;
    } catch {
      body = text;
    }
    if (state.down) {
      send(res, 503, { error: 'down' });
      return;
    }
    requests.push({
      method: req.method ?? 'GET',
      path: u.pathname,
      query: u.searchParams,
      headers: req.headers,
      body,
      at: Date.now(),
    });
    if (req.method === 'GET' && u.pathname === '/api/market/open-interest/snapshot') {
      const symbol = u.searchParams.get('symbol') ?? '';
      const oi = state.snapshots.get(symbol);
      if (oi === undefined) send(res, 200, { found: false, symbol, requestedTs: u.searchParams.get('ts') });
      else
        send(res, 200, {
          found: true,
          symbol,
          openInterest: oi,
          openInterestUsd: null,
          markPrice: null,
          ts: u.searchParams.get('ts'),
          source: 'realtime',
        });
      return;
    }
    if (req.method === 'POST' && u.pathname === '/api/volume-alerts/ingest')
      return send(res, 200, { success: true, alertId: `a${requests.length}` });
    if (req.method === 'POST' && u.pathname === '/api/market/open-interest/ingest')
      return send(res, 200, { success: true, inserted: 1, cached: 1 });
    if (req.method === 'POST' && u.pathname === '/api/heartbeats')
      return send(res, 200, { success: true, lastSeenAt: new Date().toISOString() });
    send(res, 404, { error: 'Not found' });
  });
  return {
    ...s,
    requests,
    state,
    volumeAlerts: () => requests.filter((r) => r.method === 'POST' && r.path === '/api/volume-alerts/ingest'),
    snapshots: () => requests.filter((r) => r.method === 'POST' && r.path === '/api/market/open-interest/ingest'),
    heartbeats: () => requests.filter((r) => r.method === 'POST' && r.path === '/api/heartbeats'),
  };
}

/** Telegram Bot API stand-in: records sendMessage texts; `rateLimitNext` answers 429 with retry_after. */
export async function startFakeTelegram() {
  const messages: { token: string; chatId: string | null; text: string | null; method: string; at: number }[] = [];
  const state = { rateLimitNext: 0, retryAfterSec: 1, down: false };
  const s = await serve((req, _text, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    const m = /^\/bot([^/]+)\/sendMessage$/.exec(u.pathname);
    if (!m) return send(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
    if (state.down) return send(res, 502, { ok: false });
    if (state.rateLimitNext > 0) {
      state.rateLimitNext--;
      return send(res, 429, {
        ok: false,
        error_code: 429,
        description: 'Too Many Requests: retry after 1',
        parameters: { retry_after: state.retryAfterSec },
      });
    }
    messages.push({
      token: m[1] ?? '',
      chatId: u.searchParams.get('chat_id'),
      text: u.searchParams.get('text'),
      method: req.method ?? '',
      at: Date.now(),
    });
    send(res, 200, { ok: true, result: { message_id: messages.length } });
  });
  return { ...s, messages, state };
}

/** Funding API stand-in: `GET /funding/<SYMBOL>` → the rate in `rates`, 503 "stale" for symbols in `stale`, 404 otherwise. */
export async function startFakeFunding() {
  const rates = new Map<string, number | null>();
  const stale = new Set<string>();
  const calls: string[] = [];
  const s = await serve((req, _text, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    const symbol = u.pathname.replace(/^\/funding\//, '');
    calls.push(symbol);
    if (stale.has(symbol))
      return send(res, 503, { detail: { error: 'Data stale', symbol, ageSeconds: 999, maxAgeSeconds: 180 } });
    if (!rates.has(symbol)) return send(res, 404, { detail: { error: 'Symbol not found', symbol } });
    send(res, 200, {
      symbol,
      markPrice: 1,
      fundingRate: rates.get(symbol),
      nextFundingTime: 0,
      indexPrice: 1,
      updatedAt: 0,
      ageSeconds: 1,
    });
  });
  return { ...s, url: `${s.url}/funding`, rates, stale, calls };
}

/** A logger whose JSON lines are kept in `lines` (parsed). */
export function captureLogger(level = 'info'): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString('utf8').split('\n'))
        if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { logger: createLogger({ name: 'volume-alerts-test', level, destination }), lines };
}

export async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs = 10_000, stepMs = 20): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error('waitFor timed out');
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
