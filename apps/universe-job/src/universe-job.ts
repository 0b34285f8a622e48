import type { BackendQueue } from '@volspike/backend-client';
import { backoffDelay } from '@volspike/runtime';
import type { HeartbeatBody, Logger, UniverseMessage } from '@volspike/runtime';
import { classify } from './classify.js';
import type { UniverseMetrics } from './metrics.js';
import type { SymbolSource } from './symbol-source.js';
import type { UniverseStore } from './universe-store.js';
import type { VolumeOrigin, VolumeSource } from './volume-source.js';

export interface UniverseJobOptions {
  symbols: SymbolSource;
  volumes: VolumeSource;
  store: UniverseStore;
  /** The backend client's queue (route `liquidUniverseUpdate`; the key is added at send time). */
  outbox: Pick<BackendQueue, 'enqueue'>;
  logger: Logger;
  metrics: UniverseMetrics;
  enterThreshold: number;
  exitThreshold: number;
  maxSymbols: number | undefined;
  refreshMs: number;
  /** Weight per minute the OI poller may spend, for the estimated poll interval. */
  oiWeightPerMin: number;
  estimateIntervalSec: (universeSize: number, weightPerMin: number) => number;
  now?: () => number;
}

export interface UniverseJobStatus {
  status: 'starting' | 'ok' | 'degraded';
  universeSize: number;
  entered: number;
  exited: number;
  source: VolumeOrigin | null;
  symbolsVia: 'proxy' | 'binance' | null;
  lastRefreshAt: string | null;
  lastAttemptAt: string | null;
  estimatedPollIntervalSec: number | null;
  outage: { since: string; reason: string } | null;
  priorLoadedFrom: string | null;
}

const errText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * The liquid-universe loop: every refresh, tradable USDT perpetuals + 24h quote volumes → hysteresis
 * against the current members → publish (bus + state file) → backend update through the outbox.
 * When an input fails it keeps the last universe, logs once per outage and reports degraded; it never
 * publishes a universe computed from a failed request.
 */
export class UniverseJob {
  private current: UniverseMessage | null = null;
  private priorLoaded = false;
  private priorLoadedFrom: string | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private inflight: Promise<void> | null = null;
  private failures = 0;
  private outage: { since: number; reason: string } | null = null;
  private lastSuccessAt: number | null = null;
  private lastAttemptAt: number | null = null;
  private lastEntered = 0;
  private lastExited = 0;
  private lastSource: VolumeOrigin | null = null;
  private lastVia: 'proxy' | 'binance' | null = null;
  private readonly now: () => number;

  constructor(private readonly opts: UniverseJobOptions) {
    this.now = opts.now ?? Date.now;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.inflight;
  }

  /** The members currently published (null before the first universe is known). Synchronous. */
  universe(): UniverseMessage | null {
    return this.current;
  }

  /** One refresh now (waits for a running one first). Resolves true when a universe was published. */
  async refreshNow(): Promise<boolean> {
    while (this.inflight) await this.inflight;
    let ok = false;
    const p = this.runOnce().then((r) => {
      ok = r;
    });
    this.inflight = p.finally(() => {
      this.inflight = null;
    });
    await this.inflight;
    return ok;
  }

  status(): UniverseJobStatus {
    const now = this.now();
    const size = this.current?.symbols.length ?? 0;
    let status: UniverseJobStatus['status'];
    if (this.outage) status = 'degraded';
    else if (this.lastSuccessAt === null) status = 'starting';
    else status = now - this.lastSuccessAt > 3 * this.opts.refreshMs + 60_000 ? 'degraded' : 'ok';
    return {
      status,
      universeSize: size,
      entered: this.lastEntered,
      exited: this.lastExited,
      source: this.lastSource,
      symbolsVia: this.lastVia,
      lastRefreshAt: this.lastSuccessAt === null ? null : new Date(this.lastSuccessAt).toISOString(),
      lastAttemptAt: this.lastAttemptAt === null ? null : new Date(this.lastAttemptAt).toISOString(),
      estimatedPollIntervalSec: this.current ? this.opts.estimateIntervalSec(size, this.opts.oiWeightPerMin) : null,
      outage: this.outage ? { since: new Date(this.outage.since).toISOString(), reason: this.outage.reason } : null,
      priorLoadedFrom: this.priorLoadedFrom,
    };
  }

  heartbeat(): HeartbeatBody {
    const s = this.status();
    return {
      component: 'universe-job',
      status: s.status,
      details: {
        universeSize: s.universeSize,
        entered: s.entered,
        exited: s.exited,
        source: s.source,
        lastRefreshAt: s.lastRefreshAt,
        estimatedPollIntervalSec: s.estimatedPollIntervalSec,
        outage: s.outage,
      },
    };
  }

  private schedule(delayMs: number): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.inflight) {
        this.schedule(this.opts.refreshMs);
        return;
      }
      const started = this.now();
      this.inflight = this.runOnce()
        .then((ok) => {
          const elapsed = this.now() - started;
          const next = ok
            ? Math.max(0, this.opts.refreshMs - elapsed)
            : Math.min(this.opts.refreshMs, backoffDelay(this.failures - 1, { baseMs: 2_000, maxMs: 60_000 }));
          this.schedule(next);
        })
        .finally(() => {
          this.inflight = null;
        });
    }, delayMs);
    this.timer.unref?.();
  }

  private async loadPrior(): Promise<void> {
    const prior = await this.opts.store.loadPrior();
    this.priorLoaded = true;
    if (prior.universe) {
      this.current = prior.universe;
      this.priorLoadedFrom = prior.from;
      this.opts.metrics.universeSize.set(prior.universe.symbols.length);
      this.opts.logger.info(
        { from: prior.from, size: prior.universe.symbols.length, unreadable: prior.errors },
        'continuing from the stored universe',
      );
    } else if (prior.errors.length > 0) {
      this.opts.logger.warn(
        { unreadable: prior.errors },
        'could not read any stored universe; starting from an empty universe (hysteresis history lost)',
      );
    } else {
      this.opts.logger.info('no stored universe anywhere; starting from an empty universe');
    }
  }

  /** Resolves true when a new universe was published. Never throws. */
  private async runOnce(): Promise<boolean> {
    const started = this.now();
    this.lastAttemptAt = started;
    const endTimer = this.opts.metrics.refreshDuration.startTimer();
    try {
      if (!this.priorLoaded) await this.loadPrior();
      let list;
      let reading;
      try {
        list = await this.opts.symbols.list();
        reading = await this.opts.volumes.read(list.symbols);
      } catch (err) {
        this.fail('inputs', err);
        return false;
      }
      const at = this.now();
      const result = classify({
        now: at,
        current: this.current?.symbols ?? [],
        tradable: list.symbols,
        volumes: reading.volumes,
        enter: this.opts.enterThreshold,
        exit: this.opts.exitThreshold,
        maxSymbols: this.opts.maxSymbols,
      });
      const message: UniverseMessage = {
        updatedAt: new Date(at).toISOString(),
        enterThreshold: this.opts.enterThreshold,
        exitThreshold: this.opts.exitThreshold,
        symbols: result.members,
      };
      try {
        await this.opts.store.save(message);
      } catch (err) {
        this.fail('publish', err);
        return false;
      }
      this.current = message;
      await this.postToBackend(message);
      this.succeed(at, list.via, reading.source, result.entered, result.exited);
      return true;
    } catch (err) {
      this.fail('unexpected', err);
      return false;
    } finally {
      endTimer();
    }
  }

  private async postToBackend(message: UniverseMessage): Promise<void> {
    try {
      await this.opts.outbox.enqueue(
        'liquidUniverseUpdate',
        // Every member carries its enteredAt (legacy sent null for retained members, defect 15).
        { symbols: message.symbols, updatedAt: message.updatedAt, allowEmpty: message.symbols.length === 0 },
        { idempotencyKey: `universe-job:${message.updatedAt}` },
      );
    } catch (err) {
      this.opts.logger.error({ err }, 'could not queue the backend universe update');
    }
  }

  private succeed(
    at: number,
    via: 'proxy' | 'binance',
    source: VolumeOrigin,
    entered: string[],
    exited: string[],
  ): void {
    const size = this.current?.symbols.length ?? 0;
    if (this.outage) {
      this.opts.logger.info(
        { since: new Date(this.outage.since).toISOString(), failures: this.failures },
        'universe refresh recovered',
      );
    }
    if (entered.length || exited.length || this.lastSuccessAt === null) {
      const sample = (list: string[]): string[] =>
        list.length > 20 ? [...list.slice(0, 20), `…+${list.length - 20}`] : list;
      this.opts.logger.info(
        {
          size,
          entered: sample(entered),
          exited: sample(exited),
          source,
          via,
          estimatedPollIntervalSec: this.opts.estimateIntervalSec(size, this.opts.oiWeightPerMin),
        },
        'liquid universe updated',
      );
    }
    this.outage = null;
    this.failures = 0;
    this.lastSuccessAt = at;
    this.lastEntered = entered.length;
    this.lastExited = exited.length;
    this.lastSource = source;
    this.lastVia = via;
    this.opts.metrics.universeSize.set(size);
    this.opts.metrics.refreshes.inc({ source });
  }

  private fail(stage: 'inputs' | 'publish' | 'unexpected', err: unknown): void {
    this.failures += 1;
    this.opts.metrics.errors.inc({ stage });
    if (!this.outage) {
      this.outage = { since: this.now(), reason: `${stage}: ${errText(err)}` };
      this.opts.logger.warn(
        { err, stage, keptSize: this.current?.symbols.length ?? 0 },
        'universe refresh failed; keeping the last universe until inputs recover',
      );
    }
  }
}
