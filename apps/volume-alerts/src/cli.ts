import { resolve } from 'node:path';
import { WeightBudget, DEFAULT_COMPONENT_SHARES } from '@volspike/binance-client';
import { createLogger, EnvError } from '@volspike/runtime';
import { loadAppEnv } from './env.js';
import { parseReplayArgs, ReplayArgsError, runReplay } from './replay.js';

// `npm run volume-alerts -- replay --at <ISO> [--at <ISO> ...]` (a CLI: it may read process.env and print).
const USAGE = 'usage: npm run volume-alerts -- replay --at <ISO> [--at <ISO> ...] [--flush-timeout-ms 60000]';

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command !== 'replay') {
    console.error(USAGE);
    return 2;
  }
  let args: ReturnType<typeof parseReplayArgs>;
  try {
    args = parseReplayArgs(rest);
  } catch (err) {
    if (err instanceof ReplayArgsError) {
      console.error(`${err.message}\n${USAGE}`);
      return 2;
    }
    throw err;
  }
  const env = loadAppEnv(process.env);
  const logger = createLogger({ name: 'volume-alerts-replay', level: env.LOG_LEVEL, pretty: env.LOG_PRETTY });
  const budget = new WeightBudget({
    redisUrl: env.REDIS_URL,
    shares: DEFAULT_COMPONENT_SHARES,
    logger: logger.child({ component: 'weight-budget' }),
  });
  try {
    const { cycles, undelivered } = await runReplay({
      env,
      times: args.times,
      logger,
      budget,
      dataDir: resolve(env.DATA_DIR),
      flushTimeoutMs: args.flushTimeoutMs,
    });
    for (const c of cycles)
      console.log(
        `${new Date(c.cycleTime).toISOString()}  symbols ${c.symbols.length - c.skipped}/${c.symbols.length}  alerts ${c.alerts.length}`,
      );
    if (undelivered > 0) {
      console.error(
        `${undelivered} deliveries still queued (kept in the replay outbox; the next replay run resumes them)`,
      );
      return 1;
    }
    return 0;
  } finally {
    await budget.stop();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof EnvError ? err.message : err);
    process.exit(1);
  },
);
