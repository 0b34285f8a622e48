import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { BusError, toJson } from './bus-common.js';
import type { Bus } from './bus.js';
import { backoffDelay } from './retry.js';

const PING_TIMEOUT_MS = 1000;
const CLOSE_TIMEOUT_MS = 1000;
/** How long a first SUBSCRIBE waits for the subscriber connection to be ready. */
const SUBSCRIBER_READY_TIMEOUT_MS = 15_000;

/**
 * Redis bus: one connection for commands (PUBLISH, SET, GET), one for SUBSCRIBE. `keyPrefix` is
 * applied to keys and channels alike, so that tests (and several stacks on one Redis) are isolated.
 * ioredis reconnects with capped jittered backoff and re-subscribes; outages are logged once.
 */
export class RedisBus implements Bus {
  readonly kind = 'redis' as const;
  private readonly cmd: Redis;
  private readonly sub: Redis;
  private readonly prefix: string;
  private readonly logger: Logger;
  private readonly handlers = new Map<string, Set<(message: unknown) => void>>();
  /** SUBSCRIBE in progress per channel, so a concurrent second subscriber also waits for it. */
  private readonly subscribing = new Map<string, Promise<unknown>>();
  private closed = false;

  constructor(opts: { redisUrl: string; keyPrefix: string; logger: Logger }) {
    this.prefix = opts.keyPrefix;
    this.logger = opts.logger;
    const retryStrategy = (times: number): number => backoffDelay(times - 1, { baseMs: 200, maxMs: 5000 });
    this.cmd = new Redis(opts.redisUrl, { retryStrategy, maxRetriesPerRequest: 3, connectionName: 'volspike-bus' });
    // ioredis 5.8.2+ writes a SUBSCRIBE sent during its connection handshake (SUBSCRIBE is allowed while Redis
    // loads), and its own ready check (INFO) then fails with "Connection in subscriber mode" (redis/ioredis#2037):
    // the subscriber connection sends no CLIENT SETINFO, and SUBSCRIBE waits for 'ready' (subscriberReady).
    this.sub = new Redis(opts.redisUrl, {
      retryStrategy,
      maxRetriesPerRequest: 3,
      connectionName: 'volspike-bus-sub',
      disableClientInfo: true,
    });
    this.watch(this.cmd, 'commands');
    this.watch(this.sub, 'subscriber');
    this.sub.on('message', (fullChannel: string, payload: string) => this.dispatch(fullChannel, payload));
  }

  private watch(conn: Redis, role: string): void {
    let down = false;
    conn.on('error', (err: Error) => {
      if (down || this.closed) return;
      down = true;
      this.logger.warn({ err, role }, 'redis bus connection lost; reconnecting');
    });
    conn.on('ready', () => {
      if (!down) return;
      down = false;
      this.logger.info({ role }, 'redis bus connection restored');
    });
  }

  private dispatch(fullChannel: string, payload: string): void {
    if (!fullChannel.startsWith(this.prefix)) return;
    const channel = fullChannel.slice(this.prefix.length);
    const set = this.handlers.get(channel);
    if (!set || set.size === 0) return;
    let message: unknown;
    try {
      message = JSON.parse(payload);
    } catch (err) {
      this.logger.warn({ err, channel }, 'ignored a bus message that is not JSON');
      return;
    }
    for (const handler of [...set]) {
      try {
        handler(message);
      } catch (err) {
        this.logger.error({ err, channel }, 'bus subscriber threw');
      }
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new BusError('BUS_CLOSED', 'bus is closed');
  }

  async publish(channel: string, message: unknown): Promise<void> {
    this.assertOpen();
    await this.cmd.publish(this.prefix + channel, toJson(message));
  }

  async subscribe(channel: string, handler: (message: unknown) => void): Promise<() => Promise<void>> {
    this.assertOpen();
    let set = this.handlers.get(channel);
    if (!set) {
      set = new Set();
      this.handlers.set(channel, set);
    }
    const first = set.size === 0;
    set.add(handler);
    if (first) {
      const p = this.subscriberReady()
        .then(() => this.sub.subscribe(this.prefix + channel))
        .finally(() => this.subscribing.delete(channel));
      this.subscribing.set(channel, p);
    }
    try {
      await this.subscribing.get(channel);
    } catch (err) {
      set.delete(handler);
      if (set.size === 0) this.handlers.delete(channel);
      throw err;
    }
    let done = false;
    return async () => {
      if (done) return;
      done = true;
      const current = this.handlers.get(channel);
      if (!current) return;
      current.delete(handler);
      if (current.size === 0) {
        this.handlers.delete(channel);
        if (!this.closed) await this.sub.unsubscribe(this.prefix + channel);
      }
    };
  }

  /** Resolves once the subscriber connection is ready (at once when it is). */
  private subscriberReady(): Promise<void> {
    if (this.sub.status === 'ready') return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const done = (err?: Error) => {
        clearTimeout(timer);
        this.sub.off('ready', onReady);
        this.sub.off('end', onEnd);
        if (err) reject(err);
        else resolve();
      };
      const onReady = () => done();
      const onEnd = () => done(new BusError('BUS_CLOSED', 'redis bus subscriber connection ended'));
      const timer = setTimeout(
        () =>
          done(
            new BusError(
              'BUS_UNAVAILABLE',
              `redis bus subscriber connection not ready within ${SUBSCRIBER_READY_TIMEOUT_MS / 1000} s`,
            ),
          ),
        SUBSCRIBER_READY_TIMEOUT_MS,
      );
      this.sub.once('ready', onReady);
      this.sub.once('end', onEnd);
    });
  }

  async setJson(key: string, value: unknown, ttlSec?: number): Promise<void> {
    this.assertOpen();
    const json = toJson(value);
    if (ttlSec !== undefined && ttlSec > 0)
      await this.cmd.set(this.prefix + key, json, 'PX', Math.round(ttlSec * 1000));
    else await this.cmd.set(this.prefix + key, json);
  }

  async getJson<T = unknown>(key: string): Promise<T | null> {
    this.assertOpen();
    const text = await this.cmd.get(this.prefix + key);
    if (text === null) return null;
    try {
      return JSON.parse(text) as T;
    } catch (err) {
      throw new BusError('BUS_INVALID_JSON', `bus key ${key} does not hold JSON`, err);
    }
  }

  async ping(): Promise<boolean> {
    if (this.closed) return false;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), PING_TIMEOUT_MS);
    });
    try {
      return await Promise.race([this.cmd.ping().then((r) => r === 'PONG'), timeout]);
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.handlers.clear();
    await Promise.all([quit(this.sub), quit(this.cmd)]);
  }
}

async function quit(conn: Redis): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      conn.quit().catch(() => undefined),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, CLOSE_TIMEOUT_MS);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    conn.disconnect();
  }
}
