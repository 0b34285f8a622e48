import { CHANNELS, KEYS, type Bus, type Logger, type MarkPricesMessage } from '@volspike/runtime';
import type { Counter } from 'prom-client';
import type { FundingStore } from './funding-store.js';

/**
 * Bus output on two setTimeout chains with in-flight guards: changed records on CHANNELS.markPrices at most
 * once per `publishIntervalMs`, and the full map under KEYS.markPrices every `snapshotIntervalMs`.
 * Bus errors are counted and logged once per episode; the next tick simply tries again.
 */
export class MarkPricePublisher {
  private timers: NodeJS.Timeout[] = [];
  private running = false;
  private inflight = new Set<Promise<void>>();
  private failing = false;

  constructor(
    private readonly opts: {
      bus: Bus;
      store: FundingStore;
      logger: Logger;
      publishIntervalMs: number;
      snapshotIntervalMs: number;
      snapshotTtlSec: number;
      published: Counter;
      errors: Counter;
      now?: () => number;
    },
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop(this.opts.publishIntervalMs, () => this.publishChanged());
    this.loop(this.opts.snapshotIntervalMs, () => this.writeSnapshot());
  }

  async stop(): Promise<void> {
    this.running = false;
    for (const t of this.timers) clearTimeout(t);
    this.timers = [];
    await Promise.all([...this.inflight]);
    // last state for readers after a clean stop
    await this.publishChanged();
    await this.writeSnapshot();
  }

  async publishChanged(): Promise<void> {
    const prices = this.opts.store.takeChanged();
    if (prices.length === 0) return;
    const msg: MarkPricesMessage = { updatedAt: (this.opts.now ?? Date.now)(), prices };
    await this.guard('publish', () => this.opts.bus.publish(CHANNELS.markPrices, msg));
    this.opts.published.inc({ kind: 'changes' });
  }

  async writeSnapshot(): Promise<void> {
    if (this.opts.store.size() === 0) return;
    await this.guard('snapshot', () =>
      this.opts.bus.setJson(KEYS.markPrices, this.opts.store.snapshot(), this.opts.snapshotTtlSec),
    );
    this.opts.published.inc({ kind: 'snapshot' });
  }

  private async guard(what: string, fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
      if (this.failing) this.opts.logger.info('bus writes succeed again');
      this.failing = false;
    } catch (err) {
      this.opts.errors.inc({ kind: what });
      if (!this.failing) this.opts.logger.warn({ err }, `bus ${what} failed (logged once until it recovers)`);
      this.failing = true;
    }
  }

  private loop(intervalMs: number, fn: () => Promise<void>): void {
    const tick = (): void => {
      if (!this.running) return;
      const p = fn().finally(() => {
        this.inflight.delete(p);
        if (this.running) schedule();
      });
      this.inflight.add(p);
    };
    const schedule = (): void => {
      const t = setTimeout(() => {
        this.timers = this.timers.filter((x) => x !== t);
        tick();
      }, intervalMs);
      t.unref?.();
      this.timers.push(t);
    };
    schedule();
  }
}
