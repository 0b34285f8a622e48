// WebSocket market streams on Binance's routed paths: /market/stream?streams=a/b (combined,
// {"stream","data"}) and /market/ws/<a>/<b> (raw). /public/... and the legacy /ws, /stream accept the
// handshake but deliver no market streams, like Binance since 2026-04-23. Server pings, the 10 msg/s
// incoming limit, the lifetime disconnect, JSON SUBSCRIBE/UNSUBSCRIBE/LIST_SUBSCRIPTIONS, and a
// "silence" switch that keeps sockets open while sending nothing.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import { INTERVAL_MS } from './candles.js';
import type { Market } from './market.js';
import { dec, priceStr, takerShare } from './rest.js';
import type { SymbolState } from './symbol-state.js';

export interface WsHubOptions {
  pingIntervalMs: number;
  maxLifetimeMs: number;
  markPriceIntervalMs: number;
  markPrice1sIntervalMs: number;
  tickerIntervalMs: number;
  maxIncomingPerSec: number;
  maxStreamsPerConnection: number;
}

type Route = 'market' | 'public' | 'legacy';

interface Conn {
  ws: WebSocket;
  route: Route;
  combined: boolean;
  /** lower-case key → name as the client spelled it, parsed, and whether it has had a frame yet */
  subs: Map<string, Sub>;
  second: number;
  incoming: number;
  pingTimer: NodeJS.Timeout | null;
  lifeTimer: NodeJS.Timeout | null;
}

interface Sub {
  name: string;
  parsed: Parsed;
  primed: boolean;
}

type Parsed =
  | { kind: 'markAll'; fast: boolean }
  | { kind: 'tickerAll' }
  | { kind: 'markOne'; symbol: string; fast: boolean }
  | { kind: 'kline'; symbol: string; interval: string; ms: number }
  | { kind: 'other' };

export function parseStream(name: string): Parsed {
  const n = name.toLowerCase();
  if (n === '!markprice@arr') return { kind: 'markAll', fast: false };
  if (n === '!markprice@arr@1s') return { kind: 'markAll', fast: true };
  if (n === '!ticker@arr') return { kind: 'tickerAll' };
  const m = /^([a-z0-9_]+)@(markprice(@1s)?|kline_([0-9a-z]+))$/.exec(n);
  if (m && m[1]) {
    const symbol = m[1].toUpperCase();
    if (m[4]) {
      const ms = INTERVAL_MS[m[4]];
      return ms === undefined ? { kind: 'other' } : { kind: 'kline', symbol, interval: m[4], ms };
    }
    return { kind: 'markOne', symbol, fast: m[3] !== undefined };
  }
  return { kind: 'other' };
}

function sub(name: string): Sub {
  return { name, parsed: parseStream(name), primed: false };
}

export class WsHub {
  private readonly wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  private readonly conns = new Set<Conn>();
  private silentUntil = 0;
  private lastMark = 0;
  private lastMark1s = 0;
  private lastTicker = 0;
  /** kline stream key → open time of the candle last sent */
  private readonly klineOpen = new Map<string, number>();
  /** kline stream key → the symbol's version when last sent (send only on change) */
  private readonly klineSeen = new Map<string, number>();
  messagesSent = 0;
  rateDisconnects = 0;
  lifetimeDisconnects = 0;

  constructor(
    private readonly opts: WsHubOptions,
    private readonly market: () => Market,
  ) {}

  connections(): number {
    return this.conns.size;
  }

  silenced(now: number): boolean {
    return now < this.silentUntil;
  }

  silence(ms: number, now: number): void {
    this.silentUntil = now + ms;
  }

  /** Takes the upgrade when the path is a stream path; false → the caller answers 404. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const url = new URL(req.url ?? '/', 'http://sim');
    const m = /^(?:\/(market|public))?\/(stream|ws)(?:\/(.*))?$/.exec(url.pathname);
    if (!m) return false;
    const route: Route = (m[1] as Route | undefined) ?? 'legacy';
    const combined = m[2] === 'stream';
    const names = combined ? (url.searchParams.get('streams') ?? '').split('/') : (m[3] ?? '').split('/');
    this.wss.handleUpgrade(req, socket, head, (ws) =>
      this.accept(
        ws,
        route,
        combined,
        names.filter((s) => s.length > 0),
      ),
    );
    return true;
  }

  private accept(ws: WebSocket, route: Route, combined: boolean, names: string[]): void {
    const conn: Conn = {
      ws,
      route,
      combined,
      subs: new Map(),
      second: 0,
      incoming: 0,
      pingTimer: null,
      lifeTimer: null,
    };
    for (const n of names.slice(0, this.opts.maxStreamsPerConnection)) conn.subs.set(n.toLowerCase(), sub(n));
    this.conns.add(conn);
    const schedulePing = (): void => {
      conn.pingTimer = setTimeout(() => {
        if (!this.silenced(Date.now()) && ws.readyState === ws.OPEN) ws.ping();
        schedulePing();
      }, this.opts.pingIntervalMs);
    };
    schedulePing();
    conn.lifeTimer = setTimeout(() => {
      this.lifetimeDisconnects++;
      ws.close(1000, 'connection lifetime exceeded');
    }, this.opts.maxLifetimeMs);
    const count = (): boolean => {
      if (ws.readyState !== ws.OPEN) return false;
      const sec = Math.floor(Date.now() / 1000);
      if (sec !== conn.second) {
        conn.second = sec;
        conn.incoming = 0;
      }
      conn.incoming++;
      if (conn.incoming > this.opts.maxIncomingPerSec) {
        this.rateDisconnects++;
        ws.close(1008, 'Too many messages');
        setTimeout(() => ws.terminate(), 200).unref();
        return false;
      }
      return true;
    };
    ws.on('message', (data) => {
      if (count()) this.onMessage(conn, String(data));
    });
    ws.on('ping', count);
    ws.on('pong', count);
    ws.on('error', () => ws.terminate());
    ws.on('close', () => this.remove(conn));
  }

  private remove(conn: Conn): void {
    if (conn.pingTimer) clearTimeout(conn.pingTimer);
    if (conn.lifeTimer) clearTimeout(conn.lifeTimer);
    this.conns.delete(conn);
  }

  private reply(conn: Conn, msg: unknown): void {
    if (this.silenced(Date.now()) || conn.ws.readyState !== conn.ws.OPEN) return;
    conn.ws.send(JSON.stringify(msg));
    this.messagesSent++;
  }

  private onMessage(conn: Conn, text: string): void {
    let msg: unknown;
    try {
      msg = JSON.parse(text);
    } catch {
      this.reply(conn, { error: { code: 3, msg: 'Invalid JSON: expected value at line 1 column 1' } });
      return;
    }
    const o = (msg && typeof msg === 'object' ? msg : {}) as { method?: unknown; params?: unknown; id?: unknown };
    const id = typeof o.id === 'number' || typeof o.id === 'string' ? o.id : null;
    const params =
      Array.isArray(o.params) && o.params.every((p) => typeof p === 'string') ? (o.params as string[]) : null;
    if (o.method === 'LIST_SUBSCRIPTIONS') {
      this.reply(conn, { result: [...conn.subs.values()].map((x) => x.name), id });
    } else if ((o.method === 'SUBSCRIBE' || o.method === 'UNSUBSCRIBE') && params) {
      if (o.method === 'SUBSCRIBE') {
        if (conn.subs.size + params.length > this.opts.maxStreamsPerConnection) {
          this.reply(conn, {
            error: { code: 4, msg: `Too many streams: at most ${this.opts.maxStreamsPerConnection} per connection` },
            id,
          });
          return;
        }
        for (const p of params) if (!conn.subs.has(p.toLowerCase())) conn.subs.set(p.toLowerCase(), sub(p));
      } else {
        for (const p of params) conn.subs.delete(p.toLowerCase());
      }
      this.reply(conn, { result: null, id });
    } else {
      this.reply(conn, { error: { code: 2, msg: 'Invalid request: unknown method or malformed params' }, id });
    }
  }

  private send(conn: Conn, name: string, data: string): void {
    if (conn.ws.readyState !== conn.ws.OPEN) return;
    conn.ws.send(conn.combined ? `{"stream":${JSON.stringify(name)},"data":${data}}` : data);
    this.messagesSent++;
  }

  /** Called after each market tick: sends whatever is due. */
  onTick(now: number): void {
    if (this.silenced(Date.now())) return;
    const market = this.market();
    const markDue = now - this.lastMark >= this.opts.markPriceIntervalMs;
    const mark1sDue = now - this.lastMark1s >= this.opts.markPrice1sIntervalMs;
    const tickerDue = now - this.lastTicker >= this.opts.tickerIntervalMs;
    if (markDue) this.lastMark = now;
    if (mark1sDue) this.lastMark1s = now;
    let markAll: string | null = null;
    let tickerAll: string | null = null;
    const markAllPayload = (): string =>
      (markAll ??= JSON.stringify(
        market
          .all()
          .filter((s) => s.ticking)
          .map((s) => markUpdate(s, now)),
      ));
    const tickerAllPayload = (): string => {
      if (tickerAll === null) {
        const changed = market.all().filter((s) => s.ticking && s.changed);
        for (const s of changed) s.changed = false;
        tickerAll = JSON.stringify(changed.map((s) => tickerUpdate(s, market, now)));
      }
      return tickerAll;
    };
    const klineSent = new Map<string, string | null>();
    for (const conn of this.conns) {
      if (conn.route !== 'market') continue;
      for (const [key, sb] of conn.subs) {
        const p = sb.parsed;
        const name = sb.name;
        if (p.kind === 'markAll') {
          if (p.fast ? mark1sDue : markDue) this.send(conn, name, markAllPayload());
        } else if (p.kind === 'tickerAll') {
          if (tickerDue) this.send(conn, name, tickerAllPayload());
        } else if (p.kind === 'markOne') {
          if ((p.fast ? mark1sDue : markDue) && market.has(p.symbol))
            this.send(conn, name, JSON.stringify(markUpdate(market.state(p.symbol), now)));
        } else if (p.kind === 'kline' && market.has(p.symbol)) {
          let frames = klineSent.get(key);
          if (frames === undefined) {
            frames = this.klineFrames(market, key, p.symbol, p.interval, p.ms, now);
            klineSent.set(key, frames);
          }
          if (frames !== null) {
            for (const f of frames.split('\n')) this.send(conn, name, f);
          } else if (!sb.primed) {
            // a new follower of a stream others already follow: give it the open candle now
            const st = market.state(p.symbol);
            const openT = Math.floor(st.curMin.t / p.ms) * p.ms;
            const cur = market.klines(p.symbol, p.ms, { startTime: openT, endTime: openT, limit: 1 })[0];
            if (cur) this.send(conn, name, JSON.stringify(klineEvent(st, cur, p.interval, p.ms, false, now)));
          }
          sb.primed = true;
        }
      }
    }
    if (tickerDue) this.lastTicker = now;
    // forget kline streams nobody follows any more, so a later subscriber gets no stale closing update
    for (const key of this.klineOpen.keys()) {
      if (!klineSent.has(key)) {
        this.klineOpen.delete(key);
        this.klineSeen.delete(key);
      }
    }
  }

  /** The kline frames due for one stream this tick ('\n'-joined): the closing update, then the open one. */
  private klineFrames(
    market: Market,
    key: string,
    symbol: string,
    interval: string,
    ms: number,
    now: number,
  ): string | null {
    const st = market.state(symbol);
    const openT = Math.floor(st.curMin.t / ms) * ms;
    const last = this.klineOpen.get(key);
    const frames: string[] = [];
    if (last !== undefined && openT > last) {
      const closed = market.klines(symbol, ms, { startTime: last, endTime: last, limit: 1 })[0];
      if (closed) frames.push(JSON.stringify(klineEvent(st, closed, interval, ms, true, now)));
    }
    if (frames.length > 0 || last === undefined || this.klineSeen.get(key) !== st.version) {
      const cur = market.klines(symbol, ms, { startTime: openT, endTime: openT, limit: 1 })[0];
      if (cur) frames.push(JSON.stringify(klineEvent(st, cur, interval, ms, false, now)));
    }
    this.klineOpen.set(key, openT);
    this.klineSeen.set(key, st.version);
    return frames.length > 0 ? frames.join('\n') : null;
  }

  /** Closes every connection (code 1001), or cuts them without a close frame. */
  drop(mode: 'close' | 'terminate' = 'close'): number {
    const n = this.conns.size;
    for (const c of this.conns) {
      if (mode === 'terminate') c.ws.terminate();
      else c.ws.close(1001, 'dropped by simulator');
    }
    return n;
  }

  reset(): void {
    this.silentUntil = 0;
    this.klineOpen.clear();
    this.klineSeen.clear();
    this.messagesSent = 0;
    this.rateDisconnects = 0;
    this.lifetimeDisconnects = 0;
  }

  async close(): Promise<void> {
    for (const c of this.conns) {
      c.ws.terminate();
      this.remove(c);
    }
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}

function markUpdate(st: SymbolState, now: number): Record<string, unknown> {
  const d = Math.min(8, st.info.pricePrecision + 2);
  const perpetual = st.info.contractType === 'PERPETUAL' || st.info.contractType === 'TRADIFI_PERPETUAL';
  return {
    e: 'markPriceUpdate',
    E: now,
    s: st.info.symbol,
    p: dec(st.markPrice(), d),
    i: dec(st.indexPrice(), d),
    P: dec(st.indexPrice(), d),
    r: perpetual ? dec(st.fundingRate, 8) : '',
    T: perpetual ? st.nextFundingTime(now) : 0,
  };
}

function tickerUpdate(st: SymbolState, market: Market, now: number): Record<string, unknown> {
  const s = market.stats24h(st);
  const qd = st.info.quantityPrecision;
  return {
    e: '24hrTicker',
    E: now,
    s: st.info.symbol,
    p: priceStr(st, st.price - s.open),
    P: dec(((st.price - s.open) / s.open) * 100, 3),
    w: priceStr(st, s.volume > 0 ? s.quoteVolume / s.volume : st.price),
    c: priceStr(st, st.price),
    Q: dec(Math.max(st.tradeSize / st.price, 10 ** -qd), qd),
    o: priceStr(st, s.open),
    h: priceStr(st, s.high),
    l: priceStr(st, s.low),
    v: dec(s.volume, qd),
    q: dec(s.quoteVolume, 2),
    O: s.openTime,
    C: now,
    F: st.tradeId - s.count + 1,
    L: st.tradeId,
    n: s.count,
    ps: st.info.pair,
    st: 1,
  };
}

function klineEvent(
  st: SymbolState,
  c: { t: number; o: number; h: number; l: number; c: number; v: number; q: number; n: number },
  interval: string,
  ms: number,
  closed: boolean,
  now: number,
): Record<string, unknown> {
  const qd = st.info.quantityPrecision;
  return {
    e: 'kline',
    E: now,
    s: st.info.symbol,
    k: {
      t: c.t,
      T: c.t + ms - 1,
      s: st.info.symbol,
      i: interval,
      f: st.tradeId - c.n + 1,
      L: st.tradeId,
      o: priceStr(st, c.o),
      c: priceStr(st, c.c),
      h: priceStr(st, c.h),
      l: priceStr(st, c.l),
      v: dec(c.v, qd),
      n: c.n,
      x: closed,
      q: dec(c.q, 5),
      V: dec(c.v * takerShare(st, c.t), qd),
      Q: dec(c.q * takerShare(st, c.t), 5),
      B: '0',
    },
  };
}
