import { z } from 'zod';
import { NO_RETRY } from '@volspike/backend-client';
import type { BackendClient } from '@volspike/backend-client';
import { CHANNELS, KEYS, backoffDelay, type Bus, type Logger } from '@volspike/runtime';
import { inShard, type Shard } from './shard.js';

export interface UniverseSymbol {
  symbol: string;
  quoteVolume24h: number | null;
}

const UniverseSchema = z.object({
  symbols: z.array(z.object({ symbol: z.string().min(1), quoteVolume24h: z.number().nullable().optional() }).loose()),
});

export interface UniverseFollowerOptions {
  bus: Bus;
  /** The backend client (route `liquidUniverse`, the fallback while the bus is silent). */
  backend: Pick<BackendClient, 'get'>;
  shard: Shard;
  logger: Logger;
  /** Backend fallback refresh while the bus is silent. */
  refreshMs: number;
  onChange: (symbols: UniverseSymbol[], source: 'bus' | 'backend') => void;
  now?: () => number;
}

/**
 * Follows the liquid universe: KEYS.universe at start and every CHANNELS.universe message (applied at
 * once, no restart). When the bus has nothing (or has been silent for a while) it asks the backend's
 * `GET /api/market/open-interest/liquid-universe`, with backoff on failure. It never gives up and never
 * replaces a known universe with an empty one (legacy defects 10 and 16).
 */
export class UniverseFollower {
  private current: UniverseSymbol[] = [];
  private lastBusAt: number | null = null;
  private lastSource: 'bus' | 'backend' | null = null;
  private unsubscribe: (() => Promise<void>) | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private failures = 0;
  private inFlight: Promise<void> | null = null;
  private readonly abort = new AbortController();
  private readonly log: Logger;
  private readonly now: () => number;
  private lastError: string | null = null;

  constructor(private readonly opts: UniverseFollowerOptions) {
    this.log = opts.logger.child({ component: 'universe-follower' });
    this.now = opts.now ?? Date.now;
  }

  async start(): Promise<void> {
    this.running = true;
    this.unsubscribe = await this.opts.bus.subscribe(CHANNELS.universe, (msg) => this.apply(msg, 'bus'));
    try {
      const stored = await this.opts.bus.getJson(KEYS.universe);
      if (stored !== null) this.apply(stored, 'bus');
    } catch (err) {
      this.log.warn({ err }, 'could not read the universe from the bus');
    }
    this.schedule(this.current.length === 0 ? 0 : this.opts.refreshMs);
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.abort.abort();
    if (this.inFlight) await this.inFlight;
    const u = this.unsubscribe;
    this.unsubscribe = null;
    if (u) await u().catch(() => undefined);
  }

  symbols(): UniverseSymbol[] {
    return this.current;
  }

  status(): { size: number; source: 'bus' | 'backend' | null; lastError: string | null } {
    return { size: this.current.length, source: this.lastSource, lastError: this.lastError };
  }

  /** Applies a universe message; ignored when malformed or empty (an empty list is never trusted). */
  apply(msg: unknown, source: 'bus' | 'backend'): boolean {
    const parsed = UniverseSchema.safeParse(msg);
    if (!parsed.success) {
      this.log.warn({ source, issue: parsed.error.issues[0]?.message }, 'ignoring a malformed universe message');
      return false;
    }
    if (source === 'bus') this.lastBusAt = this.now();
    const all = parsed.data.symbols.map((s) => ({
      symbol: s.symbol,
      quoteVolume24h: typeof s.quoteVolume24h === 'number' ? s.quoteVolume24h : null,
    }));
    if (all.length === 0) {
      this.log.warn({ source, kept: this.current.length }, 'ignoring an empty universe; keeping the current one');
      return false;
    }
    const mine = all.filter((s) => inShard(s.symbol, this.opts.shard));
    const changed =
      mine.length !== this.current.length ||
      mine.some((s, i) => s.symbol !== this.current[i]?.symbol || s.quoteVolume24h !== this.current[i]?.quoteVolume24h);
    this.lastSource = source;
    if (!changed) return false;
    this.current = mine;
    this.opts.onChange(mine, source);
    return true;
  }

  private schedule(delayMs: number): void {
    if (!this.running) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.inFlight = this.refresh().finally(() => {
        this.inFlight = null;
      });
    }, delayMs);
  }

  /** Backend fallback: only while the bus has not delivered a universe within the refresh period. */
  private async refresh(): Promise<void> {
    const busFresh = this.lastBusAt !== null && this.now() - this.lastBusAt < this.opts.refreshMs * 2;
    if (busFresh && this.current.length > 0) {
      this.schedule(this.opts.refreshMs);
      return;
    }
    try {
      // this loop backs off on its own: one attempt per refresh
      const body = await this.opts.backend.get('liquidUniverse', {
        signal: this.abort.signal,
        timeoutMs: 10_000,
        retry: NO_RETRY,
      });
      this.apply(body, 'backend');
      if (this.current.length === 0) throw new Error('the backend has no liquid universe yet');
      if (this.failures > 0) this.log.info({ size: this.current.length }, 'universe available again');
      this.failures = 0;
      this.lastError = null;
      this.schedule(this.opts.refreshMs);
    } catch (err) {
      if (!this.running) return;
      this.failures++;
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      this.lastError = `universe unavailable: ${(err as Error).message}${cause ? ` (${cause.code ?? cause.message ?? 'unknown'})` : ''}`;
      const delay = Math.min(this.opts.refreshMs, backoffDelay(this.failures - 1, { baseMs: 1000, maxMs: 30_000 }));
      if (this.failures === 1)
        this.log.warn(
          { err, retryInMs: delay, known: this.current.length },
          'universe unavailable from the backend; retrying with backoff',
        );
      this.schedule(this.current.length === 0 ? delay : this.opts.refreshMs);
    }
  }
}
