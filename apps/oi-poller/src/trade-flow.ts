// TradeFlow: contracts traded per symbol since its last OI poll, from `<symbol>@kline_1m` on routed combined
// streams (one stream per polled symbol, spread over connections of at most 300 streams).
//
// Why kline_1m and not !ticker@arr (docs/binance.md §3): a 1m kline carries `v`, the base volume (= contracts) of
// its minute, which only grows inside the minute and is final with `x: true`; the difference of two updates
// is exactly what traded between them, pushed every 250 ms. `!ticker@arr` comes once a second and its `v`
// is a rolling 24 h sum: its difference is "traded minus what left the window", not what traded. The cost
// — one stream per symbol, 450 over 2 connections — is far inside the 1024 streams per connection, and the
// subscriptions ride in the URL or in paced SUBSCRIBE messages (the client keeps under 10 messages/s).
import { BinanceWsClient, type KlineUpdate } from '@volspike/binance-client';
import type { Logger } from '@volspike/runtime';

/** What the scheduler needs from a trade feed. */
export interface TradeFeed {
  /** contracts traded since `markPolled(symbol)`; null = unknown (feed down, or a gap since the last poll) */
  tradedSince(symbol: string): number | null;
  /** a poll of `symbol` was just sent: its count starts again from 0 */
  markPolled(symbol: string): void;
  /** true while the stream delivers (connected, a frame within the silence window) */
  live(): boolean;
}

/** The subset of BinanceWsClient TradeFlow uses (tests may pass another). */
export type KlineStreamClient = Pick<
  BinanceWsClient,
  'on' | 'start' | 'stop' | 'subscribe' | 'unsubscribe' | 'connected'
>;

export interface TradeFlowOptions {
  wsUrl: string;
  logger: Logger;
  /** no frame for this long → the feed counts as down (default 10 s) */
  silenceMs?: number;
  now?: () => number;
  client?: (streams: string[]) => KlineStreamClient;
}

interface Flow {
  /** open time and base volume of the newest 1m kline seen */
  openTime: number | null;
  volume: number;
  /** contracts since the last poll; null = unknown until the next poll */
  traded: number | null;
}

const streamOf = (symbol: string): string => `${symbol.toLowerCase()}@kline_1m`;

export class TradeFlow implements TradeFeed {
  private readonly flows = new Map<string, Flow>();
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly silenceMs: number;
  private client: KlineStreamClient | null = null;
  private lastFrameAt: number | null = null;
  private wasOpen = false;
  private downLogged = false;

  constructor(private readonly opts: TradeFlowOptions) {
    this.log = opts.logger.child({ component: 'trade-flow' });
    this.now = opts.now ?? Date.now;
    this.silenceMs = opts.silenceMs ?? 10_000;
  }

  /** Follows exactly these symbols (new ones start unknown until their first poll). */
  setSymbols(symbols: readonly string[]): void {
    const want = new Set(symbols);
    const gone = [...this.flows.keys()].filter((s) => !want.has(s));
    const fresh = symbols.filter((s) => !this.flows.has(s));
    for (const s of gone) this.flows.delete(s);
    for (const s of fresh) this.flows.set(s, { openTime: null, volume: 0, traded: null });
    if (!this.client) {
      if (this.flows.size > 0) this.connect([...this.flows.keys()].map(streamOf));
      return;
    }
    if (gone.length > 0) this.client.unsubscribe(gone.map(streamOf));
    if (fresh.length > 0) this.client.subscribe(fresh.map(streamOf));
  }

  private connect(streams: string[]): void {
    const make =
      this.opts.client ??
      ((s: string[]) =>
        new BinanceWsClient({ baseUrl: this.opts.wsUrl, streams: s, logger: this.log, maxStreamsPerConnection: 300 }));
    const c = make(streams);
    c.on('kline', (u) => this.onKline(u));
    c.on('open', () => {
      if (this.wasOpen) {
        // what traded while we were away is unknown: every symbol ranks by age until its next poll
        for (const f of this.flows.values()) f.traded = null;
        this.log.info('kline stream back: traded volumes restart from each symbol’s next poll');
      }
      this.wasOpen = true;
      this.downLogged = false;
    });
    c.on('close', (e) => {
      if (!this.downLogged)
        this.log.warn(
          { code: e.code, reason: e.reason },
          'kline stream closed: OI scheduling by staleness until it is back',
        );
      this.downLogged = true;
    });
    c.on('error', (err) => this.log.debug({ err }, 'kline stream error'));
    this.client = c;
    c.start();
  }

  private onKline(u: KlineUpdate): void {
    const f = this.flows.get(u.symbol);
    if (!f || u.interval !== '1m') return;
    this.lastFrameAt = this.now();
    const v = u.kline.volume;
    const t = u.kline.openTime;
    let delta: number;
    if (f.openTime === null)
      delta = 0; // the first frame is a baseline, not a trade
    else if (t === f.openTime) delta = Math.max(0, v - f.volume);
    else if (t > f.openTime)
      delta = v; // a new minute: its volume so far (the old one ended with x: true)
    else return; // a late frame of an older minute
    f.openTime = t;
    f.volume = v;
    if (f.traded !== null) f.traded += delta;
  }

  tradedSince(symbol: string): number | null {
    if (!this.live()) return null;
    return this.flows.get(symbol)?.traded ?? null;
  }

  markPolled(symbol: string): void {
    const f = this.flows.get(symbol);
    if (f) f.traded = 0;
  }

  live(): boolean {
    return (
      this.client !== null &&
      this.client.connected() &&
      this.lastFrameAt !== null &&
      this.now() - this.lastFrameAt <= this.silenceMs
    );
  }

  status(): { live: boolean; symbols: number; lastFrameAt: number | null } {
    return { live: this.live(), symbols: this.flows.size, lastFrameAt: this.lastFrameAt };
  }

  async stop(): Promise<void> {
    const c = this.client;
    this.client = null;
    if (c) await c.stop();
  }
}
