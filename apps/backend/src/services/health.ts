import { KEYS, type MarkPriceRecord } from '@volspike/runtime';
import type { HealthResponse } from '@volspike/contracts';
import type { AppContext } from '../context.js';

type Check = HealthResponse['checks'][string];

/**
 * Runs a probe. A failure is logged with its error and reported only as `what` (e.g. "database unreachable"):
 * /health is public, and a driver's error text names hosts, users and ports.
 */
async function timed<T>(ctx: AppContext, what: string, fn: () => Promise<T>): Promise<{ value?: T; error?: string }> {
  try {
    return { value: await fn() };
  } catch (err) {
    ctx.logger.warn({ err, check: what }, 'health probe failed');
    return { error: what };
  }
}

function freshness(enabled: boolean, newest: number | null, now: number, maxAgeSec: number, what: string): Check {
  const ageMs = newest === null ? null : Math.max(0, now - newest);
  const maxAgeMs = maxAgeSec * 1000;
  const fresh = ageMs !== null && ageMs <= maxAgeMs;
  return {
    ok: !enabled || fresh,
    enabled,
    ageMs,
    maxAgeMs,
    ...(enabled && !fresh ? { detail: ageMs === null ? `no ${what} yet` : `${what} older than ${maxAgeSec} s` } : {}),
  };
}

/**
 * Database, bus, and data freshness. A daemon counts as enabled once it has sent a heartbeat (until it reports
 * `stopped`) or when listed in HEALTH_REQUIRED_COMPONENTS; its data checks only apply while it is enabled.
 */
export async function computeHealth(ctx: AppContext): Promise<{ ok: boolean; body: HealthResponse }> {
  const now = ctx.now();
  const h = ctx.config.health;
  const db = await timed(ctx, 'database unreachable', () => ctx.prisma.$queryRaw`SELECT 1`);
  const bus = await timed(ctx, 'bus unreachable', () => ctx.bus.ping());
  const checks: Record<string, Check> = {
    database: { ok: !db.error, enabled: true, ageMs: null, ...(db.error ? { detail: db.error } : {}) },
    bus: {
      ok: bus.value === true,
      enabled: true,
      ageMs: null,
      ...(bus.value === true ? {} : { detail: bus.error ?? 'ping failed' }),
    },
  };
  const components: HealthResponse['components'] = {};
  if (!db.error) {
    const beats = await ctx.prisma.componentHeartbeat.findMany();
    const enabled = new Set(h.requiredComponents);
    for (const b of beats) {
      const ageMs = now - b.lastSeenAt.getTime();
      const stale = b.status !== 'stopped' && ageMs > h.heartbeatStaleSec * 1000;
      components[b.component] = { status: b.status, lastSeenAt: b.lastSeenAt.toISOString(), ageMs, stale };
      if (b.status !== 'stopped') enabled.add(b.component);
    }
    const missing = h.requiredComponents.filter((c) => !components[c]);
    const stale = Object.entries(components)
      .filter(([, c]) => c.stale)
      .map(([name]) => name);
    checks.heartbeats = {
      ok: missing.length === 0 && stale.length === 0,
      enabled: enabled.size > 0,
      ageMs: null,
      ...(missing.length || stale.length
        ? { detail: [...missing.map((m) => `${m}: no heartbeat`), ...stale.map((s) => `${s}: stale`)].join('; ') }
        : {}),
    };
    await ctx.oiLatest.flushed();
    const oi = await ctx.prisma.openInterestLatest.aggregate({ _max: { ts: true }, where: { source: 'realtime' } });
    checks.oiSamples = freshness(
      enabled.has('oi-poller'),
      oi._max.ts?.getTime() ?? null,
      now,
      h.oiStaleSec,
      'realtime OI samples',
    );
    const uni = await ctx.prisma.openInterestLiquidSymbol.aggregate({ _max: { lastSeenAt: true } });
    checks.universe = freshness(
      enabled.has('universe-job'),
      uni._max.lastSeenAt?.getTime() ?? null,
      now,
      h.universeStaleSec,
      'universe update',
    );
    if (bus.value === true) {
      const marks = await timed(ctx, 'bus unreachable', () =>
        ctx.bus.getJson<Record<string, MarkPriceRecord>>(KEYS.markPrices),
      );
      let newest: number | null = null;
      for (const r of Object.values(marks.value ?? {})) newest = Math.max(newest ?? 0, r.updatedAt);
      checks.markPrices = freshness(enabled.has('funding'), newest, now, h.markPriceStaleSec, 'mark prices');
    }
  }
  const ok = Object.values(checks).every((c) => c.ok);
  return {
    ok,
    body: {
      status: ok ? 'ok' : 'degraded',
      timestamp: new Date(now).toISOString(),
      version: ctx.config.version,
      environment: ctx.config.environment,
      checks,
      components,
    },
  };
}
