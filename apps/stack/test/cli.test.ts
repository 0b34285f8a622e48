// `npm run demo` as a user runs it: the compiled bundle in a real child process with the flags of the
// `demo` script, /health answers, Ctrl-C (SIGINT) stops it quickly and cleanly, and a bad env value stops it
// at start with one line naming the variable.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@volspike/db/testing';
import { REPO_ROOT, STACK_BUNDLE, childPids, stackNodeFlags } from '../src/launch.js';
import { freePort, waitFor } from './helpers.js';

let db: TestDatabase;
let dataDir: string;

beforeAll(async () => {
  // What every npm script does first (scripts/bootstrap.mjs): rebuild dist/ when a source is newer.
  execFileSync(process.execPath, ['scripts/build.mjs', '--if-stale'], { cwd: REPO_ROOT, stdio: 'ignore' });
  db = await createTestDatabase();
  dataDir = mkdtempSync(join(tmpdir(), 'volspike-cli-'));
});
afterAll(async () => {
  await db?.drop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

function runCli(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, [...stackNodeFlags('demo'), STACK_BUNDLE, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; at: number }>((res) =>
    child.on('exit', (code) => res({ code, at: Date.now() })),
  );
  return { child, exited, out: () => stdout, err: () => stderr };
}

describe('stack CLI', () => {
  it('starts the demo, answers /health with database and bus status, and stops on Ctrl-C within 5 s', async () => {
    const port = await freePort();
    const run = runCli(['demo'], {
      DATA_DIR: dataDir,
      DATABASE_URL: db.url,
      PORT: String(port),
      BINANCE_PROXY_PORT: String(await freePort()),
      FUNDING_API_PORT: String(await freePort()),
      SIM_PORT: String(await freePort()),
      SIM_SYMBOLS: '40',
      FEATURE_TELEGRAM_POLLER: 'false',
      LOG_LEVEL: 'warn',
    });
    try {
      const body = await waitFor(
        '/health',
        async () => {
          const res = await fetch(`http://127.0.0.1:${port}/health`);
          return (await res.json()) as { checks?: Record<string, { ok?: boolean; status?: string }> };
        },
        90_000,
        500,
      );
      expect(body.checks).toHaveProperty('database');
      expect(body.checks).toHaveProperty('bus');
      const sentAt = Date.now();
      run.child.kill('SIGINT');
      const { code, at } = await run.exited;
      expect(code).toBe(0);
      expect(at - sentAt).toBeLessThan(5000);
      expect(run.err()).not.toMatch(/\n\s+at /);
    } finally {
      run.child.kill('SIGKILL');
    }
  }, 120_000);

  it('runs the embedded database in a process of its own and stops (exit 1) when that process dies', async () => {
    const port = await freePort();
    const ownDir = mkdtempSync(join(tmpdir(), 'volspike-cli-embedded-'));
    const run = runCli(['demo'], {
      DATA_DIR: ownDir,
      DATABASE_URL: '',
      PORT: String(port),
      BINANCE_PROXY_PORT: String(await freePort()),
      FUNDING_API_PORT: String(await freePort()),
      SIM_PORT: String(await freePort()),
      SIM_SYMBOLS: '20',
      FEATURE_TELEGRAM_POLLER: 'false',
      LOG_LEVEL: 'warn',
    });
    try {
      await waitFor(
        '/health with the embedded database',
        async () => {
          const res = await fetch(`http://127.0.0.1:${port}/health`);
          const body = (await res.json()) as { checks?: { database?: { ok?: boolean } } };
          return body.checks?.database?.ok === true;
        },
        170_000,
        500,
      );
      const dbChildren = childPids(run.child.pid!);
      expect(dbChildren).toHaveLength(1);
      process.kill(dbChildren[0]!, 'SIGKILL');
      const { code } = await run.exited;
      expect(code).toBe(1);
      expect(run.out() + run.err()).toMatch(/embedded Postgres process exited/);
    } finally {
      run.child.kill('SIGKILL');
      rmSync(ownDir, { recursive: true, force: true });
    }
  }, 240_000);

  it.each([
    ['a non-numeric port', { PORT: 'not-a-port' }, /PORT/],
    [
      'the exit threshold above the enter threshold',
      { OI_LIQUID_ENTER_QUOTE_24H: '2000000', OI_LIQUID_EXIT_QUOTE_24H: '3000000' },
      /OI_LIQUID_EXIT_QUOTE_24H/,
    ],
  ])(
    'refuses %s at start with one line naming the variable',
    async (_what, bad, pattern) => {
      const run = runCli(['demo'], { DATA_DIR: dataDir, DATABASE_URL: db.url, ...bad });
      const { code } = await run.exited;
      expect(code).not.toBe(0);
      const lines = run.err().trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(pattern);
    },
    60_000,
  );
});
