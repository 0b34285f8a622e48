import { BinanceWsClient, type MarkPriceUpdate } from '@volspike/binance-client';
import type { Logger } from '@volspike/runtime';
import type { FundingStore } from './funding-store.js';

export interface FundingStreamOptions {
  baseUrl: string;
  stream: string;
  store: FundingStore;
  logger: Logger;
  silenceTimeoutMs: number;
  rotateAfterMs: number;
  reconnectBaseMs?: number;
  reconnectMaxMs?: number;
  now?: () => number;
  /** called after each batch is stored */
  onBatch?: (items: readonly MarkPriceUpdate[]) => void;
}

export interface FundingStreamStats {
  connected: boolean;
  messages: number;
  reconnects: number;
  lastMessageAt: number | null;
  lastConnectedAt: number | null;
  disconnectedSince: number | null;
  messagesPerMin: number;
}

/**
 * One combined routed connection carrying the mark-price array stream. Heartbeat (pong + silence
 * watchdog), jittered reconnect and pre-emptive rotation come from BinanceWsClient.
 */
export class FundingStream {
  private readonly client: BinanceWsClient;
  private readonly now: () => number;
  private lastConnectedAt: number | null = null;
  private disconnectedSince: number | null = null;
  /** per-second message counts of the last minute: [second, count] */
  private readonly buckets: [number, number][] = [];

  constructor(private readonly opts: FundingStreamOptions) {
    this.now = opts.now ?? Date.now;
    const log = opts.logger;
    this.client = new BinanceWsClient({
      baseUrl: opts.baseUrl,
      streams: [opts.stream],
      logger: log,
      silenceTimeoutMs: opts.silenceTimeoutMs,
      rotateAfterMs: opts.rotateAfterMs,
      maxStreamsPerConnection: 1024,
      ...(opts.reconnectBaseMs !== undefined ? { reconnectBaseMs: opts.reconnectBaseMs } : {}),
      ...(opts.reconnectMaxMs !== undefined ? { reconnectMaxMs: opts.reconnectMaxMs } : {}),
      now: this.now,
    });
    this.client.on('markPrice', (items) => {
      const t = this.now();
      opts.store.apply(items, t);
      this.count(t);
      opts.onBatch?.(items);
    });
    this.client.on('open', () => {
      const t = this.now();
      if (this.disconnectedSince !== null)
        log.info({ downSec: (t - this.disconnectedSince) / 1000 }, 'mark-price stream connected again');
      else log.info({ stream: opts.stream }, 'mark-price stream connected');
      this.lastConnectedAt = t;
      this.disconnectedSince = null;
    });
    this.client.on('close', ({ code, reason }) => {
      if (!this.client.connected() && this.disconnectedSince === null) {
        this.disconnectedSince = this.now();
        log.warn({ code, reason }, 'mark-price stream disconnected; reconnecting');
      }
    });
    this.client.on('error', (err) => log.debug({ err }, 'mark-price stream error'));
  }

  start(): void {
    this.client.start();
  }

  async stop(): Promise<void> {
    await this.client.stop();
  }

  connected(): boolean {
    return this.client.connected();
  }

  stats(): FundingStreamStats {
    const s = this.client.stats();
    const connected = this.client.connected();
    return {
      connected,
      messages: s.messages,
      reconnects: s.reconnects,
      lastMessageAt: s.lastMessageAt,
      lastConnectedAt: this.lastConnectedAt,
      disconnectedSince: connected
        ? null
        : (this.disconnectedSince ?? (this.lastConnectedAt === null ? null : this.now())),
      messagesPerMin: this.messagesPerMin(),
    };
  }

  private count(t: number): void {
    const sec = Math.floor(t / 1000);
    const last = this.buckets[this.buckets.length - 1];
    if (last && last[0] === sec) last[1]++;
    else this.buckets.push([sec, 1]);
    this.prune(sec);
  }

  private prune(sec: number): void {
    while (this.buckets.length > 0 && this.buckets[0]![0] <= sec - 60) this.buckets.shift();
  }

  /** Mark-price frames received over the last 60 s. */
  messagesPerMin(): number {
    this.prune(Math.floor(this.now() / 1000));
    return this.buckets.reduce((n, b) => n + b[1], 0);
  }
}
