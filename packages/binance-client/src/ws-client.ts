// BinanceWsClient: routed combined market streams over one or more connections, typed events.
import { EventEmitter } from 'node:events';
import type { Logger } from '@volspike/runtime';
import { BinanceError } from './errors.js';
import { StreamConnection, type ConnectionOptions } from './ws-connection.js';
import { parseStreamFrame, type KlineUpdate, type MarkPriceUpdate, type TickerUpdate } from './ws-messages.js';

export interface BinanceWsClientOptions {
  /** e.g. wss://fstream.binance.com or ws://127.0.0.1:7070 (no route) */
  baseUrl: string;
  route?: 'market' | 'public';
  streams: string[];
  logger: Logger;
  /** No data message for this long → terminate and reconnect. Default 30 s. */
  silenceTimeoutMs?: number;
  /** Open a replacement connection after this long (Binance cuts at 24 h). Default 23 h. */
  rotateAfterMs?: number;
  /** Outgoing SUBSCRIBE/UNSUBSCRIBE messages per second per connection (Binance allows 10 incl. pongs). Default 5. */
  maxMessagesPerSec?: number;
  maxStreamsPerConnection?: number;
  /** Streams put in the connection URL; the rest are subscribed with paced messages. Default 200. */
  urlStreamLimit?: number;
  reconnectBaseMs?: number;
  reconnectMaxMs?: number;
  now?: () => number;
}

export interface BinanceWsStats {
  connected: boolean;
  messages: number;
  reconnects: number;
  lastMessageAt: number | null;
  connections: number;
  invalidItems: number;
  coinMFiltered: number;
}

export interface BinanceWsClientEvents {
  markPrice: [MarkPriceUpdate[]];
  ticker: [TickerUpdate[]];
  kline: [KlineUpdate];
  open: [];
  close: [{ code: number; reason: string }];
  error: [BinanceError];
  /** frames of streams this client has no parser for */
  raw: [{ stream: string; data: unknown }];
}

export class BinanceWsClient extends EventEmitter<BinanceWsClientEvents> {
  private readonly connOpts: ConnectionOptions;
  private readonly maxPerConn: number;
  private readonly log: Logger;
  private readonly groups: StreamConnection[] = [];
  private started = false;
  private counters = {
    messages: 0,
    reconnects: 0,
    lastMessageAt: null as number | null,
    invalidItems: 0,
    coinMFiltered: 0,
  };
  private invalidLogged = false;

  constructor(private readonly opts: BinanceWsClientOptions) {
    super();
    this.log = opts.logger.child({ client: 'binance-ws' });
    this.maxPerConn = Math.max(1, opts.maxStreamsPerConnection ?? 1024);
    this.connOpts = {
      baseUrl: opts.baseUrl,
      route: opts.route ?? 'market',
      silenceTimeoutMs: opts.silenceTimeoutMs ?? 30_000,
      rotateAfterMs: opts.rotateAfterMs ?? 23 * 3600 * 1000,
      maxMessagesPerSec: Math.max(0.1, Math.min(10, opts.maxMessagesPerSec ?? 5)),
      urlStreamLimit: Math.max(1, opts.urlStreamLimit ?? 200),
      reconnectBaseMs: opts.reconnectBaseMs ?? 500,
      reconnectMaxMs: opts.reconnectMaxMs ?? 30_000,
      logger: this.log,
      now: opts.now ?? Date.now,
    };
    this.place(normalise(opts.streams));
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    for (const g of this.groups) g.start();
  }

  async stop(): Promise<void> {
    this.started = false;
    await Promise.all(this.groups.map((g) => g.stop()));
  }

  subscribe(streams: string[]): void {
    const fresh = normalise(streams).filter((s) => !this.groups.some((g) => g.desired.has(s)));
    this.place(fresh);
  }

  unsubscribe(streams: string[]): void {
    const gone = new Set(normalise(streams));
    for (const g of [...this.groups]) {
      const mine = [...g.desired].filter((s) => gone.has(s));
      if (mine.length === 0) continue;
      g.remove(mine);
      if (g.desired.size === 0) {
        this.groups.splice(this.groups.indexOf(g), 1);
        void g.stop();
      }
    }
  }

  /** Streams currently wanted (subscribed or to be subscribed). */
  streams(): string[] {
    return this.groups.flatMap((g) => [...g.desired]);
  }

  connected(): boolean {
    return this.groups.length > 0 && this.groups.every((g) => g.isOpen());
  }

  stats(): BinanceWsStats {
    return { connected: this.connected(), ...this.counters, connections: this.groups.filter((g) => g.isOpen()).length };
  }

  // --- internals -------------------------------------------------------------------------------

  private place(streams: string[]): void {
    let rest = streams;
    for (const g of this.groups) {
      if (rest.length === 0) break;
      const room = this.maxPerConn - g.desired.size;
      if (room <= 0) continue;
      const take = rest.slice(0, room);
      rest = rest.slice(room);
      if (this.started) g.add(take);
      else for (const s of take) g.desired.add(s);
    }
    while (rest.length > 0) {
      const g = new StreamConnection(this.connOpts, {
        frame: (stream, data) => this.onFrame(stream, data),
        open: () => this.emit('open'),
        close: (code, reason) => this.emit('close', { code, reason }),
        reconnect: () => this.counters.reconnects++,
        reply: (msg) => {
          if (msg.error)
            this.emitError(
              new BinanceError(
                'BINANCE_BAD_REQUEST',
                `ws request ${String(msg.id)} rejected: ${msg.error.msg ?? ''}`,
                msg.error.code !== undefined ? { binanceCode: msg.error.code } : {},
              ),
            );
        },
      });
      const take = rest.slice(0, this.maxPerConn);
      rest = rest.slice(this.maxPerConn);
      for (const s of take) g.desired.add(s);
      this.groups.push(g);
      if (this.started) g.start();
    }
  }

  private onFrame(stream: string, data: unknown): void {
    this.counters.messages++;
    this.counters.lastMessageAt = this.connOpts.now();
    const f = parseStreamFrame(stream, data);
    switch (f.kind) {
      case 'markPrice':
      case 'ticker':
        this.counters.coinMFiltered += f.coinM;
        if (f.invalid > 0) this.noteInvalid(`${f.invalid} invalid ${f.kind} item(s) in ${stream}`);
        if (f.items.length > 0) {
          if (f.kind === 'markPrice') this.emit('markPrice', f.items);
          else this.emit('ticker', f.items);
        }
        return;
      case 'kline':
        this.emit('kline', f.item);
        return;
      case 'invalid':
        this.noteInvalid(`invalid frame in ${stream}: ${f.reason}`);
        return;
      case 'other':
        this.emit('raw', { stream: f.stream, data: f.data });
    }
  }

  private noteInvalid(message: string): void {
    this.counters.invalidItems++;
    if (!this.invalidLogged) {
      this.invalidLogged = true;
      this.log.warn({ detail: message }, 'binance ws payload failed validation (logged once; counted in stats)');
    }
    this.emitError(new BinanceError('BINANCE_INVALID_RESPONSE', message));
  }

  /** 'error' is only emitted to listeners: an EventEmitter without one would throw. */
  private emitError(err: BinanceError): void {
    if (this.listenerCount('error') > 0) this.emit('error', err);
    else this.log.debug({ err }, 'binance ws error');
  }
}

function normalise(streams: string[]): string[] {
  const seen = new Set<string>();
  for (const s of streams) {
    const t = s.trim();
    if (t) seen.add(t.startsWith('!') ? t : t.toLowerCase());
  }
  return [...seen];
}
