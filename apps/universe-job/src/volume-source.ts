import { VolspikeError } from '@volspike/errors';
import { BinanceWsClient } from '@volspike/binance-client';
import type { BinanceRestClient, TickerUpdate } from '@volspike/binance-client';
import type { Logger } from '@volspike/runtime';

export type VolumeOrigin = 'ws' | 'rest';

export interface VolumeReading {
  /** 24h quote volume (USDT) per symbol; a symbol absent here has no data (it is not zero). */
  volumes: Map<string, number>;
  source: VolumeOrigin;
}

export class VolumeUnavailableError extends VolspikeError<'VOLUME_UNAVAILABLE'> {
  constructor(message: string, options?: { cause?: unknown }) {
    super('VOLUME_UNAVAILABLE', message, options);
  }
}

/** The subset of BinanceWsClient the feed uses (lets tests drive it without a socket). */
export interface TickerStream {
  on(event: 'ticker', listener: (updates: TickerUpdate[]) => void): unknown;
  on(event: 'open', listener: () => void): unknown;
  on(event: 'close', listener: (info: { code: number; reason: string }) => void): unknown;
  start(): void;
  stop(): Promise<void>;
  connected(): boolean;
}

/**
 * Latest 24h quote volume per symbol from `!ticker@arr`, merged into a map (each frame carries only the
 * symbols that changed). Trusted only after the stream has been connected for `warmupMs` without a break.
 */
export class TickerVolumeFeed {
  private readonly latest = new Map<string, number>();
  private openedAt: number | null = null;
  private stream: TickerStream | null = null;

  constructor(
    private readonly opts: {
      wsUrl: string;
      warmupMs: number;
      logger: Logger;
      now?: () => number;
      createStream?: () => TickerStream;
    },
  ) {}

  start(): void {
    if (this.stream) return;
    const now = this.opts.now ?? Date.now;
    const stream =
      this.opts.createStream?.() ??
      (new BinanceWsClient({
        baseUrl: this.opts.wsUrl,
        route: 'market',
        streams: ['!ticker@arr'],
        logger: this.opts.logger,
      }) as unknown as TickerStream);
    stream.on('ticker', (updates: TickerUpdate[]) => {
      for (const u of updates) {
        if (Number.isFinite(u.quoteVolume)) this.latest.set(u.symbol, u.quoteVolume);
      }
    });
    stream.on('open', () => {
      this.openedAt = now();
    });
    stream.on('close', () => {
      this.openedAt = null;
    });
    this.stream = stream;
    stream.start();
  }

  async stop(): Promise<void> {
    const s = this.stream;
    this.stream = null;
    this.openedAt = null;
    if (s) await s.stop();
  }

  /** True when connected without a break for at least the warm-up time. */
  warmedUp(): boolean {
    const now = (this.opts.now ?? Date.now)();
    return (
      this.stream !== null &&
      this.stream.connected() &&
      this.openedAt !== null &&
      now - this.openedAt >= this.opts.warmupMs
    );
  }

  /** Volumes for the given symbols and the ones the stream has not carried yet; null while not warmed up. */
  read(symbols: readonly string[]): { volumes: Map<string, number>; missing: string[] } | null {
    if (!this.warmedUp()) return null;
    const volumes = new Map<string, number>();
    const missing: string[] = [];
    for (const s of symbols) {
      const v = this.latest.get(s);
      if (v === undefined) missing.push(s);
      else volumes.set(s, v);
    }
    return { volumes, missing };
  }

  size(): number {
    return this.latest.size;
  }
}

/**
 * 24h quote volumes: from the ticker stream once it has seen every listed symbol (a handful of gaps are
 * filled with weight-1 single-symbol tickers), else from `GET /fapi/v1/ticker/24hr` (weight 40).
 */
export class VolumeSource {
  private lastSource: VolumeOrigin | null = null;

  constructor(
    private readonly opts: {
      rest: BinanceRestClient;
      feed: TickerVolumeFeed | null;
      logger: Logger;
      /** Most single-symbol tickers worth fetching to fill WS gaps before falling back to the full list. */
      maxGapFill?: number;
    },
  ) {}

  async read(symbols: readonly string[]): Promise<VolumeReading> {
    const maxGapFill = this.opts.maxGapFill ?? 10;
    const ws = this.opts.feed?.read(symbols) ?? null;
    let reading: VolumeReading;
    let reason: string;
    if (ws && ws.missing.length <= maxGapFill) {
      for (const s of ws.missing) {
        try {
          const t = await this.opts.rest.ticker24hr(s);
          if (Number.isFinite(t.quoteVolume)) ws.volumes.set(s, t.quoteVolume);
        } catch (err) {
          // No data for this symbol this round: hysteresis keeps its membership unchanged.
          this.opts.logger.debug({ err, symbol: s }, 'single-symbol ticker failed');
        }
      }
      reading = { volumes: ws.volumes, source: 'ws' };
      reason = ws.missing.length ? `ticker stream, ${ws.missing.length} gap(s) filled over REST` : 'ticker stream';
    } else {
      reason = !this.opts.feed
        ? 'ticker stream disabled'
        : ws
          ? `ticker stream has not carried ${ws.missing.length} symbols yet`
          : 'ticker stream not connected or warming up';
      let rows;
      try {
        rows = await this.opts.rest.ticker24hr();
      } catch (err) {
        throw new VolumeUnavailableError('24h tickers unavailable', { cause: err });
      }
      if (rows.length === 0) throw new VolumeUnavailableError('ticker/24hr returned no rows');
      const volumes = new Map<string, number>();
      for (const r of rows) if (Number.isFinite(r.quoteVolume)) volumes.set(r.symbol, r.quoteVolume);
      reading = { volumes, source: 'rest' };
    }
    if (reading.source !== this.lastSource) {
      this.opts.logger.info({ source: reading.source, reason }, '24h volume source changed');
      this.lastSource = reading.source;
    }
    return reading;
  }
}
