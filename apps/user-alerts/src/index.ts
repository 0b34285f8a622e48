import { BackendClient, openShadowJournal } from '@volspike/backend-client';
import { BinanceRestClient, type WeightBudget } from '@volspike/binance-client';
import { HeartbeatSender, type AppDeps as RuntimeAppDeps, type Logger } from '@volspike/runtime';
import { UserAlertChecker } from './checker.js';
import { CheckerLoop } from './checker-loop.js';
import type { Env } from './env.js';
import { LiveValues } from './live-values.js';

export { EnvSchema, loadAppEnv, type Env } from './env.js';
export {
  UserAlertChecker,
  cadenceOf,
  type ActiveAlert,
  type Cadence,
  type CheckerStats,
  type IterationResult,
} from './checker.js';
export { LiveValues } from './live-values.js';
export { CheckerLoop } from './checker-loop.js';

export const COMPONENT = 'user-alerts';

export interface AppDeps extends Omit<RuntimeAppDeps<WeightBudget>, 'budget' | 'dataDir'> {
  /** Shared Binance weight budget; without it the OI REST fallback is off (OI alerts need bus samples). */
  budget?: WeightBudget;
  dataDir?: string;
  /** Tests: another clock. */
  now?: () => number;
}

export interface UserAlertsHandle {
  checker: UserAlertChecker;
  live: LiveValues;
  /** Runs one iteration now (tests / CLI); resolves when it finished. */
  runOnce(): Promise<void>;
  stop(): Promise<void>;
  health(): Promise<{ ok: boolean; body: Record<string, unknown> }>;
}

/**
 * Starts the checker, step by step: backend client (and shadow journal), bus values (mark prices, OI
 * samples), the optional OI REST fallback, the checker and its loop, the 15 s heartbeat. `stop()` ends
 * them and sends a `stopped` heartbeat.
 */
export async function start(env: Env, deps: AppDeps): Promise<UserAlertsHandle> {
  const logger = deps.logger.child({ component: COMPONENT });
  const now = deps.now ?? Date.now;
  if (!env.VOLSPIKE_API_KEY) logger.warn('VOLSPIKE_API_KEY is not set: the backend will refuse the checker (401)');
  const shadow = openShadowJournal({ enabled: env.SHADOW, dir: env.SHADOW_DIR, app: COMPONENT, logger });
  const api = new BackendClient({
    baseUrl: env.VOLSPIKE_API_URL,
    apiKey: env.VOLSPIKE_API_KEY,
    defaultTimeoutMs: env.USER_ALERTS_HTTP_TIMEOUT_MS,
    shadow,
  });
  const live = new LiveValues(deps.bus, logger, {
    markMaxAgeMs: env.MARK_PRICE_MAX_AGE_MS,
    oiMaxAgeMs: env.USER_ALERTS_OI_MAX_AGE_MS,
    now,
  });
  await live.start();
  const rest = restFallback(env, deps, logger);
  const checker = new UserAlertChecker({
    api,
    live,
    logger,
    metrics: deps.metrics,
    fastIntervalMs: env.USER_ALERTS_FAST_INTERVAL_MS,
    freeIntervalMs: env.USER_ALERTS_FREE_INTERVAL_MS,
    rest,
    now,
  });
  const loop = new CheckerLoop({ checker, logger });
  const heartbeat = heartbeatSender(env, api, checker, live, logger);
  loop.start();
  void heartbeat.sendNow('starting');
  heartbeat.start(env.USER_ALERTS_HEARTBEAT_MS);
  logger.info(
    {
      fastIntervalMs: env.USER_ALERTS_FAST_INTERVAL_MS,
      freeIntervalMs: env.USER_ALERTS_FREE_INTERVAL_MS,
      restFallback: rest !== null,
      shadow: env.SHADOW,
    },
    'user-alert checker started',
  );

  let stopping: Promise<void> | null = null;
  return {
    checker,
    live,
    runOnce: () => loop.runOnce(),
    health: async () => {
      const s = checker.stats();
      const stale = s.lastIterationAt === null ? null : now() - s.lastIterationAt;
      const ok = s.lastError === null && (stale === null || stale < checker.periodMs * 3 + 60_000);
      return { ok, body: { component: COMPONENT, ...s, ...live.stats() } };
    },
    stop() {
      stopping ??= (async () => {
        await loop.stop();
        await live.stop();
        await heartbeat.stop({ finalStatus: 'stopped' });
        await rest?.close();
        await shadow?.close();
        logger.info('user-alert checker stopped');
      })();
      return stopping;
    },
  };
}

/** The OI REST fallback, only with a shared weight budget. */
function restFallback(env: Env, deps: AppDeps, logger: Logger): BinanceRestClient | null {
  if (!deps.budget) return null;
  return new BinanceRestClient({
    baseUrl: env.BINANCE_REST_URL,
    budget: deps.budget,
    component: COMPONENT,
    logger,
    maxRetries: 1,
  });
}

function heartbeatSender(
  env: Env,
  api: BackendClient,
  checker: UserAlertChecker,
  live: LiveValues,
  logger: Logger,
): HeartbeatSender {
  return new HeartbeatSender({
    component: COMPONENT,
    post: (body, timeoutMs) => api.send('heartbeat', { body, timeoutMs }),
    intervalMs: env.USER_ALERTS_HEARTBEAT_MS,
    timeoutMs: env.USER_ALERTS_HTTP_TIMEOUT_MS,
    backoff: false,
    logger: logger.child({ component: 'heartbeat' }),
    report: () => {
      const s = checker.stats();
      return {
        status: s.lastError ? 'degraded' : 'ok',
        details: {
          iterations: s.iterations,
          lastIterationAt: s.lastIterationAt,
          triggered: s.triggered,
          lastError: s.lastError,
          ...live.stats(),
        },
      };
    },
  });
}
