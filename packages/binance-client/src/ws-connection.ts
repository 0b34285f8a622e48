// One combined-stream WebSocket (≤ maxStreamsPerConnection streams) with its watchdog, paced
// SUBSCRIBE/UNSUBSCRIBE, jittered reconnects and gap-free rotation before Binance's 24 h cut.
import WebSocket from 'ws';
import type { Logger } from '@volspike/runtime';
import { backoffDelay } from '@volspike/runtime';

export interface ConnectionOptions {
  baseUrl: string;
  route: 'market' | 'public';
  silenceTimeoutMs: number;
  rotateAfterMs: number;
  maxMessagesPerSec: number;
  urlStreamLimit: number;
  reconnectBaseMs: number;
  reconnectMaxMs: number;
  logger: Logger;
  now: () => number;
}

export interface ConnectionEvents {
  frame(stream: string, data: unknown): void;
  open(): void;
  close(code: number, reason: string): void;
  reconnect(): void;
  reply(msg: { id?: unknown; result?: unknown; error?: { code?: number; msg?: string } }): void;
}

export class StreamConnection {
  readonly desired = new Set<string>();
  private ws: WebSocket | null = null;
  private candidate: WebSocket | null = null;
  private readonly has = new WeakMap<WebSocket, Set<string>>();
  private outbox: string[] = [];
  private lastSentAt = 0;
  private nextId = 1;
  private attempt = 0;
  private lastActivity = 0;
  private stopped = false;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private rotateTimer: NodeJS.Timeout | null = null;
  private watchdogTimer: NodeJS.Timeout | null = null;
  private sendTimer: NodeJS.Timeout | null = null;
  private candidateTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly opts: ConnectionOptions,
    private readonly events: ConnectionEvents,
  ) {}

  isOpen(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  start(): void {
    this.stopped = false;
    if (!this.ws && !this.reconnectTimer && this.desired.size > 0) this.connect();
    this.scheduleWatchdog();
  }

  add(streams: string[]): void {
    for (const s of streams) this.desired.add(s);
    if (this.stopped) return;
    if (!this.ws && !this.reconnectTimer) this.connect();
    else this.sync();
  }

  remove(streams: string[]): void {
    for (const s of streams) this.desired.delete(s);
    this.sync();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of [this.reconnectTimer, this.rotateTimer, this.watchdogTimer, this.sendTimer, this.candidateTimer])
      if (t) clearTimeout(t);
    this.reconnectTimer = this.rotateTimer = this.watchdogTimer = this.sendTimer = this.candidateTimer = null;
    this.outbox = [];
    const sockets = [this.ws, this.candidate].filter((w): w is WebSocket => w !== null);
    this.ws = null;
    this.candidate = null;
    await Promise.all(sockets.map((w) => closeSocket(w)));
  }

  // --- connection lifecycle --------------------------------------------------------------------

  private open(): WebSocket {
    const all = [...this.desired];
    const inUrl = all.slice(0, this.opts.urlStreamLimit);
    const url = `${this.opts.baseUrl.replace(/\/+$/, '')}/${this.opts.route}/stream?streams=${inUrl.join('/')}`;
    const ws = new WebSocket(url, { handshakeTimeout: this.opts.silenceTimeoutMs, perMessageDeflate: false });
    this.has.set(ws, new Set(inUrl));
    ws.on('message', (buf) => this.onMessage(ws, buf));
    ws.on('error', (err) => this.opts.logger.debug({ err }, 'binance ws socket error'));
    ws.on('close', (code, reason) => this.onClose(ws, code, reason.toString()));
    // `ws` answers server pings with pongs by itself (autoPong); nothing to do here.
    return ws;
  }

  private connect(): void {
    if (this.stopped || this.desired.size === 0) return;
    const ws = this.open();
    this.ws = ws;
    this.lastActivity = this.opts.now();
    ws.on('open', () => {
      if (ws !== this.ws) return;
      this.lastActivity = this.opts.now();
      this.events.open();
      this.scheduleRotation();
      this.sync();
    });
  }

  private onClose(ws: WebSocket, code: number, reason: string): void {
    if (ws === this.candidate) {
      this.candidate = null;
      if (this.candidateTimer) clearTimeout(this.candidateTimer);
      this.candidateTimer = null;
      this.scheduleRotation(Math.min(this.opts.silenceTimeoutMs, 5000));
      return;
    }
    if (ws !== this.ws) return; // an old connection we rotated away from
    this.ws = null;
    this.outbox = [];
    if (this.rotateTimer) clearTimeout(this.rotateTimer);
    this.rotateTimer = null;
    if (this.stopped) return;
    this.events.close(code, reason);
    const delay = backoffDelay(this.attempt++, { baseMs: this.opts.reconnectBaseMs, maxMs: this.opts.reconnectMaxMs });
    this.opts.logger.info({ code, reason, delayMs: delay, attempt: this.attempt }, 'binance ws closed; reconnecting');
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.events.reconnect();
      this.connect();
    }, delay);
  }

  private onMessage(ws: WebSocket, buf: WebSocket.RawData): void {
    if (ws === this.candidate) this.promote(ws);
    if (ws !== this.ws) return;
    this.lastActivity = this.opts.now();
    let msg: unknown;
    try {
      msg = JSON.parse(buf.toString());
    } catch {
      this.opts.logger.warn('binance ws sent a frame that is not JSON; ignored');
      return;
    }
    if (msg && typeof msg === 'object' && 'stream' in msg && 'data' in msg && typeof msg.stream === 'string') {
      this.attempt = 0;
      this.events.frame(msg.stream, msg.data);
    } else if (msg && typeof msg === 'object' && ('result' in msg || 'error' in msg)) {
      this.events.reply(msg as Parameters<ConnectionEvents['reply']>[0]);
    }
  }

  // --- rotation (before the 24 h disconnect): open the new one first, switch when it has data ----

  private scheduleRotation(after = this.opts.rotateAfterMs): void {
    if (this.rotateTimer) clearTimeout(this.rotateTimer);
    this.rotateTimer = setTimeout(() => {
      this.rotateTimer = null;
      this.rotate();
    }, after);
  }

  private rotate(): void {
    if (this.stopped || this.candidate || !this.isOpen()) return;
    this.opts.logger.info('binance ws rotating connection before the 24 h limit');
    const ws = this.open();
    this.candidate = ws;
    this.candidateTimer = setTimeout(() => {
      if (this.candidate !== ws) return;
      this.opts.logger.warn('binance ws rotation candidate received no data; keeping the current connection');
      ws.terminate();
    }, this.opts.silenceTimeoutMs);
  }

  private promote(ws: WebSocket): void {
    const old = this.ws;
    this.candidate = null;
    if (this.candidateTimer) clearTimeout(this.candidateTimer);
    this.candidateTimer = null;
    this.ws = ws;
    this.outbox = [];
    this.lastActivity = this.opts.now();
    if (old) void closeSocket(old, 'rotated');
    this.scheduleRotation();
    this.sync();
  }

  // --- silence watchdog ------------------------------------------------------------------------

  private scheduleWatchdog(): void {
    if (this.stopped) return;
    const every = Math.max(50, Math.min(1000, Math.floor(this.opts.silenceTimeoutMs / 4)));
    this.watchdogTimer = setTimeout(() => {
      this.watchdogTimer = null;
      const ws = this.ws;
      if (ws && ws.readyState === WebSocket.OPEN && this.opts.now() - this.lastActivity > this.opts.silenceTimeoutMs) {
        this.opts.logger.warn(
          { silentMs: this.opts.now() - this.lastActivity },
          'binance ws silent; replacing the connection',
        );
        ws.terminate();
      }
      this.scheduleWatchdog();
    }, every);
  }

  // --- SUBSCRIBE / UNSUBSCRIBE, paced ---------------------------------------------------------

  private sync(): void {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return;
    const has = this.has.get(ws) ?? new Set<string>();
    const add = [...this.desired].filter((s) => !has.has(s));
    const drop = [...has].filter((s) => !this.desired.has(s));
    for (const s of add) has.add(s);
    for (const s of drop) has.delete(s);
    for (let i = 0; i < drop.length; i += 200) this.enqueue('UNSUBSCRIBE', drop.slice(i, i + 200));
    for (let i = 0; i < add.length; i += 200) this.enqueue('SUBSCRIBE', add.slice(i, i + 200));
  }

  private enqueue(method: 'SUBSCRIBE' | 'UNSUBSCRIBE', params: string[]): void {
    this.outbox.push(JSON.stringify({ method, params, id: this.nextId++ }));
    this.pumpOutbox();
  }

  private pumpOutbox(): void {
    if (this.sendTimer || this.outbox.length === 0) return;
    const interval = 1000 / this.opts.maxMessagesPerSec;
    const wait = Math.max(0, this.lastSentAt + interval - this.opts.now());
    this.sendTimer = setTimeout(() => {
      this.sendTimer = null;
      const ws = this.ws;
      const msg = this.outbox.shift();
      if (msg === undefined || !ws || ws.readyState !== WebSocket.OPEN) return;
      ws.send(msg);
      this.lastSentAt = this.opts.now();
      this.pumpOutbox();
    }, wait);
  }
}

function closeSocket(ws: WebSocket, reason = 'stop'): Promise<void> {
  return new Promise((resolve) => {
    if (ws.readyState === WebSocket.CLOSED) return resolve();
    const t = setTimeout(() => {
      ws.terminate();
      resolve();
    }, 1000);
    ws.once('close', () => {
      clearTimeout(t);
      resolve();
    });
    if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
    else ws.close(1000, reason);
  });
}
