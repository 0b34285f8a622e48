import { BinanceRestClient, type WeightBudget } from '@volspike/binance-client';
import { HeartbeatSender, backoffDelay, type AppDeps as RuntimeAppDeps } from '@volspike/runtime';
import { BackendApi } from './api.js';
import { UserAlertChecker } from './checker.js';
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
export { BackendApi, BackendCallError } from './api.js';

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
 * Starts the checker: bus subscriptions (mark prices, OI samples), the evaluation loop (setTimeout chain,
 * backoff on failures) and the 15 s heartbeat. `stop()` ends both and sends a `stopped` heartbeat.
 */
export async function start(env: Env, deps: AppDeps): Promise<UserAlertsHandle> {
  const logger = deps.logger.child({ component: COMPONENT });
  const now = deps.now ?? Date.now;
  if (!env.VOLSPIKE_API_KEY) logger.warn('VOLSPIKE_API_KEY is not set: the backend will refuse the checker (401)');
  const api = new BackendApi({
    baseUrl: env.VOLSPIKE_API_URL,
    apiKey: env.VOLSPIKE_API_KEY,
    timeoutMs: env.USER_ALERTS_HTTP_TIMEOUT_MS,
  });
  const live = new LiveValues(deps.bus, logger, {
    markMaxAgeMs: env.MARK_PRICE_MAX_AGE_MS,
    oiMaxAgeMs: env.USER_ALERTS_OI_MAX_AGE_MS,
    now,
  });
  await live.start();
  const rest = deps.budget
    ? new BinanceRestClient({
        baseUrl: env.BINANCE_REST_URL,
        budget: deps.budget,
        component: COMPONENT,
        logger,
        maxRetries: 1,
      })
    : null;
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

  const abort = new AbortController();
  let failures = 0;
  let inFlight: Promise<void> | null = null;
  let loopTimer: NodeJS.Timeout | null = null;

  const runOnce = (): Promise<void> => {
    inFlight ??= (async () => {
      try {
        await checker.iterate();
        failures = 0;
      } catch (err) {
        failures++;
        checker.recordError(err);
        logger.warn({ err, failures }, 'user-alert iteration failed; backing off');
      } finally {
        inFlight = null;
      }
    })();
    return inFlight;
  };

  const schedule = (delayMs: number): void => {
    if (abort.signal.aborted) return;
    loopTimer = setTimeout(() => {
      loopTimer = null;
      void runOnce().then(() => {
        const delay =
          failures > 0
            ? Math.max(checker.periodMs, backoffDelay(failures - 1, { baseMs: 1000, maxMs: 60_000 }))
            : checker.periodMs;
        schedule(delay);
      });
    }, delayMs);
  };

  const heartbeat = new HeartbeatSender({
    component: COMPONENT,
    apiUrl: env.VOLSPIKE_API_URL,
    apiKey: env.VOLSPIKE_API_KEY,
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

  schedule(0);
  void heartbeat.sendNow('starting');
  heartbeat.start(env.USER_ALERTS_HEARTBEAT_MS);
  logger.info(
    {
      fastIntervalMs: env.USER_ALERTS_FAST_INTERVAL_MS,
      freeIntervalMs: env.USER_ALERTS_FREE_INTERVAL_MS,
      restFallback: rest !== null,
    },
    'user-alert checker started',
  );

  let stopping: Promise<void> | null = null;
  return {
    checker,
    live,
    runOnce,
    health: async () => {
      const s = checker.stats();
      const stale = s.lastIterationAt === null ? null : now() - s.lastIterationAt;
      const ok = s.lastError === null && (stale === null || stale < checker.periodMs * 3 + 60_000);
      return { ok, body: { component: COMPONENT, ...s, ...live.stats() } };
    },
    stop() {
      stopping ??= (async () => {
        abort.abort();
        if (loopTimer) clearTimeout(loopTimer);
        await inFlight;
        await live.stop();
        await heartbeat.stop({ finalStatus: 'stopped' });
        await rest?.close();
        logger.info('user-alert checker stopped');
      })();
      return stopping;
    },
  };
}
