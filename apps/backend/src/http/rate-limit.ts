import { Redis } from 'ioredis';
import type { RequestHandler } from 'express';
import type { Logger } from '@volspike/runtime';

/** Requests counted in the current fixed window of one key. */
export interface WindowCount {
  count: number;
  /** When the window ends (epoch ms). */
  resetAt: number;
}

/** Where the counters live: in this process, or in Redis so that several backends share them. */
export interface RateLimitStore {
  hit(key: string, windowMs: number, now: number): Promise<WindowCount>;
}

/** Fixed windows in a Map; expired windows are swept as the map grows. */
export class MemoryRateLimitStore implements RateLimitStore {
  private readonly windows = new Map<string, WindowCount>();
  private nextSweepAt = 0;

  hit(key: string, windowMs: number, now: number): Promise<WindowCount> {
    if (now >= this.nextSweepAt) {
      for (const [k, w] of this.windows) if (w.resetAt <= now) this.windows.delete(k);
      this.nextSweepAt = now + windowMs;
    }
    let w = this.windows.get(key);
    if (!w || w.resetAt <= now) {
      w = { count: 0, resetAt: now + windowMs };
      this.windows.set(key, w);
    }
    w.count++;
    return Promise.resolve({ ...w });
  }
}

// INCR, and start the window's expiry on its first hit; returns [count, ms left].
const HIT_SCRIPT = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {n, ttl}`;

/** Fixed windows as Redis keys `<prefix><key>` with a TTL (one round trip per hit). */
export class RedisRateLimitStore implements RateLimitStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async hit(key: string, windowMs: number, now: number): Promise<WindowCount> {
    const [count, ttl] = (await this.redis.eval(HIT_SCRIPT, 1, `${this.prefix}${key}`, String(windowMs))) as [
      number,
      number,
    ];
    return { count, resetAt: now + ttl };
  }
}

export type RateDecision = { ok: true } | { ok: false; retryAfterSec: number };

/**
 * At most `limit` hits per `windowMs` per key. When the store fails (Redis down) requests are allowed: the
 * limiter protects the backend, it must not become the outage; the failure is logged once per outage.
 */
export class RateLimiter {
  private storeDown = false;

  constructor(
    private readonly opts: {
      store: RateLimitStore;
      limit: number;
      windowMs: number;
      /** Distinguishes limiters sharing one store (`rest:`, `handshake:`). */
      scope: string;
      logger: Logger;
      now?: () => number;
    },
  ) {}

  get enabled(): boolean {
    return this.opts.limit > 0;
  }

  async take(key: string): Promise<RateDecision> {
    if (!this.enabled) return { ok: true };
    const now = (this.opts.now ?? Date.now)();
    let w: WindowCount;
    try {
      w = await this.opts.store.hit(`${this.opts.scope}${key}`, this.opts.windowMs, now);
    } catch (err) {
      if (!this.storeDown)
        this.opts.logger.warn({ err, scope: this.opts.scope }, 'rate limit store failed; not limiting');
      this.storeDown = true;
      return { ok: true };
    }
    if (this.storeDown) this.opts.logger.info({ scope: this.opts.scope }, 'rate limit store back');
    this.storeDown = false;
    if (w.count <= this.opts.limit) return { ok: true };
    return { ok: false, retryAfterSec: Math.max(1, Math.ceil((w.resetAt - now) / 1000)) };
  }
}

/** 429 `{error,retryAfterSec}` with `Retry-After` once a client address is over its budget. */
export function rateLimit(limiter: RateLimiter, exempt: (method: string, path: string) => boolean): RequestHandler {
  return (req, res, next) => {
    if (!limiter.enabled || exempt(req.method, req.path)) {
      next();
      return;
    }
    limiter.take(req.ip ?? req.socket.remoteAddress ?? 'unknown').then((d) => {
      if (d.ok) {
        next();
        return;
      }
      res.setHeader('Retry-After', String(d.retryAfterSec));
      res.status(429).json({ error: 'Too Many Requests', retryAfterSec: d.retryAfterSec });
    }, next);
  };
}

export interface RateLimiters {
  rest: RateLimiter;
  handshakes: RateLimiter;
  close(): Promise<void>;
}

/**
 * The REST and handshake limiters of RATE_LIMIT_REST_PER_MIN / RATE_LIMIT_HANDSHAKES_PER_MIN: counters in Redis
 * (`<keyPrefix>rest:<addr>`) when REDIS_URL is set, so several backends behind one proxy share them; in this
 * process otherwise.
 */
export async function rateLimitersFromEnv(
  env: { REDIS_URL?: string | undefined; RATE_LIMIT_REST_PER_MIN: number; RATE_LIMIT_HANDSHAKES_PER_MIN: number },
  opts: { logger: Logger; keyPrefix?: string },
): Promise<RateLimiters> {
  const logger = opts.logger.child({ component: 'rate-limit' });
  let redis: Redis | null = null;
  let store: RateLimitStore = new MemoryRateLimitStore();
  if (env.REDIS_URL) {
    redis = new Redis(env.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false });
    // Connection errors surface as failed hits (logged once by the limiter, which then lets requests through).
    redis.on('error', () => undefined);
    await redis.connect().catch((err: unknown) => logger.warn({ err }, 'rate limit redis not reachable yet'));
    store = new RedisRateLimitStore(redis, opts.keyPrefix ?? 'volspike:ratelimit:');
  }
  const make = (scope: string, limit: number) => new RateLimiter({ store, limit, windowMs: 60_000, scope, logger });
  return {
    rest: make('rest:', env.RATE_LIMIT_REST_PER_MIN),
    handshakes: make('handshake:', env.RATE_LIMIT_HANDSHAKES_PER_MIN),
    async close() {
      if (redis) await redis.quit().catch(() => redis?.disconnect());
    },
  };
}
