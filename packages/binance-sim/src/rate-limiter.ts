// Per-client-IP request weight in fixed calendar minutes, 429 once over the limit, 418 (IP ban,
// doubling for repeat offenders, capped at 3 days) for a client that keeps sending while 429'd,
// and the separate 1000 requests / 5 min limit of /futures/data/*.

export interface LimiterOptions {
  weightLimitPerMin: number;
  banMs: number;
  /** requests answered 429 in one minute before the client is banned */
  strikesBeforeBan: number;
  dataLimitPer5m: number;
}

export type Verdict =
  | { kind: 'ok'; used: number }
  | { kind: '429'; used: number; retryAfterSec: number }
  | { kind: '418'; used: number; retryAfterSec: number; until: number };

interface ClientState {
  minute: number;
  used: number;
  strikes: number;
  bannedUntil: number;
  bans: number;
  dataWindow: number;
  dataCount: number;
}

const MAX_BAN_MS = 3 * 24 * 3_600_000;

export class RateLimiter {
  private readonly clients = new Map<string, ClientState>();

  constructor(private readonly opts: LimiterOptions) {}

  private client(ip: string, now: number): ClientState {
    let c = this.clients.get(ip);
    const minute = Math.floor(now / 60_000);
    if (!c) {
      c = { minute, used: 0, strikes: 0, bannedUntil: 0, bans: 0, dataWindow: 0, dataCount: 0 };
      this.clients.set(ip, c);
    }
    if (c.minute !== minute) {
      c.minute = minute;
      c.used = 0;
      c.strikes = 0;
    }
    return c;
  }

  /** Weight used by `ip` in the current minute. */
  used(ip: string, now: number): number {
    return this.client(ip, now).used;
  }

  /** Total weight of every client in the current minute. */
  usedAll(now: number): number {
    let sum = 0;
    for (const ip of this.clients.keys()) sum += this.client(ip, now).used;
    return sum;
  }

  private banned(c: ClientState, now: number): Verdict | null {
    if (c.bannedUntil > now) {
      return {
        kind: '418',
        used: c.used,
        retryAfterSec: Math.ceil((c.bannedUntil - now) / 1000),
        until: c.bannedUntil,
      };
    }
    return null;
  }

  private strike(c: ClientState, now: number, windowEnd: number): Verdict {
    c.strikes++;
    if (c.strikes > this.opts.strikesBeforeBan) {
      c.bans++;
      c.bannedUntil = now + Math.min(MAX_BAN_MS, this.opts.banMs * 2 ** (c.bans - 1));
      c.strikes = 0;
      return {
        kind: '418',
        used: c.used,
        retryAfterSec: Math.ceil((c.bannedUntil - now) / 1000),
        until: c.bannedUntil,
      };
    }
    return { kind: '429', used: c.used, retryAfterSec: Math.max(1, Math.ceil((windowEnd - now) / 1000)) };
  }

  /** Charges `weight` to `ip` and says whether the request may be served. */
  charge(ip: string, weight: number, now: number): Verdict {
    const c = this.client(ip, now);
    const ban = this.banned(c, now);
    if (ban) return ban;
    c.used += weight;
    if (c.used > this.opts.weightLimitPerMin) return this.strike(c, now, (c.minute + 1) * 60_000);
    return { kind: 'ok', used: c.used };
  }

  /** The /futures/data/* request counter (weight 0, own 5-minute window). */
  chargeData(ip: string, now: number): Verdict {
    const c = this.client(ip, now);
    const ban = this.banned(c, now);
    if (ban) return ban;
    const window = Math.floor(now / 300_000);
    if (c.dataWindow !== window) {
      c.dataWindow = window;
      c.dataCount = 0;
    }
    c.dataCount++;
    if (c.dataCount > this.opts.dataLimitPer5m) return this.strike(c, now, (window + 1) * 300_000);
    return { kind: 'ok', used: c.used };
  }

  reset(): void {
    this.clients.clear();
  }
}
