// Starts the all-in-one stack for the bench exactly as `npm run demo` runs it: the compiled bundle
// dist/stack.mjs in its own process, with the node flags of the root package.json's `demo` script, pointed
// by `source` at the bench's own simulated exchange. Its own process, so that its RSS is the stack's alone
// (not the sim's or the bench's load generators') and so that the generators do not share its event loop.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Logger } from '@volspike/runtime';
import {
  childPids,
  enabledComponents,
  loadStackEnv,
  REPO_ROOT,
  rssMb,
  STACK_BUNDLE,
  stackNodeFlags,
} from '@volspike/stack';
import { sleep, waitUntil } from './lib.js';

export interface BenchStack {
  runner: string;
  pid: number;
  apiUrl: string;
  databaseUrl: string;
  ingestKey: string;
  jwtSecret: string;
  components: string[];
  /** RSS (MB) of the stack process and, separately, of its child processes (the embedded database). */
  memory(): { rssMb: number | null; childrenRssMb: number | null };
  /** undefined while it runs; its exit code (null: killed by a signal) and the last line of stderr once it has exited */
  exit(): { code: number | null; lastStderr: string } | undefined;
  stop(): Promise<void>;
}

export async function startBenchStack(source: Record<string, string | undefined>, logger: Logger): Promise<BenchStack> {
  const env = loadStackEnv(source);
  const bundle = STACK_BUNDLE;
  if (!existsSync(bundle)) throw new Error('dist/stack.mjs is missing: run `npm run build`');
  const flags = benchStackFlags();
  const childEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, ...source })) if (v !== undefined) childEnv[k] = v;
  const child: ChildProcess = spawn(process.execPath, [...flags, bundle, 'demo'], {
    cwd: REPO_ROOT,
    env: childEnv,
    stdio: ['ignore', 'inherit', 'pipe'],
  });
  let stderrTail = '';
  child.stderr?.on('data', (d: Buffer) => {
    process.stderr.write(d);
    stderrTail = (stderrTail + d.toString()).slice(-2000);
  });
  let exitCode: number | null | undefined;
  const exited = new Promise<void>((res) =>
    child.on('exit', (code) => {
      exitCode = code;
      res();
    }),
  );
  const apiUrl = `http://127.0.0.1:${env.PORT}`;
  const up = await waitUntil(
    async () => {
      if (exitCode !== undefined) throw new Error('exited');
      const res = await fetch(`${apiUrl}/health`, { signal: AbortSignal.timeout(2000) });
      return res.status === 200 || res.status === 503;
    },
    180_000,
    500,
  );
  if (!up) {
    child.kill('SIGKILL');
    throw new Error(
      `the stack did not come up (exit ${String(exitCode)}): ${stderrTail.trim().split('\n').at(-1) ?? ''}`,
    );
  }
  // The embedded database's URL is written by the stack into its data directory.
  const databaseUrl = env.DATABASE_URL ?? readFileSync(join(resolve(env.DATA_DIR), 'pg', 'url'), 'utf8').trim();
  const pid = child.pid!;
  logger.info({ pid, flags }, 'bench stack started');
  return {
    runner: `node ${flags.join(' ')} dist/stack.mjs demo (own process)`,
    pid,
    apiUrl,
    databaseUrl,
    ingestKey: source.ALERT_INGEST_API_KEY ?? '',
    jwtSecret: source.JWT_SECRET ?? '',
    components: enabledComponents(env),
    memory: () => {
      const kids = childPids(pid)
        .map(rssMb)
        .filter((v): v is number => v !== null);
      return { rssMb: rssMb(pid), childrenRssMb: kids.length ? Math.round(kids.reduce((a, b) => a + b, 0)) : null };
    },
    exit: () =>
      exitCode === undefined
        ? undefined
        : {
            code: exitCode,
            lastStderr: stderrTail
              .trim()
              .split('\n')
              .filter((l) => !l.startsWith('{'))
              .slice(-3)
              .join(' | '),
          },
    async stop() {
      if (exitCode !== undefined) return;
      child.kill('SIGINT');
      await Promise.race([exited, sleep(15_000)]);
      if (exitCode === undefined) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

/**
 * The stack's node flags: the `demo` script's, then BENCH_STACK_NODE_FLAGS (space-separated, e.g.
 * `--max-semi-space-size=8`: an experiment, recorded in the JSON), then with BENCH_STACK_PROFILE_DIR a V8 CPU
 * profile of the stack's whole run written there when it stops (--cpu-prof is refused in NODE_OPTIONS).
 */
export function benchStackFlags(): string[] {
  const extra = (process.env.BENCH_STACK_NODE_FLAGS ?? '').split(' ').filter(Boolean);
  const profileDir = process.env.BENCH_STACK_PROFILE_DIR;
  return [...stackNodeFlags('demo'), ...extra, ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [])];
}
