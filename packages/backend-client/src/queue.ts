import { Outbox } from '@volspike/runtime';
import type { OutboxOptions, OutboxStats } from '@volspike/runtime';
import type { BackendClient } from './client.js';
import { BackendError } from './errors.js';
import type { ShadowSink } from './shadow-journal.js';
import type { BodyOf, ParamsOf, QueueRouteName } from './types.js';

export interface QueueStats extends OutboxStats {
  /** Deliveries recorded in the shadow journal instead of sent (shadow mode). */
  recorded: number;
}

/**
 * Durable, at-least-once delivery of backend writes, by route name. A queued message stores the route
 * name, its path parameters, the body and the Idempotency-Key — never the URL's key header: URL and
 * X-API-Key are added by the client at each send. In shadow mode the message is recorded in the journal
 * instead (nothing is queued or sent).
 */
export interface BackendQueue {
  start(): Promise<void>;
  enqueue<N extends QueueRouteName>(
    name: N,
    body: BodyOf<N>,
    opts?: { idempotencyKey?: string; params?: ParamsOf<N> },
  ): Promise<void>;
  flush(timeoutMs: number): Promise<void>;
  stop(): Promise<void>;
  depth(): number;
  stats(): QueueStats;
}

export type BackendQueueOptions = Omit<OutboxOptions, 'resolveTarget'>;

/** The queue of a client: an Outbox resolving route names through it, or the shadow journal. */
export function createBackendQueue(
  client: BackendClient,
  shadow: ShadowSink | null,
  opts: BackendQueueOptions,
): BackendQueue {
  return shadow ? new ShadowQueue(client, shadow) : new OutboxQueue(client, opts);
}

class OutboxQueue implements BackendQueue {
  private readonly outbox: Outbox;

  constructor(
    private readonly client: BackendClient,
    opts: BackendQueueOptions,
  ) {
    this.outbox = new Outbox({
      ...opts,
      resolveTarget: (m) => {
        if (m.route === undefined) throw new BackendError('BACKEND_BAD_CALL', '?', 'queued message without a route');
        return { url: client.url(m.route as QueueRouteName, m.params).toString(), headers: client.headers() };
      },
    });
  }

  start(): Promise<void> {
    return this.outbox.start();
  }

  async enqueue<N extends QueueRouteName>(
    name: N,
    body: BodyOf<N>,
    opts: { idempotencyKey?: string; params?: ParamsOf<N> } = {},
  ): Promise<void> {
    const { method } = this.client.describe(name, opts.params as Record<string, string> | undefined);
    await this.outbox.enqueue({
      route: name,
      ...(opts.params ? { params: opts.params as Record<string, string> } : {}),
      method: method === 'PUT' ? 'PUT' : 'POST',
      body,
      ...(opts.idempotencyKey ? { idempotencyKey: opts.idempotencyKey } : {}),
    });
  }

  flush(timeoutMs: number): Promise<void> {
    return this.outbox.flush(timeoutMs);
  }

  stop(): Promise<void> {
    return this.outbox.stop();
  }

  depth(): number {
    return this.outbox.depth();
  }

  stats(): QueueStats {
    return { ...this.outbox.stats(), recorded: 0 };
  }
}

class ShadowQueue implements BackendQueue {
  private recorded = 0;
  private lastError: string | null = null;

  constructor(
    private readonly client: BackendClient,
    private readonly shadow: ShadowSink,
  ) {}

  async start(): Promise<void> {}

  async enqueue<N extends QueueRouteName>(
    name: N,
    body: BodyOf<N>,
    opts: { idempotencyKey?: string; params?: ParamsOf<N> } = {},
  ): Promise<void> {
    const { method, path } = this.client.describe(name, opts.params as Record<string, string> | undefined);
    try {
      await this.shadow.record({ target: this.client.target, route: name, method, path, body });
      this.recorded++;
    } catch (err) {
      this.lastError = (err as Error).message;
      throw err;
    }
  }

  async flush(): Promise<void> {}

  async stop(): Promise<void> {}

  depth(): number {
    return 0;
  }

  stats(): QueueStats {
    return {
      depth: 0,
      delivered: 0,
      failedAttempts: 0,
      dropped: 0,
      deadLettered: 0,
      unpersisted: 0,
      lastError: this.lastError,
      oldestAgeMs: null,
      recorded: this.recorded,
    };
  }
}
