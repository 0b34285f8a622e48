import { VolspikeError } from '@volspike/errors';
import { createHash } from 'node:crypto';
import type { Logger } from '@volspike/runtime';
import { backoffDelay } from '@volspike/runtime';

/** One good copy of Binance's exchangeInfo, exactly as Binance sent it. */
export interface ExchangeInfoCopy {
  body: string;
  json: unknown;
  etag: string;
  fetchedAt: number;
}

export type CacheState = 'empty' | 'fresh' | 'stale';

export interface CacheStatus {
  state: CacheState;
  ageSec: number | null;
  fetchedAt: string | null;
  consecutiveFailures: number;
  lastError: string | null;
  lastErrorAt: string | null;
  upstreamFetches: number;
}

export class ExchangeInfoUnavailableError extends VolspikeError<'EXCHANGE_INFO_UNAVAILABLE'> {
  constructor(message: string, options?: { cause?: unknown }) {
    super('EXCHANGE_INFO_UNAVAILABLE', message, options);
  }
}

export interface ExchangeInfoCacheOptions {
  /** Fetches Binance's exchangeInfo (through binance-client and the shared weight budget). */
  fetch: () => Promise<{ body: string; json: unknown }>;
  refreshMs: number;
  logger: Logger;
  now?: () => number;
  /** With no copy at all, a request triggers an upstream fetch at most this often (default 1000 ms). */
  onDemandMinGapMs?: number;
  onFetch?: (outcome: 'ok' | 'error') => void;
}

export function computeEtag(body: string): string {
  return `"${createHash('sha1').update(body).digest('base64url')}"`;
}

/**
 * Keeps the last good exchangeInfo and refreshes it in the background on a setTimeout chain. Concurrent
 * callers share one in-flight upstream request; when Binance fails the last good copy keeps being served
 * (stale-while-error) and the failure is logged once per outage.
 */
export class ExchangeInfoCache {
  private copy: ExchangeInfoCopy | null = null;
  private inflight: Promise<ExchangeInfoCopy> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = true;
  private failures = 0;
  private lastError: string | null = null;
  private lastErrorAt: number | null = null;
  private lastAttemptAt: number | null = null;
  private fetches = 0;
  private readonly now: () => number;
  private readonly onDemandMinGapMs: number;

  constructor(private readonly opts: ExchangeInfoCacheOptions) {
    this.now = opts.now ?? Date.now;
    this.onDemandMinGapMs = opts.onDemandMinGapMs ?? 1000;
  }

  /** Starts the background refresh with an immediate first fetch (not awaited). */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** The last good copy, or null before the first success. Synchronous. */
  current(): ExchangeInfoCopy | null {
    return this.copy;
  }

  /**
   * The last good copy; with none yet, one upstream fetch shared by every concurrent caller.
   * Throws ExchangeInfoUnavailableError when there is no copy and upstream fails.
   */
  async get(): Promise<ExchangeInfoCopy> {
    if (this.copy) return this.copy;
    if (this.inflight) return this.inflight;
    const last = this.lastAttemptAt;
    if (last !== null && this.now() - last < this.onDemandMinGapMs) {
      throw new ExchangeInfoUnavailableError(this.lastError ?? 'exchangeInfo not fetched yet');
    }
    return this.refresh();
  }

  /** Fetches now (joining an in-flight fetch if there is one). */
  refresh(): Promise<ExchangeInfoCopy> {
    if (this.inflight) return this.inflight;
    this.lastAttemptAt = this.now();
    this.fetches += 1;
    const p = this.opts
      .fetch()
      .then(({ body, json }) => {
        const copy: ExchangeInfoCopy = { body, json, etag: computeEtag(body), fetchedAt: this.now() };
        this.copy = copy;
        if (this.failures > 0) {
          this.opts.logger.info({ failures: this.failures }, 'exchangeInfo refresh recovered');
        }
        this.failures = 0;
        this.opts.onFetch?.('ok');
        return copy;
      })
      .catch((err: unknown) => {
        this.failures += 1;
        this.lastError = err instanceof Error ? err.message : String(err);
        this.lastErrorAt = this.now();
        this.opts.onFetch?.('error');
        if (this.failures === 1) {
          this.opts.logger.warn(
            { err, haveCopy: this.copy !== null },
            this.copy
              ? 'exchangeInfo refresh failed; serving the last good copy'
              : 'exchangeInfo fetch failed; no copy to serve',
          );
        }
        throw new ExchangeInfoUnavailableError(`Binance exchangeInfo unavailable: ${this.lastError}`, { cause: err });
      })
      .finally(() => {
        this.inflight = null;
      });
    this.inflight = p;
    return p;
  }

  status(): CacheStatus {
    const copy = this.copy;
    const ageMs = copy ? Math.max(0, this.now() - copy.fetchedAt) : null;
    let state: CacheState = 'empty';
    if (copy && ageMs !== null) state = this.failures > 0 || ageMs > 2 * this.opts.refreshMs ? 'stale' : 'fresh';
    return {
      state,
      ageSec: ageMs === null ? null : Math.floor(ageMs / 1000),
      fetchedAt: copy ? new Date(copy.fetchedAt).toISOString() : null,
      consecutiveFailures: this.failures,
      lastError: this.lastError,
      lastErrorAt: this.lastErrorAt === null ? null : new Date(this.lastErrorAt).toISOString(),
      upstreamFetches: this.fetches,
    };
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.tick();
    }, delayMs);
    this.timer.unref?.();
  }

  private async tick(): Promise<void> {
    try {
      await this.refresh();
      this.schedule(this.opts.refreshMs);
    } catch {
      // Logged in refresh(); retry sooner than the regular interval, with capped jittered backoff.
      this.schedule(Math.min(this.opts.refreshMs, backoffDelay(this.failures - 1, { baseMs: 1000, maxMs: 30_000 })));
    }
  }
}
