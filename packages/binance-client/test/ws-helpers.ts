// A tiny routed Binance-like WebSocket server on port 0 for the WS client tests.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export interface FakeConn {
  ws: WebSocket;
  path: string;
  streams: Set<string>;
  received: { at: number; msg: unknown }[];
  silent: boolean;
  pongs: number;
  openedAt: number;
  closedCode: number | null;
  closedAt: number | null;
  firstSentAt: number | null;
}

export interface FakeWsServer {
  url: string;
  conns: FakeConn[];
  open(): FakeConn[];
  dropAll(): void;
  silenceAll(): void;
  ping(): void;
  close(): Promise<void>;
}

function markPriceArr(now: number): unknown[] {
  return [
    {
      e: 'markPriceUpdate',
      E: now,
      s: 'BTCUSDT',
      p: '65000.10',
      i: '64990.00',
      P: '65001',
      r: '0.00010000',
      T: now + 3_600_000,
      st: 1,
    },
    { e: 'markPriceUpdate', E: now, s: 'ETHUSDT', p: '3000.5', i: '', r: '', T: 0 },
    { e: 'markPriceUpdate', E: now, s: 'BTCUSD_PERP', p: '65000', i: '64990', r: '0.0001', T: now + 3_600_000, st: 2 },
  ];
}
function tickerArr(now: number): unknown[] {
  return [
    { e: '24hrTicker', E: now, s: 'BTCUSDT', c: '65000.1', v: '1000', q: '65000000.5', st: 1 },
    { e: '24hrTicker', E: now, s: 'BTCUSD_PERP', c: '65000', v: '100', q: '6500000', st: 2 },
  ];
}
function kline(now: number, symbol: string): unknown {
  return {
    e: 'kline',
    E: now,
    s: symbol.toUpperCase(),
    k: {
      t: 1767222000000,
      T: 1767225599999,
      s: symbol.toUpperCase(),
      i: '1h',
      o: '1.0',
      c: '1.1',
      h: '1.2',
      l: '0.9',
      v: '100',
      n: 12,
      x: false,
      q: '110.5',
    },
  };
}

/** Pushes a frame for every subscribed stream every `tickMs` to every non-silent connection. */
export async function startFakeWs(opts: { tickMs?: number } = {}): Promise<FakeWsServer> {
  const http = createServer();
  const wss = new WebSocketServer({ server: http });
  const conns: FakeConn[] = [];
  wss.on('connection', (ws, req) => {
    const u = new URL(req.url ?? '/', 'http://x');
    const streams = new Set((u.searchParams.get('streams') ?? '').split('/').filter(Boolean));
    const c: FakeConn = {
      ws,
      path: u.pathname,
      streams,
      received: [],
      silent: false,
      pongs: 0,
      openedAt: Date.now(),
      closedCode: null,
      closedAt: null,
      firstSentAt: null,
    };
    conns.push(c);
    ws.on('pong', () => c.pongs++);
    ws.on('close', (code) => {
      c.closedCode = code;
      c.closedAt = Date.now();
    });
    ws.on('message', (buf) => {
      const msg = JSON.parse(buf.toString()) as { method: string; params: string[]; id: number };
      c.received.push({ at: Date.now(), msg });
      if (msg.method === 'SUBSCRIBE') for (const s of msg.params) c.streams.add(s);
      if (msg.method === 'UNSUBSCRIBE') for (const s of msg.params) c.streams.delete(s);
      ws.send(JSON.stringify({ result: null, id: msg.id }));
    });
  });
  const tick = setInterval(() => {
    const now = Date.now();
    for (const c of conns) {
      if (c.silent || c.ws.readyState !== c.ws.OPEN || c.path !== '/market/stream') continue;
      for (const s of c.streams) {
        let data: unknown = null;
        if (s.startsWith('!markPrice@arr')) data = markPriceArr(now);
        else if (s === '!ticker@arr') data = tickerArr(now);
        else if (s.includes('@kline_')) data = kline(now, s.split('@')[0] ?? '');
        if (data !== null) {
          c.firstSentAt ??= now;
          c.ws.send(JSON.stringify({ stream: s, data }));
        }
      }
    }
  }, opts.tickMs ?? 50);
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  return {
    url: `ws://127.0.0.1:${(http.address() as AddressInfo).port}`,
    conns,
    open: () => conns.filter((c) => c.ws.readyState === c.ws.OPEN),
    dropAll: () => conns.forEach((c) => c.ws.terminate()),
    silenceAll: () => conns.forEach((c) => (c.silent = true)),
    ping: () => conns.forEach((c) => c.ws.readyState === c.ws.OPEN && c.ws.ping()),
    close: async () => {
      clearInterval(tick);
      for (const c of conns) c.ws.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
      await new Promise<void>((r) => http.close(() => r()));
    },
  };
}
