// Starts the all-in-one stack for the bench: `startStack` from apps/stack. While some apps of the
// monorepo are not written yet, importing apps/stack fails (it imports every app statically); then the
// bench composes the apps that do exist the same way (same env, one shared bus/budget/metrics), says so,
// and records which components ran in the results.
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DEFAULT_COMPONENT_SHARES, WeightBudget } from '@volspike/binance-client';
import { resolveDatabase } from '@volspike/db';
import { createBus, createMetrics, type Logger } from '@volspike/runtime';
import type * as StackModule from '@volspike/stack';

export interface BenchStack {
  runner: 'startStack' | 'bench-fallback';
  apiUrl: string;
  databaseUrl: string;
  ingestKey: string;
  jwtSecret: string;
  components: string[];
  missing: string[];
  stop(): Promise<void>;
}

const APPS = ['backend', 'binance-proxy', 'funding', 'universe-job', 'oi-poller', 'volume-alerts', 'user-alerts', 'telegram-poller'] as const;

interface AppModule {
  loadAppEnv(source: Record<string, string | undefined>): unknown;
  start(env: never, deps: unknown): Promise<{ stop(): Promise<void> }>;
}

export async function startBenchStack(source: Record<string, string | undefined>, logger: Logger): Promise<BenchStack> {
  let stackModule: typeof StackModule | null = null;
  let importError: unknown = null;
  try {
    stackModule = await import('@volspike/stack');
  } catch (err) {
    importError = err;
  }
  if (stackModule) {
    const env = stackModule.loadStackEnv(source);
    const h = await stackModule.startStack({ mode: 'demo', env, source, logger });
    return {
      runner: 'startStack',
      apiUrl: h.apiUrl,
      databaseUrl: h.databaseUrl,
      ingestKey: h.ingestKey,
      jwtSecret: h.env.JWT_SECRET ?? '',
      components: h.components,
      missing: [],
      stop: () => h.stop(),
    };
  }
  console.warn(`[bench] apps/stack cannot be imported yet (${importError instanceof Error ? importError.message.split('\n')[0] : String(importError)}); composing the available apps directly`);
  return startFallback(source, logger);
}

async function startFallback(source: Record<string, string | undefined>, logger: Logger): Promise<BenchStack> {
  const stops: { name: string; stop: () => Promise<void> }[] = [];
  const stopAll = async (): Promise<void> => {
    for (const s of stops.reverse()) {
      try {
        await s.stop();
      } catch (err) {
        logger.error({ err, component: s.name }, 'stop failed');
      }
    }
    stops.length = 0;
  };
  try {
    const dataDir = resolve(source.DATA_DIR ?? '.data');
    mkdirSync(dataDir, { recursive: true });
    const db = await resolveDatabase({ databaseUrl: source.DATABASE_URL || undefined, dataDir: join(dataDir, 'pg'), logger });
    stops.push({ name: 'database', stop: () => db.stop() });
    if (db.embedded) writeFileSync(join(dataDir, 'pg', 'url'), db.url + '\n');
    const bus = createBus({ redisUrl: source.REDIS_URL || undefined, stateFile: join(dataDir, 'bus-state.json'), logger: logger.child({ component: 'bus' }) });
    stops.push({ name: 'bus', stop: () => bus.close() });
    const budget = new WeightBudget({
      limitPerMin: Number(source.BINANCE_WEIGHT_LIMIT_PER_MIN ?? 2400),
      safetyMargin: Number(source.BINANCE_WEIGHT_SAFETY_MARGIN ?? 0.1),
      redisUrl: source.REDIS_URL || undefined,
      shares: DEFAULT_COMPONENT_SHARES,
      logger: logger.child({ component: 'weight-budget' }),
    });
    stops.push({ name: 'weight-budget', stop: () => budget.stop() });
    const ingestKey = source.ALERT_INGEST_API_KEY || randomBytes(24).toString('hex');
    const jwtSecret = source.JWT_SECRET || randomBytes(24).toString('hex');
    const port = source.PORT ?? '3001';
    const appEnv: Record<string, string | undefined> = {
      DEBUG_ACCESS: 'public',
      VOLSPIKE_API_URL: `http://127.0.0.1:${port}`,
      VOLSPIKE_API_KEY: ingestKey,
      BINANCE_PROXY_URL: `http://127.0.0.1:${source.BINANCE_PROXY_PORT ?? '3002'}`,
      FUNDING_API_URL: `http://127.0.0.1:${source.FUNDING_API_PORT ?? '8888'}/funding`,
      ...source,
      ALERT_INGEST_API_KEY: ingestKey,
      JWT_SECRET: jwtSecret,
      DATABASE_URL: db.url,
      DATA_DIR: dataDir,
    };
    const deps = { logger, bus, budget, dataDir, metrics: createMetrics() };
    const components: string[] = [];
    const missing: string[] = [];
    for (const name of APPS) {
      if (source[`FEATURE_${name.toUpperCase().replace(/-/g, '_')}`] === 'false') continue;
      let mod: AppModule;
      try {
        // resolved the way apps/stack resolves its dependencies
        const req = createRequire(new URL('../apps/stack/package.json', import.meta.url));
        mod = (await import(pathToFileURL(req.resolve(`@volspike/${name}`)).href)) as AppModule;
      } catch {
        missing.push(name);
        continue;
      }
      const handle = await mod.start(mod.loadAppEnv(appEnv) as never, { ...deps, logger: logger.child({ component: name }) });
      stops.push({ name, stop: () => handle.stop() });
      components.push(name);
    }
    return { runner: 'bench-fallback', apiUrl: `http://127.0.0.1:${port}`, databaseUrl: db.url, ingestKey, jwtSecret, components, missing, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
