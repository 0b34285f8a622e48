import { appendFileSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DbError, DEFAULT_MIGRATIONS_DIR, migrate, readMigrations, startEmbeddedPostgres } from '../src/index.js';
import { DEFAULT_TEST_DATABASE_URL, withDatabase } from '../src/testing.js';
import {
  addMigration,
  catalogSnapshot,
  copyMigrations,
  PGLITE_START_TIMEOUT_MS,
  pristinePgliteDir,
  query,
} from './helpers.js';

const BASE_URL = process.env.TEST_DATABASE_URL ?? DEFAULT_TEST_DATABASE_URL;
const MIGRATION_NAMES = readMigrations().map((m) => m.name);

interface Target {
  url: string;
  close(): Promise<void>;
}

/** Empty databases: a new database (from template0) on the real server, and a new PGlite data dir. */
const targets: { name: string; open(): Promise<Target> }[] = [
  {
    name: 'postgres',
    async open() {
      const name = `volspike_migrate_${process.pid}_${Date.now()}`;
      await query(BASE_URL, `CREATE DATABASE "${name}" TEMPLATE template0`);
      return {
        url: withDatabase(BASE_URL, name),
        async close() {
          await query(BASE_URL, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        },
      };
    },
  },
  {
    name: 'pglite',
    async open() {
      const dir = await pristinePgliteDir();
      const pg = await startEmbeddedPostgres({ dataDir: dir });
      return {
        url: pg.url,
        async close() {
          await pg.stop();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
];

describe.each(targets)('migrate() on an empty $name database', ({ open }) => {
  let target: Target;
  const tempDirs: string[] = [];
  beforeAll(async () => {
    target = await open();
  }, PGLITE_START_TIMEOUT_MS);
  afterAll(async () => {
    await target?.close();
    for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
  });

  it('applies every migration, then a second run applies nothing and changes nothing', async () => {
    const first = await migrate(target.url);
    expect(first).toEqual({ state: 'empty', applied: MIGRATION_NAMES, skipped: [], adoption: null });
    const schemaAfterFirst = await catalogSnapshot(target.url);
    const rowsAfterFirst = await query(target.url, 'SELECT * FROM "_prisma_migrations" ORDER BY started_at');

    const second = await migrate(target.url);
    expect(second).toEqual({ state: 'migrated', applied: [], skipped: MIGRATION_NAMES, adoption: null });
    expect(await catalogSnapshot(target.url)).toBe(schemaAfterFirst);
    expect(await query(target.url, 'SELECT * FROM "_prisma_migrations" ORDER BY started_at')).toEqual(rowsAfterFirst);
    expect(schemaAfterFirst).toContain('open_interest_snapshots_symbol_ts_source_key');
  });

  it("records each migration in _prisma_migrations with Prisma's columns and the file's sha256", async () => {
    const columns = await query(
      target.url,
      `SELECT column_name, data_type, character_maximum_length AS len, is_nullable, column_default
       FROM information_schema.columns WHERE table_name = '_prisma_migrations' ORDER BY ordinal_position`,
    );
    expect(columns).toEqual([
      { column_name: 'id', data_type: 'character varying', len: 36, is_nullable: 'NO', column_default: null },
      { column_name: 'checksum', data_type: 'character varying', len: 64, is_nullable: 'NO', column_default: null },
      {
        column_name: 'finished_at',
        data_type: 'timestamp with time zone',
        len: null,
        is_nullable: 'YES',
        column_default: null,
      },
      {
        column_name: 'migration_name',
        data_type: 'character varying',
        len: 255,
        is_nullable: 'NO',
        column_default: null,
      },
      { column_name: 'logs', data_type: 'text', len: null, is_nullable: 'YES', column_default: null },
      {
        column_name: 'rolled_back_at',
        data_type: 'timestamp with time zone',
        len: null,
        is_nullable: 'YES',
        column_default: null,
      },
      {
        column_name: 'started_at',
        data_type: 'timestamp with time zone',
        len: null,
        is_nullable: 'NO',
        column_default: 'now()',
      },
      { column_name: 'applied_steps_count', data_type: 'integer', len: null, is_nullable: 'NO', column_default: '0' },
    ]);
    const rows = await query<{
      id: string;
      checksum: string;
      migration_name: string;
      started_at: Date;
      finished_at: Date | null;
      logs: string | null;
      rolled_back_at: Date | null;
      applied_steps_count: number;
    }>(target.url, 'SELECT * FROM "_prisma_migrations" ORDER BY started_at');
    expect(rows.map((r) => r.migration_name)).toEqual(MIGRATION_NAMES);
    for (const r of rows) {
      const file = readFileSync(join(DEFAULT_MIGRATIONS_DIR, r.migration_name, 'migration.sql'));
      expect(r.checksum).toBe(createHash('sha256').update(file).digest('hex'));
      expect(r.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(r.finished_at).toBeInstanceOf(Date);
      expect(r.finished_at!.getTime()).toBeGreaterThanOrEqual(r.started_at.getTime());
      expect(r).toMatchObject({ logs: null, rolled_back_at: null, applied_steps_count: 1 });
    }
  });

  it('applies a new migration after the applied ones', async () => {
    const dir = copyMigrations();
    tempDirs.push(dir);
    addMigration(dir, '29991231000000_extra', 'CREATE TABLE "extra_probe" ("id" TEXT NOT NULL);\n');
    expect(await migrate(target.url, { migrationsDir: dir })).toEqual({
      state: 'migrated',
      applied: ['29991231000000_extra'],
      skipped: MIGRATION_NAMES,
      adoption: null,
    });
    expect(await query(target.url, `SELECT to_regclass('public.extra_probe') IS NOT NULL AS present`)).toEqual([
      { present: true },
    ]);
  });

  it('refuses with MIGRATION_CHECKSUM_MISMATCH when an applied migration file was edited', async () => {
    const dir = copyMigrations();
    tempDirs.push(dir);
    appendFileSync(join(dir, MIGRATION_NAMES[0]!, 'migration.sql'), '\n-- edited after deploy\n');
    const err = await migrate(target.url, { migrationsDir: dir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DbError);
    expect(err).toMatchObject({ code: 'MIGRATION_CHECKSUM_MISMATCH', migration: MIGRATION_NAMES[0] });
  });

  it('rolls a failing migration back completely and does not record it', async () => {
    const dir = copyMigrations();
    tempDirs.push(dir);
    addMigration(dir, '29991231000000_extra', 'CREATE TABLE "extra_probe" ("id" TEXT NOT NULL);\n');
    addMigration(dir, '29991231000001_broken', 'CREATE TABLE "half_done" ("id" TEXT);\nSELECT no_such_function();\n');
    const err = await migrate(target.url, { migrationsDir: dir }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'MIGRATION_FAILED', migration: '29991231000001_broken' });
    expect(await query(target.url, `SELECT to_regclass('public.half_done') IS NULL AS absent`)).toEqual([
      { absent: true },
    ]);
    const names = await query<{ migration_name: string }>(
      target.url,
      'SELECT migration_name FROM "_prisma_migrations"',
    );
    expect(names.map((r) => r.migration_name)).not.toContain('29991231000001_broken');
  });

  it('refuses with MIGRATION_PREVIOUSLY_FAILED when Prisma recorded an unfinished migration', async () => {
    const dir = copyMigrations();
    tempDirs.push(dir);
    addMigration(dir, '29991231000000_extra', 'CREATE TABLE "extra_probe" ("id" TEXT NOT NULL);\n');
    addMigration(dir, '29991231000002_crashed', 'SELECT 1;\n');
    await query(
      target.url,
      `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, logs) VALUES ('00000000-0000-4000-8000-000000000000', 'x', '29991231000002_crashed', 'crashed')`,
    );
    await expect(migrate(target.url, { migrationsDir: dir })).rejects.toMatchObject({
      code: 'MIGRATION_PREVIOUSLY_FAILED',
      migration: '29991231000002_crashed',
    });
  });
});

describe('migrate() under concurrency', () => {
  it('applies each migration exactly once when several runners start together (advisory lock)', async () => {
    const name = `volspike_migrate_conc_${process.pid}_${Date.now()}`;
    await query(BASE_URL, `CREATE DATABASE "${name}" TEMPLATE template0`);
    try {
      const url = withDatabase(BASE_URL, name);
      // Different URL spellings defeat the in-process queue, so only the advisory lock separates them.
      const urls = [url, `${url}?application_name=a`, `${url}?application_name=b`];
      const results = await Promise.all(urls.map((u) => migrate(u)));
      expect(results.flatMap((r) => r.applied).sort()).toEqual(MIGRATION_NAMES);
      expect(await query(url, 'SELECT count(*)::int AS n FROM "_prisma_migrations"')).toEqual([
        { n: MIGRATION_NAMES.length },
      ]);
    } finally {
      await query(BASE_URL, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    }
  });
});

it('readMigrations rejects a migration folder without migration.sql', () => {
  const dir = copyMigrations();
  try {
    addMigration(dir, '29991231000000_extra', 'SELECT 1;');
    rmSync(join(dir, '29991231000000_extra', 'migration.sql'));
    expect(existsSync(join(dir, '29991231000000_extra'))).toBe(true);
    expect(() => readMigrations(dir)).toThrow(
      expect.objectContaining({ code: 'MIGRATIONS_DIR_INVALID', migration: '29991231000000_extra' }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
