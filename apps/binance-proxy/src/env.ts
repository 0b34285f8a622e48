import { z } from 'zod';
import { busEnv, env, loadEnv, processEnv } from '@volspike/runtime';

/**
 * binance-proxy configuration. `BINANCE_PROXY_PORT` wins over the legacy `PORT` (the all-in-one stack
 * shares one environment, where `PORT` belongs to the backend).
 */
export const EnvSchema = z
  .object({
    PORT: env.port(3002),
    BINANCE_PROXY_PORT: env.int(undefined, { min: 0, max: 65535 }).optional(),
    BINANCE_PROXY_HOST: env.str('0.0.0.0'),
    BINANCE_REST_URL: env.url('https://fapi.binance.com'),
    ALLOWED_ORIGINS: env.list([]),
    EXCHANGE_INFO_REFRESH_MS: env.int(60_000, { min: 100, max: 3_600_000 }),
    INCLUDE_TRADIFI: env.bool(false),
    ...busEnv,
    ...processEnv,
  })
  .transform((e) => ({ ...e, listenPort: e.BINANCE_PROXY_PORT ?? e.PORT }));

export type Env = z.infer<typeof EnvSchema>;

export function loadAppEnv(source: Record<string, string | undefined> = process.env): Env {
  return loadEnv(EnvSchema, source);
}
