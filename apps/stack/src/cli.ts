// `npm start` (real Binance) and `npm run demo` (simulated exchange): every app in one process.
import { EnvError, Lifecycle, createLogger } from '@volspike/runtime';
import { loadStackEnv } from './env.js';
import { startStack, type StackMode } from './stack.js';

const mode = (process.argv[2] ?? 'start') as StackMode;
if (mode !== 'start' && mode !== 'demo') {
  console.error(`usage: cli.ts start|demo (got "${mode}")`);
  process.exit(2);
}

let env;
try {
  env = loadStackEnv(process.env);
} catch (err) {
  console.error(err instanceof EnvError ? err.message : String(err));
  process.exit(1);
}

const logger = createLogger({ name: 'volspike-stack', level: env.LOG_LEVEL, pretty: env.LOG_PRETTY });
const lifecycle = new Lifecycle({ logger, deadlineMs: 4500 });
lifecycle.installSignalHandlers((code) => process.exit(code));

try {
  const stack = await startStack({
    mode,
    env,
    source: process.env,
    logger,
    onFatal: (reason) => {
      logger.fatal({ reason }, 'stopping: the stack cannot run without it');
      void lifecycle.shutdown(reason).then(() => process.exit(1));
    },
  });
  lifecycle.add('stack', () => stack.stop());
  logger.info(
    { mode, api: stack.apiUrl, components: stack.components, sim: stack.sim?.url ?? null },
    `VolSpike ${mode} is up: ${stack.apiUrl}/health, ${stack.apiUrl}/debug`,
  );
} catch (err) {
  if (err instanceof EnvError) {
    console.error(err.message);
  } else {
    logger.fatal({ err }, 'start-up failed');
  }
  await lifecycle.shutdown('start-up failed');
  process.exit(1);
}
