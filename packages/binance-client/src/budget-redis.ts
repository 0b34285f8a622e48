// Shared (Redis) state of a clustered WeightBudget: window roll, reconcile, pause, per-component usage.
// Bottleneck's own hash `b_<id>_settings` holds the reservoir; the scripts below adjust it atomically.
import type { Redis } from 'ioredis';

const ROLL = `
if redis.call('exists', KEYS[2]) == 0 then return 'missing' end
local cur = redis.call('hget', KEYS[1], 'k')
local k = tonumber(ARGV[1])
local mode
if cur == false then mode = 'probe'
elseif tonumber(cur) < k then mode = 'fresh'
else return 'same' end
redis.call('hset', KEYS[1], 'k', k, 'cal', mode == 'fresh' and '1' or '0')
redis.call('pexpire', KEYS[1], ARGV[4])
local running = tonumber(redis.call('hget', KEYS[2], 'running')) or 0
redis.call('hset', KEYS[2], 'reservoir', mode == 'fresh' and math.max(0, tonumber(ARGV[2]) - running) or ARGV[3])
return mode`;

const RECONCILE = `
local cur = redis.call('hget', KEYS[1], 'k')
if tonumber(ARGV[3]) >= 0 then redis.call('hset', KEYS[1], 'srv', ARGV[3], 'srvAt', ARGV[4]) end
if cur == false or tonumber(cur) ~= tonumber(ARGV[1]) then return {-1, -1} end
local res = tonumber(redis.call('hget', KEYS[2], 'reservoir'))
if res == nil then return {-1, -1} end
local running = tonumber(redis.call('hget', KEYS[2], 'running')) or 0
local usable = tonumber(ARGV[2])
local used = tonumber(ARGV[3])
local newres = res
if redis.call('hget', KEYS[1], 'cal') ~= '1' then
  if used < 0 then newres = res + (usable - tonumber(ARGV[5]))
  else newres = math.max(0, usable - used - running) end
  redis.call('hset', KEYS[1], 'cal', '1')
elseif used >= 0 then
  local ours = usable - res
  if used > ours then newres = math.max(0, res - (used - ours)) end
end
if newres ~= res then redis.call('hset', KEYS[2], 'reservoir', newres) end
return {res, newres}`;

const PAUSE = `
redis.call('hincrby', KEYS[2], ARGV[4], 1)
redis.call('pexpire', KEYS[2], 86400000)
local cur = redis.call('get', KEYS[1])
local untilMs = tonumber(ARGV[1])
if cur then
  local u = tonumber(string.match(cur, '^(%d+)'))
  if u and u >= untilMs then return 0 end
end
redis.call('set', KEYS[1], ARGV[1] .. ':' .. ARGV[2], 'PX', math.max(1, untilMs - tonumber(ARGV[3])))
return 1`;

export interface SharedPause {
  until: number;
  reason: '429' | '418';
}
export interface UsageEntry {
  id: string;
  component: string;
  weight: number;
  at: number;
}
export interface SharedState {
  pause: SharedPause | null;
  usage: UsageEntry[];
  counters: { rejected429: number; banned418: number };
  server: { used: number; at: number } | null;
}

export class BudgetRedisState {
  private readonly win: string;
  private readonly pauseKey: string;
  private readonly usageKey: string;
  private readonly counters: string;
  private readonly settings: string;

  constructor(
    private readonly redis: Redis,
    keyBase: string,
    bottleneckId: string,
    private readonly windowMs: number,
  ) {
    this.win = `${keyBase}:window`;
    this.pauseKey = `${keyBase}:pause`;
    this.usageKey = `${keyBase}:usage`;
    this.counters = `${keyBase}:counters`;
    this.settings = `b_${bottleneckId}_settings`;
  }

  /**
   * 'fresh' = first process in a new window (full reservoir); 'probe' = no state known; 'same' = keep;
   * 'missing' = Bottleneck's settings hash is gone (Redis restarted empty): nothing written, because a
   * hash holding only a reservoir would pass Bottleneck's key check and break every one of its scripts.
   */
  async roll(k: number, usable: number, probe: number): Promise<'fresh' | 'probe' | 'same' | 'missing'> {
    const ttl = Math.max(this.windowMs * 5, 60_000);
    const r = await this.redis.eval(ROLL, 2, this.win, this.settings, k, usable, probe, ttl);
    return r as 'fresh' | 'probe' | 'same' | 'missing';
  }

  /** serverUsed < 0: the response carried no header (only calibrates a start-up reservoir). */
  async reconcile(
    k: number,
    usable: number,
    serverUsed: number,
    at: number,
    probe: number,
  ): Promise<{ before: number; after: number }> {
    const r = (await this.redis.eval(RECONCILE, 2, this.win, this.settings, k, usable, serverUsed, at, probe)) as [
      number,
      number,
    ];
    return { before: Number(r[0]), after: Number(r[1]) };
  }

  async pause(until: number, reason: '429' | '418', now: number): Promise<void> {
    await this.redis.eval(
      PAUSE,
      2,
      this.pauseKey,
      this.counters,
      until,
      reason,
      now,
      reason === '429' ? 'rejected429' : 'banned418',
    );
  }

  async readPause(): Promise<SharedPause | null> {
    return parsePause(await this.redis.get(this.pauseKey));
  }

  async recordUsage(e: UsageEntry): Promise<void> {
    await this.redis
      .multi()
      .zadd(this.usageKey, e.at, `${e.component}\u0001${e.weight}\u0001${e.id}`)
      .zremrangebyscore(this.usageKey, '-inf', e.at - this.windowMs)
      .pexpire(this.usageKey, this.windowMs * 2)
      .exec();
  }

  async read(now: number): Promise<SharedState> {
    const res = await this.redis
      .multi()
      .zrangebyscore(this.usageKey, now - this.windowMs, '+inf', 'WITHSCORES')
      .get(this.pauseKey)
      .hgetall(this.counters)
      .hmget(this.win, 'srv', 'srvAt')
      .exec();
    if (!res) throw new Error('redis transaction aborted');
    const [usageRaw, pauseRaw, countersRaw, srvRaw] = res.map(([err, v]) => {
      if (err) throw err;
      return v;
    }) as [string[], string | null, Record<string, string>, (string | null)[]];
    const usage: UsageEntry[] = [];
    for (let i = 0; i + 1 < usageRaw.length; i += 2) {
      const [component, weight, id] = (usageRaw[i] ?? '').split('\u0001');
      if (component === undefined || weight === undefined || id === undefined) continue;
      usage.push({ id, component, weight: Number(weight), at: Number(usageRaw[i + 1]) });
    }
    const srv = srvRaw[0] != null && srvRaw[1] != null ? { used: Number(srvRaw[0]), at: Number(srvRaw[1]) } : null;
    return {
      pause: parsePause(pauseRaw),
      usage,
      counters: { rejected429: Number(countersRaw.rejected429 ?? 0), banned418: Number(countersRaw.banned418 ?? 0) },
      server: srv,
    };
  }
}

function parsePause(raw: string | null): SharedPause | null {
  if (raw === null) return null;
  const m = /^(\d+):(429|418)$/.exec(raw);
  if (!m) return null;
  return { until: Number(m[1]), reason: m[2] as '429' | '418' };
}
