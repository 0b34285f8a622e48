import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createPrismaClient,
  EMBEDDED_LOCK_FILE,
  embeddedLockOwner,
  readMigrations,
  resolveDatabase,
  startEmbeddedPostgresProcess,
  type DbLogger,
} from '../src/index.js';
import { isEmbeddedUrl } from '../src/embedded-registry.js';
import { PGLITE_START_TIMEOUT_MS, pristinePgliteDir, processAlive, query, waitFor } from './helpers.js';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const PARENT_FIXTURE = fileURLToPath(new URL('./fixtures/embedded-parent.ts', import.meta.url));
const MIGRATION_COUNT = readMigrations().length;
/** Generous bound for a child to notice its parent's death and close PGlite on a loaded machine. */
const CHILD_EXIT_BOUND_MS = 60_000;

const logger: DbLogger & { lines: { obj: object; msg?: string | undefined }[] } = {
  lines: [],
  info(obj, msg) {
    this.lines.push({ obj, msg });
  },
  warn(obj, msg) {
    this.lines.push({ obj, msg });
  },
  error(obj, msg) {
    this.lines.push({ obj, msg });
  },
};

const dirs: string[] = [];
const spawned: ChildProcess[] = [];
const pids: number[] = [];
afterAll(() => {
  // Whatever a failed test left running: the fixture parents, then any PGlite children still alive.
  for (const p of spawned) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  for (const pid of pids) if (processAlive(pid)) process.kill(pid, 'SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function pristine(): Promise<string> {
  const d = await pristinePgliteDir();
  dirs.push(d);
  return d;
}

describe('embedded Postgres in a child process', () => {
  it(
    'initialises a new directory, migrates it, serves Prisma and pg from the child, and keeps the data after stop',
    async () => {
      const root = mkdtempSync(join(tmpdir(), 'volspike-pglite-proc-'));
      dirs.push(root);
      const dataDir = join(root, 'pg'); // does not exist yet: initdb runs in its own throwaway process
      const db = await resolveDatabase({ dataDir, logger, embedded: 'process' });
      expect(db.embedded).toBe(true);
      expect(db.pid).toEqual(expect.any(Number));
      pids.push(db.pid!);
      expect(db.pid).not.toBe(process.pid);
      expect(existsSync(join(dataDir, 'PG_VERSION'))).toBe(true);
      // The child holds the data directory and the URL counts as embedded here (clients use one connection).
      expect(embeddedLockOwner(dataDir)).toBe(db.pid);
      expect(isEmbeddedUrl(db.url)).toBe(true);
      expect(await query(db.url, 'SELECT count(*)::int AS n FROM "_prisma_migrations"')).toEqual([
        { n: MIGRATION_COUNT },
      ]);
      // The small-footprint settings are in effect.
      expect(await query(db.url, 'SHOW shared_buffers')).toEqual([{ shared_buffers: '16MB' }]);
      expect(await query(db.url, 'SHOW timezone')).toEqual([{ TimeZone: 'UTC' }]);

      const prisma = createPrismaClient(db.url);
      try {
        await prisma.openInterestLiquidSymbol.create({
          data: { symbol: 'ETHUSDT', quoteVolume24h: '42.5', enteredAt: new Date(0), lastSeenAt: new Date(0) },
        });
        const row = await prisma.openInterestLiquidSymbol.findUnique({ where: { symbol: 'ETHUSDT' } });
        expect(row?.quoteVolume24h.toString()).toBe('42.5');
      } finally {
        await prisma.$disconnect();
      }

      const pid = db.pid!;
      await db.stop();
      await db.stop(); // idempotent
      expect(processAlive(pid)).toBe(false);
      expect(embeddedLockOwner(dataDir)).toBeNull();
      expect(isEmbeddedUrl(db.url)).toBe(false);

      // A new child reopens the directory: the row was flushed by the clean close.
      const again = await startEmbeddedPostgresProcess({ dataDir, logger });
      pids.push(again.pid);
      try {
        expect(again.pid).not.toBe(pid);
        expect(
          await query(again.url, `SELECT "quoteVolume24h"::text AS qv FROM "open_interest_liquid_symbols"`),
        ).toEqual([{ qv: '42.50' }]);
      } finally {
        await again.stop();
      }
      expect(processAlive(again.pid)).toBe(false);
    },
    PGLITE_START_TIMEOUT_MS * 2,
  );

  it(
    'a second start on a directory in use fails with EMBEDDED_START_FAILED naming the owner, and leaves the first running',
    async () => {
      const dataDir = await pristine();
      const first = await startEmbeddedPostgresProcess({ dataDir, logger });
      pids.push(first.pid);
      try {
        const err = await startEmbeddedPostgresProcess({ dataDir, logger }).then(
          () => null,
          (e: unknown) => e,
        );
        expect(err).toMatchObject({
          code: 'EMBEDDED_START_FAILED',
          message: `Embedded Postgres data directory ${dataDir} is already open by process ${first.pid}`,
        });
        expect(embeddedLockOwner(dataDir)).toBe(first.pid);
        expect(await query(first.url, 'SELECT 1 AS ok')).toEqual([{ ok: 1 }]);
      } finally {
        await first.stop();
      }
    },
    PGLITE_START_TIMEOUT_MS,
  );

  it('a directory that cannot be created fails with EMBEDDED_START_FAILED and the reason', async () => {
    const root = mkdtempSync(join(tmpdir(), 'volspike-pglite-proc-'));
    dirs.push(root);
    writeFileSync(join(root, 'file'), 'not a directory');
    await expect(startEmbeddedPostgresProcess({ dataDir: join(root, 'file', 'pg'), logger })).rejects.toMatchObject({
      code: 'EMBEDDED_START_FAILED',
      message: expect.stringContaining('ENOTDIR'),
    });
  });

  it(
    'when its parent is SIGKILLed, the child closes PGlite (data kept) and releases the lock for the next start',
    async () => {
      const dataDir = await pristine();
      const parent = spawn(process.execPath, ['--import', 'tsx', PARENT_FIXTURE, dataDir], {
        cwd: REPO_ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      spawned.push(parent);
      let out = '';
      let err = '';
      parent.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
      parent.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
      const parentExited = new Promise((res) => parent.once('exit', res));
      const started = await waitFor(
        'the fixture parent to report its embedded Postgres child',
        () => {
          if (parent.exitCode !== null) throw new Error(`fixture parent exited: ${err}`);
          const line = out.split('\n')[0];
          return out.includes('\n') && line ? (JSON.parse(line) as { pid: number; url: string }) : null;
        },
        PGLITE_START_TIMEOUT_MS,
      );
      pids.push(started.pid);
      expect(embeddedLockOwner(dataDir)).toBe(started.pid);
      await query(started.url, `CREATE TABLE orphan_check (v int); INSERT INTO orphan_check VALUES (7)`);

      parent.kill('SIGKILL');
      await parentExited;
      await waitFor(
        'the PGlite child to exit after its parent died',
        () => !processAlive(started.pid),
        CHILD_EXIT_BOUND_MS,
      );
      // Released by the child's clean close (a killed child would leave its stale pid file behind).
      expect(existsSync(join(dataDir, EMBEDDED_LOCK_FILE))).toBe(false);
      expect(embeddedLockOwner(dataDir)).toBeNull();

      const next = await startEmbeddedPostgresProcess({ dataDir, logger });
      pids.push(next.pid);
      try {
        expect(await query(next.url, 'SELECT v FROM orphan_check')).toEqual([{ v: 7 }]);
      } finally {
        await next.stop();
      }
    },
    PGLITE_START_TIMEOUT_MS + CHILD_EXIT_BOUND_MS,
  );
});
