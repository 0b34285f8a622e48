import { NO_RETRY } from '@volspike/backend-client';
import type { BackendClient } from '@volspike/backend-client';
import type { OpenInterestHistPoint } from '@volspike/binance-client';
import type { OiSample } from '@volspike/oi-core';
import { sleep, type Logger } from '@volspike/runtime';
import { mergeSamples, type HistoryStore } from './history-store.js';

const HIST_PERIOD_MS = 5 * 60_000;
/** A hole this long inside the needed span means the stored samples cannot serve as a baseline. */
const MAX_GAP_MS = 10 * 60_000;

export interface WarmStartOptions {
  /** The backend client (route `oiSamples`). */
  backend: Pick<BackendClient, 'get'>;
  history: HistoryStore;
  /** openInterestHist (5m) through the budget as 'oi-poller:backfill'; null disables that source. */
  hist: { history(symbol: string, limit: number, endTime?: number): Promise<OpenInterestHistPoint[]> } | null;
  /** How far back the alert rules look (longest lookback/window + tolerance). */
  neededSpanMs: number;
  histSpacingMs: number;
  /** Interval currently planned for the symbol (sizes its buffer), null when it left the universe. */
  intervalFor: (symbol: string) => number | null;
  logger: Logger;
  now?: () => number;
  backendConcurrency?: number;
}

/**
 * Fills each new symbol's baseline history so alerts work right after a (re)start: first the backend's
 * stored realtime samples (`GET /api/market/open-interest/samples`), then — when those do not cover the
 * span the rules need — Binance's 5-minute `openInterestHist` (≤ 36 points), paced for its own
 * 1000 req / 5 min limit and at backfill priority in the weight budget.
 */
export class WarmStarter {
  private readonly backendQueue: string[] = [];
  private readonly histQueue: string[] = [];
  private readonly queued = new Set<string>();
  private running = false;
  private readonly abort = new AbortController();
  private backendWorkers = 0;
  private histWorker: Promise<void> | null = null;
  private readonly workers = new Set<Promise<void>>();
  private readonly log: Logger;
  private readonly now: () => number;
  private counters = { backendSamples: 0, histPoints: 0, symbolsDone: 0, backendErrors: 0, histErrors: 0 };
  private lastHistAt = 0;

  constructor(private readonly opts: WarmStartOptions) {
    this.log = opts.logger.child({ component: 'warm-start' });
    this.now = opts.now ?? Date.now;
  }

  start(): void {
    this.running = true;
    this.pump();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.abort.abort();
    await Promise.allSettled([...this.workers]);
  }

  enqueue(symbols: readonly string[]): void {
    for (const s of symbols) {
      if (this.queued.has(s)) continue;
      this.queued.add(s);
      this.backendQueue.push(s);
    }
    this.pump();
  }

  pendingCount(): number {
    return this.queued.size;
  }

  stats(): typeof this.counters & { pending: number } {
    return { ...this.counters, pending: this.queued.size };
  }

  private pump(): void {
    if (!this.running) return;
    const limit = this.opts.backendConcurrency ?? 4;
    while (this.backendWorkers < limit && this.backendQueue.length > 0) {
      this.backendWorkers++;
      this.track(this.backendLoop().finally(() => this.backendWorkers--));
    }
    if (!this.histWorker && this.histQueue.length > 0 && this.opts.hist) {
      this.histWorker = this.histLoop().finally(() => {
        this.histWorker = null;
        this.pump();
      });
      this.track(this.histWorker);
    }
  }

  private track(p: Promise<void>): void {
    this.workers.add(p);
    void p.finally(() => this.workers.delete(p));
  }

  private async backendLoop(): Promise<void> {
    while (this.running) {
      const symbol = this.backendQueue.shift();
      if (symbol === undefined) return;
      if (this.opts.intervalFor(symbol) === null) {
        this.queued.delete(symbol);
        continue;
      }
      try {
        const n = await this.fromBackend(symbol);
        this.counters.backendSamples += n;
      } catch (err) {
        if (!this.running) return;
        this.counters.backendErrors++;
        this.log.debug({ err, symbol }, 'stored samples unavailable; using openInterestHist');
      }
      if (this.needsHist(symbol) && this.opts.hist) {
        this.histQueue.push(symbol);
        this.pump();
      } else {
        this.done(symbol);
      }
    }
  }

  private done(symbol: string): void {
    this.queued.delete(symbol);
    this.counters.symbolsDone++;
    if (this.queued.size === 0) this.log.info(this.counters, 'warm start finished for every queued symbol');
  }

  private async fromBackend(symbol: string): Promise<number> {
    const since = new Date(this.now() - this.opts.neededSpanMs).toISOString();
    const body = await this.opts.backend.get('oiSamples', {
      query: { symbol, since, limit: '10000' },
      signal: this.abort.signal,
      timeoutMs: 10_000,
      // a failure falls back to openInterestHist at once (as before): no retry waits per symbol
      retry: NO_RETRY,
    });
    const samples: OiSample[] = [];
    for (const raw of body.samples) {
      const ts = Date.parse(raw.ts);
      if (!Number.isFinite(ts) || typeof raw.openInterest !== 'number' || !(raw.openInterest > 0)) continue;
      samples.push({
        ts,
        oi: raw.openInterest,
        mark: typeof raw.markPrice === 'number' && raw.markPrice > 0 ? raw.markPrice : null,
      });
    }
    const interval = this.opts.intervalFor(symbol);
    if (interval === null) return 0;
    return mergeSamples(this.opts.history.ensure(symbol, interval), samples);
  }

  /** True when the buffered history does not reach back over the needed span or has a long hole in it. */
  needsHist(symbol: string): boolean {
    const buf = this.opts.history.get(symbol);
    const now = this.now();
    const from = now - this.opts.neededSpanMs;
    if (!buf || buf.size === 0) return true;
    const samples = buf.range(from - MAX_GAP_MS, now);
    const first = samples[0];
    if (!first || first.ts > from + HIST_PERIOD_MS) return true;
    for (let i = 1; i < samples.length; i++) {
      if ((samples[i] as OiSample).ts - (samples[i - 1] as OiSample).ts > MAX_GAP_MS) return true;
    }
    return false;
  }

  private async histLoop(): Promise<void> {
    const hist = this.opts.hist;
    if (!hist) return;
    while (this.running) {
      const symbol = this.histQueue.shift();
      if (symbol === undefined) return;
      const wait = this.lastHistAt + this.opts.histSpacingMs - this.now();
      if (wait > 0) {
        try {
          await sleep(wait, this.abort.signal);
        } catch {
          return;
        }
      }
      this.lastHistAt = this.now();
      const interval = this.opts.intervalFor(symbol);
      if (interval !== null) {
        try {
          const limit = Math.min(36, Math.ceil(this.opts.neededSpanMs / HIST_PERIOD_MS) + 1);
          const points = await hist.history(symbol, limit);
          const samples: OiSample[] = points.map((p) => ({
            ts: p.timestamp,
            oi: p.sumOpenInterest,
            mark:
              p.sumOpenInterest > 0 && p.sumOpenInterestValue > 0 ? p.sumOpenInterestValue / p.sumOpenInterest : null,
          }));
          this.counters.histPoints += mergeSamples(this.opts.history.ensure(symbol, interval), samples);
        } catch (err) {
          if (!this.running) return;
          this.counters.histErrors++;
          this.log.debug({ err, symbol }, 'openInterestHist failed; the symbol builds its baseline from live samples');
        }
      }
      this.done(symbol);
    }
  }
}
