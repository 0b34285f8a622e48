// Start-up in production: the refused configurations (the real process, one line on stderr, exit 1) and the
// modes of the secret files the backend writes.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@volspike/db/testing';
import { createBus, createLogger } from '@volspike/runtime';
import { loadAppEnv, start } from '../src/index.js';
import { INGEST_KEY } from './app-helpers.js';

const run = promisify(execFile);
const TSX = resolve(import.meta.dirname, '../../../node_modules/tsx/dist/loader.mjs');
const MAIN = resolve(import.meta.dirname, '../src/main.ts');
const GOOD_SECRET = 'a-production-secret-of-at-least-32-bytes';

/** Runs the backend's main.ts with only `env` (plus PATH); resolves with its exit code and stderr. */
async function startProcess(env: Record<string, string>): Promise<{ code: number; stderr: string }> {
  try {
    await run(process.execPath, ['--import', TSX, MAIN], {
      env: { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', ...env },
      timeout: 60_000,
    });
    return { code: 0, stderr: '' };
  } catch (err) {
    const e = err as { code?: number; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stderr: e.stderr ?? '' };
  }
}

describe('refused production start-ups (the real process)', () => {
  it.each([
    [
      'DEBUG_ACCESS=public',
      { DEBUG_ACCESS: 'public' },
      'Invalid environment: DEBUG_ACCESS (public) must be admin in production (NODE_ENV=production)',
    ],
    [
      'a JWT_SECRET of 31 bytes',
      { JWT_SECRET: 'x'.repeat(31) },
      'Invalid environment: JWT_SECRET (<redacted>) must be at least 32 bytes in production (NODE_ENV=production)',
    ],
    [
      'email tokens on',
      { LEGACY_EMAIL_TOKENS: 'true' },
      'Invalid environment: LEGACY_EMAIL_TOKENS (<redacted>) must be false in production (NODE_ENV=production): an email is not a proof of identity',
    ],
  ])('refuses %s with one line and exit code 1', async (_name, bad, line) => {
    const r = await startProcess({ NODE_ENV: 'production', JWT_SECRET: GOOD_SECRET, ...bad });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`${line}\n`);
  });
});

describe('secret files in production', () => {
  let db: TestDatabase;
  let dir: string;
  const logger = createLogger({ name: 'test', level: 'silent' });
  const env = (dataDir: string) =>
    loadAppEnv({
      PORT: '0',
      HOST: '127.0.0.1',
      NODE_ENV: 'production',
      ALERT_INGEST_API_KEY: INGEST_KEY,
      DATA_DIR: dataDir,
    });

  beforeAll(async () => {
    db = await createTestDatabase();
    dir = await mkdtemp(join(tmpdir(), 'volspike-prod-'));
  });
  afterAll(async () => {
    await db?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('creates the JWT secret file with mode 0600 and at least 32 bytes when JWT_SECRET is unset', async () => {
    const dataDir = join(dir, 'fresh');
    const bus = createBus({ logger });
    const handle = await start(env(dataDir), { logger, bus, metrics: new Registry(), prisma: db.prisma, dataDir });
    await handle.stop();
    await bus.close();
    const s = await stat(join(dataDir, 'jwt-secret'));
    expect(s.mode & 0o777).toBe(0o600);
    expect(s.size).toBeGreaterThanOrEqual(33); // 32 bytes + newline
  });

  it('refuses a secret file shorter than 32 bytes before opening anything', async () => {
    const dataDir = join(dir, 'short');
    await mkdir(dataDir, { recursive: true });
    await writeFile(join(dataDir, 'jwt-secret'), 'too-short\n', { mode: 0o600 });
    const bus = createBus({ logger });
    await expect(
      start(env(dataDir), { logger, bus, metrics: new Registry(), prisma: db.prisma, dataDir }),
    ).rejects.toThrow('JWT secret file is shorter than 32 bytes: not allowed in production');
    await bus.close();
  });
});
