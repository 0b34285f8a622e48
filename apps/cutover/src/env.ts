import { z } from 'zod';
import { env, loadEnv, shadowEnv } from '@volspike/runtime';

/** `npm run cutover` configuration: the live database, where the shadow journals are, the universe thresholds. */
export const EnvSchema = z.object({
  /** The live database the legacy scripts deliver into (required for compare). */
  DATABASE_URL: env.url(),
  SHADOW_DIR: shadowEnv.SHADOW_DIR,
  OI_LIQUID_ENTER_QUOTE_24H: env.num(4_000_000, { min: 0 }),
  OI_LIQUID_EXIT_QUOTE_24H: env.num(2_000_000, { min: 0 }),
});
export type Env = z.infer<typeof EnvSchema>;

export function loadAppEnv(source: Record<string, string | undefined> = process.env): Env {
  return loadEnv(EnvSchema, source);
}
