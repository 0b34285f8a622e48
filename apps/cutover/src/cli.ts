// `npm run cutover -- compare --since <ISO> [--until <ISO>] [--shadow-dir DIR]` (docs/shadow-and-compare.md).
// Exit 0: legacy and shadow agree within the tolerances; 1: a difference; 2: usage or connection error.
import { EnvError } from '@volspike/runtime';
import { USAGE, UsageError, parseCompareArgs, runCompare } from './compare-command.js';
import { loadAppEnv } from './env.js';

async function main(): Promise<number> {
  try {
    const args = parseCompareArgs(process.argv.slice(2), Date.now());
    const env = loadAppEnv(process.env);
    const { exitCode, report } = await runCompare(env, args);
    process.stdout.write(`${report}\n`);
    return exitCode;
  } catch (err) {
    if (err instanceof UsageError) process.stderr.write(`${err.message}\n${USAGE}\n`);
    else if (err instanceof EnvError) process.stderr.write(`${err.message}\n`);
    else process.stderr.write(`compare failed: ${(err as Error).message}\n`);
    return 2;
  }
}

process.exitCode = await main();
