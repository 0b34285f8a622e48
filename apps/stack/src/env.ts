import { z } from 'zod';
import { env, loadEnv } from '@volspike/runtime';

/** The all-in-one runner's own variables; each app parses the rest of the environment itself. */
export const StackEnvSchema = z.object({
  DATA_DIR: env.str('.data'),
  LOG_LEVEL: env.str('info'),
  LOG_PRETTY: env.bool(false),
  DATABASE_URL: env.url(),
  REDIS_URL: env.url(),
  PORT: env.port(3001),
  BINANCE_PROXY_PORT: env.port(3002),
  FUNDING_API_PORT: env.port(8888),
  BINANCE_REST_URL: env.url(),
  BINANCE_WS_URL: env.url(),
  BINANCE_WEIGHT_LIMIT_PER_MIN: env.int(2400, { min: 100 }),
  BINANCE_WEIGHT_SAFETY_MARGIN: env.num(0.1, { min: 0, max: 0.9 }),
  SIM_PORT: env.port(7070),
  SIM_SYMBOLS: env.int(550, { min: 1, max: 5000 }),
  SIM_SEED: env.int(42),
  SIM_WEIGHT_LIMIT_PER_MIN: env.int(2400, { min: 100 }),
  FEATURE_BACKEND: env.bool(true),
  FEATURE_BINANCE_PROXY: env.bool(true),
  FEATURE_FUNDING: env.bool(true),
  FEATURE_UNIVERSE_JOB: env.bool(true),
  FEATURE_OI_POLLER: env.bool(true),
  FEATURE_VOLUME_ALERTS: env.bool(true),
  FEATURE_USER_ALERTS: env.bool(true),
  FEATURE_TELEGRAM_POLLER: env.bool(true),
});
export type StackEnv = z.infer<typeof StackEnvSchema>;

export function loadStackEnv(source: Record<string, string | undefined>): StackEnv {
  return loadEnv(StackEnvSchema, source);
}
