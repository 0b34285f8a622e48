import type { Logger } from '@volspike/runtime';
import type { Gauge, Counter } from 'prom-client';
import type { FundingStore } from './funding-store.js';

export interface GapWatchOptions {
  store: FundingStore;
  gapSec: number;
  logger: Logger;
  connected: () => boolean;
  gaps: Counter;
  gapped: Gauge;
  now: () => number;
}

/**
 * Gap detection on a setTimeout chain (every second, or half the gap when that is shorter): symbols with no
 * update for `gapSec` are logged as one summary line per check (a reconnect gaps every symbol at once) and
 * counted; the end of a gap is logged too.
 */
export class GapWatch {
  private timer: NodeJS.Timeout | null = null;
  private running = false;

  constructor(private readonly opts: GapWatchOptions) {}

  start(): void {
    this.running = true;
    this.schedule();
  }

  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  check(): void {
    const { store, logger, gapSec } = this.opts;
    const g = store.checkGaps(this.opts.now(), gapSec * 1000);
    this.opts.gapped.set(g.current);
    if (g.started.length > 0) {
      this.opts.gaps.inc(g.started.length);
      logger.warn(
        {
          count: g.started.length,
          symbols: g.started.slice(0, 20),
          inGap: g.current,
          gapSec,
          connected: this.opts.connected(),
        },
        'mark-price gap: symbols without an update',
      );
    }
    if (g.ended.length > 0)
      logger.info({ count: g.ended.length, symbols: g.ended.slice(0, 20), inGap: g.current }, 'mark-price gap ended');
  }

  private schedule(): void {
    if (!this.running) return;
    this.timer = setTimeout(
      () => {
        this.check();
        this.schedule();
      },
      Math.min(1000, (this.opts.gapSec * 1000) / 2),
    );
    this.timer.unref?.();
  }
}
