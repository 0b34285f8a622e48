import { VolspikeError } from '@volspike/errors';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { MemoryOutboxStore, type OutboxStore } from './outbox-store.js';
import { backoffDelay } from './retry.js';

export { FileOutboxStore, MemoryOutboxStore, RedisOutboxStore, type OutboxStore } from './outbox-store.js';

export interface OutboxMessage {
  id: string;
  /**
   * A named target (e.g. a backend route name) that `OutboxOptions.resolveTarget` turns into a URL and
   * headers at send time, so no URL and no secret is stored with the message. Messages carry a route or a url.
   */
  route?: string;
  /** Path parameters of the route (stored; no secrets). */
  params?: Record<string, string>;
  /** A raw URL, sent with the stored headers (messages without a route). */
  url?: string;
  method: 'POST' | 'PUT';
  headers: Record<string, string>;
  body: unknown;
  idempotencyKey: string;
  enqueuedAt: number;
  attempts: number;
}

export interface OutboxOptions {
  name: string;
  store: OutboxStore;
  logger: Logger;
  maxItems?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  timeoutMs?: number;
  /** Messages in flight at once. 1 (default) = strict in-order delivery, head-of-line blocking. */
  concurrency?: number;
  fetchImpl?: typeof fetch;
  /** Jitter source (tests). */
  random?: () => number;
  /**
   * URL and headers of a message enqueued with a `route`, built at each send (this is where a secret
   * header such as the API key is added, so it is never persisted).
   */
  resolveTarget?: (m: OutboxMessage) => { url: string; headers: Record<string, string> };
}

/** Where a queued message goes: a named route (resolved at send time) or a raw URL with headers. */
export type OutboxTarget =
  | { route: string; params?: Record<string, string>; url?: never }
  | { url: string; headers?: Record<string, string>; route?: never };

export interface OutboxStats {
  depth: number;
  delivered: number;
  failedAttempts: number;
  dropped: number;
  deadLettered: number;
  /** Messages accepted while the store failed: kept in memory and delivered, but not durable. */
  unpersisted: number;
  lastError: string | null;
  oldestAgeMs: number | null;
}

export class OutboxError extends VolspikeError<
  'OUTBOX_STOPPED' | 'OUTBOX_NOT_SERIALISABLE' | 'OUTBOX_NO_RESOLVER' | 'OUTBOX_SECRET_HEADER'
> {
  constructor(code: OutboxError['code'], message: string, cause?: unknown) {
    super(code, message, { cause });
  }
}

/** Headers that carry a secret: never written to a journal (a durable store gets them at send time only). */
const SECRET_HEADERS = new Set(['x-api-key', 'authorization', 'proxy-authorization', 'cookie']);

/** A Retry-After header (seconds or HTTP date) in ms from `now`, or null when absent/invalid. */
export function parseRetryAfter(value: string | null, now: number): number | null {
  if (value === null || value.trim() === '') return null;
  const t = value.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Math.round(Number(t) * 1000);
  const at = Date.parse(t);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

const MAX_RETRY_AFTER_MS = 10 * 60_000;

type Outcome =
  | { kind: 'delivered' }
  | { kind: 'retry'; error: string; status: number | null; retryAfterMs: number | null }
  | { kind: 'dead'; error: string; status: number }
  | { kind: 'aborted' };

/**
 * Durable HTTP delivery: every enqueued message is persisted before `enqueue` resolves and removed
 * only after a 2xx, so it survives restarts (at-least-once; the receiver dedupes on the
 * `Idempotency-Key` header, which stays the same across retries and restarts). When the store itself
 * fails, the message is still queued and delivered from memory (counted as `unpersisted`).
 */
export class Outbox {
  private readonly opts: Required<Omit<OutboxOptions, 'fetchImpl' | 'random' | 'resolveTarget'>> & {
    resolveTarget: OutboxOptions['resolveTarget'];
    fetchImpl: typeof fetch;
    random: () => number;
  };
  private readonly logger: Logger;
  private queue: OutboxMessage[] = [];
  private readonly nextAt = new Map<string, number>();
  private readonly inflight = new Map<string, Promise<void>>();
  private storeChain: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private stopped = false;
  private readonly abort = new AbortController();
  private drainWaiters: (() => void)[] = [];
  private failingSince: number | null = null;
  private overflowing = false;
  private counters = { delivered: 0, failedAttempts: 0, dropped: 0, deadLettered: 0, unpersisted: 0 };
  private storeFailing = false;
  private lastError: string | null = null;

  constructor(opts: OutboxOptions) {
    this.opts = {
      maxItems: 10_000,
      baseDelayMs: 500,
      maxDelayMs: 30_000,
      timeoutMs: 10_000,
      concurrency: 1,
      ...opts,
      fetchImpl: opts.fetchImpl ?? fetch,
      random: opts.random ?? Math.random,
      resolveTarget: opts.resolveTarget,
    };
    this.logger = opts.logger.child({ outbox: opts.name });
  }

  /** Loads persisted messages (kept ahead of any enqueued before start) and begins delivering in order. */
  async start(): Promise<void> {
    if (this.stopped) throw new OutboxError('OUTBOX_STOPPED', `outbox ${this.opts.name} was stopped`);
    if (this.running) return;
    const loaded = await this.serial(() => this.opts.store.load());
    const ids = new Set(loaded.map((m) => m.id));
    this.queue = [...loaded, ...this.queue.filter((m) => !ids.has(m.id))];
    this.running = true;
    if (loaded.length > 0) this.logger.info({ depth: this.queue.length }, 'outbox resumed persisted messages');
    this.kick();
  }

  async enqueue(
    m: OutboxTarget & {
      method?: 'POST' | 'PUT';
      body: unknown;
      idempotencyKey?: string;
    },
  ): Promise<string> {
    if (this.stopped) throw new OutboxError('OUTBOX_STOPPED', `outbox ${this.opts.name} is stopped`);
    if (m.route !== undefined && !this.opts.resolveTarget)
      throw new OutboxError('OUTBOX_NO_RESOLVER', `outbox ${this.opts.name} has no resolveTarget for route ${m.route}`);
    const secret = Object.keys((m.route === undefined && m.headers) || {}).find((h) =>
      SECRET_HEADERS.has(h.toLowerCase()),
    );
    if (secret !== undefined && !(this.opts.store instanceof MemoryOutboxStore))
      throw new OutboxError(
        'OUTBOX_SECRET_HEADER',
        `outbox ${this.opts.name} would write the ${secret} header to its journal: enqueue a route and add it in resolveTarget`,
      );
    let body: unknown;
    try {
      body = JSON.parse(JSON.stringify(m.body)) as unknown;
    } catch (err) {
      throw new OutboxError(
        'OUTBOX_NOT_SERIALISABLE',
        `outbox body is not JSON-serialisable: ${(err as Error).message}`,
        err,
      );
    }
    const msg: OutboxMessage = {
      id: randomUUID(),
      ...(m.route !== undefined
        ? { route: m.route, ...(m.params ? { params: { ...m.params } } : {}) }
        : { url: m.url }),
      method: m.method ?? 'POST',
      headers: m.route !== undefined ? {} : { ...m.headers },
      body,
      idempotencyKey: m.idempotencyKey ?? randomUUID(),
      enqueuedAt: Date.now(),
      attempts: 0,
    };
    await this.serial(async () => {
      if (this.queue.length < this.opts.maxItems * 0.9) this.overflowing = false;
      while (this.queue.length >= this.opts.maxItems) {
        const victim = this.queue.find((q) => !this.inflight.has(q.id));
        if (!victim) break;
        this.forget(victim.id);
        await this.opts.store.remove(victim.id);
        this.counters.dropped++;
        if (!this.overflowing) {
          this.overflowing = true;
          this.logger.warn(
            { maxItems: this.opts.maxItems, droppedId: victim.id, enqueuedAt: victim.enqueuedAt },
            'outbox full; dropping oldest messages',
          );
        }
      }
      try {
        await this.opts.store.append(msg);
        if (this.storeFailing) this.logger.info('outbox store writable again');
        this.storeFailing = false;
      } catch (err) {
        // A store outage (Redis down, disk full) must not drop the message: deliver it from memory; only
        // a crash before delivery can lose it now.
        this.counters.unpersisted++;
        if (!this.storeFailing)
          this.logger.error({ err }, 'outbox store failed; keeping messages in memory until it recovers (not durable)');
        this.storeFailing = true;
      }
      this.queue.push(msg);
    });
    this.kick();
    return msg.id;
  }

  depth(): number {
    return this.queue.length;
  }

  stats(): OutboxStats {
    const oldest = this.queue[0];
    return {
      depth: this.queue.length,
      ...this.counters,
      lastError: this.lastError,
      oldestAgeMs: oldest ? Math.max(0, Date.now() - oldest.enqueuedAt) : null,
    };
  }

  /** Retries everything now and waits up to `timeoutMs` for the queue to drain. Never throws. */
  async flush(timeoutMs: number): Promise<void> {
    if (!this.running || this.queue.length === 0) return;
    this.nextAt.clear();
    this.kick();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      new Promise<void>((resolve) => this.drainWaiters.push(resolve)),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (this.queue.length > 0)
      this.logger.warn(
        { depth: this.queue.length, timeoutMs },
        'outbox not drained at flush; messages stay persisted for the next start',
      );
  }

  /** Stops delivery, aborts in-flight requests (they stay queued), waits for store writes, closes the store. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.abort.abort(new OutboxError('OUTBOX_STOPPED', 'outbox stopped'));
    await Promise.allSettled([...this.inflight.values()]);
    await this.storeChain.catch(() => undefined);
    await this.opts.store.close?.();
    for (const w of this.drainWaiters.splice(0)) w();
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.storeChain.then(fn);
    this.storeChain = next.catch(() => undefined);
    return next;
  }

  private persist(what: string, fn: () => Promise<void>): void {
    this.serial(fn).catch((err: unknown) => this.logger.error({ err }, `outbox store ${what} failed`));
  }

  private forget(id: string): void {
    this.queue = this.queue.filter((q) => q.id !== id);
    this.nextAt.delete(id);
    if (this.queue.length === 0) for (const w of this.drainWaiters.splice(0)) w();
  }

  /** Starts every due message in the delivery window and arms one timer for the next due one. */
  private kick(): void {
    if (!this.running) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const now = Date.now();
    let wakeAt = Infinity;
    for (const m of this.queue.slice(0, Math.max(1, this.opts.concurrency))) {
      if (this.inflight.has(m.id)) continue;
      const at = this.nextAt.get(m.id) ?? 0;
      if (at <= now) {
        const p = this.attempt(m).finally(() => {
          this.inflight.delete(m.id);
          this.kick();
        });
        this.inflight.set(m.id, p);
      } else wakeAt = Math.min(wakeAt, at);
    }
    if (wakeAt !== Infinity) this.timer = setTimeout(() => this.kick(), wakeAt - now);
  }

  private async attempt(m: OutboxMessage): Promise<void> {
    const outcome = await this.send(m);
    if (outcome.kind === 'aborted') return;
    if (outcome.kind === 'delivered') {
      this.counters.delivered++;
      this.forget(m.id);
      this.persist('remove', () => this.opts.store.remove(m.id));
      if (this.failingSince !== null) {
        this.logger.info(
          { downMs: Date.now() - this.failingSince, depth: this.queue.length },
          'outbox delivery recovered',
        );
        this.failingSince = null;
      }
      return;
    }
    if (outcome.kind === 'dead') {
      this.counters.deadLettered++;
      this.lastError = outcome.error;
      this.forget(m.id);
      this.persist('remove', () => this.opts.store.remove(m.id));
      this.logger.error(
        {
          id: m.id,
          target: m.route ?? m.url,
          status: outcome.status,
          idempotencyKey: m.idempotencyKey,
          error: outcome.error,
        },
        'outbox message rejected by receiver; dead-lettered',
      );
      return;
    }
    this.counters.failedAttempts++;
    this.lastError = outcome.error;
    m.attempts++;
    const backoff = backoffDelay(m.attempts - 1, {
      baseMs: this.opts.baseDelayMs,
      maxMs: this.opts.maxDelayMs,
      random: this.opts.random,
    });
    const delay =
      outcome.retryAfterMs !== null ? Math.max(backoff, Math.min(outcome.retryAfterMs, MAX_RETRY_AFTER_MS)) : backoff;
    this.nextAt.set(m.id, Date.now() + delay);
    const snapshot = structuredClone(m);
    this.persist('update', () => this.opts.store.update(snapshot));
    if (this.failingSince === null) {
      this.failingSince = Date.now();
      this.logger.warn(
        {
          target: m.route ?? m.url,
          status: outcome.status,
          error: outcome.error,
          retryInMs: delay,
          depth: this.queue.length,
        },
        'outbox delivery failing; retrying with backoff',
      );
    } else
      this.logger.debug(
        { id: m.id, attempts: m.attempts, error: outcome.error, retryInMs: delay },
        'outbox retry scheduled',
      );
  }

  private async send(m: OutboxMessage): Promise<Outcome> {
    const controller = new AbortController();
    const onStop = (): void => controller.abort(this.abort.signal.reason);
    if (this.abort.signal.aborted) return { kind: 'aborted' };
    this.abort.signal.addEventListener('abort', onStop, { once: true });
    const timer = setTimeout(
      () => controller.abort(new Error(`timed out after ${this.opts.timeoutMs} ms`)),
      this.opts.timeoutMs,
    );
    try {
      const target = this.target(m);
      const res = await this.opts.fetchImpl(target.url, {
        method: m.method,
        headers: { 'content-type': 'application/json', ...target.headers, 'idempotency-key': m.idempotencyKey },
        body: JSON.stringify(m.body),
        signal: controller.signal,
      });
      const text = await res.text();
      if (res.ok) return { kind: 'delivered' };
      const error = `HTTP ${res.status}${text ? `: ${text.slice(0, 200)}` : ''}`;
      if (res.status === 408 || res.status === 429 || res.status >= 500) {
        return {
          kind: 'retry',
          error,
          status: res.status,
          retryAfterMs: parseRetryAfter(res.headers.get('retry-after'), Date.now()),
        };
      }
      return { kind: 'dead', error, status: res.status };
    } catch (err) {
      if (this.abort.signal.aborted) return { kind: 'aborted' };
      const reason = controller.signal.aborted ? controller.signal.reason : err;
      return { kind: 'retry', error: describeError(reason), status: null, retryAfterMs: null };
    } finally {
      clearTimeout(timer);
      this.abort.signal.removeEventListener('abort', onStop);
    }
  }

  private target(m: OutboxMessage): { url: string; headers: Record<string, string> } {
    if (m.route !== undefined) {
      if (!this.opts.resolveTarget)
        throw new OutboxError('OUTBOX_NO_RESOLVER', `outbox ${this.opts.name} cannot resolve route ${m.route}`);
      return this.opts.resolveTarget(m);
    }
    return { url: m.url ?? '', headers: m.headers };
  }
}

function describeError(err: unknown): string {
  if (err instanceof Error) {
    const cause =
      err.cause instanceof Error ? `: ${(err.cause as NodeJS.ErrnoException).code ?? err.cause.message}` : '';
    return `${err.message}${cause}`;
  }
  return String(err);
}
