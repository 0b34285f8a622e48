// Starts the all-in-one stack for the bench exactly as `npm run demo` composes it (apps/stack `startStack`),
// pointed by `source` at the bench's own simulated exchange.
import type { Logger } from '@volspike/runtime';
import { loadStackEnv, startStack } from '@volspike/stack';

export interface BenchStack {
  runner: 'startStack';
  apiUrl: string;
  databaseUrl: string;
  ingestKey: string;
  jwtSecret: string;
  components: string[];
  missing: string[];
  stop(): Promise<void>;
}

export async function startBenchStack(source: Record<string, string | undefined>, logger: Logger): Promise<BenchStack> {
  const h = await startStack({ mode: 'demo', env: loadStackEnv(source), source, logger });
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
