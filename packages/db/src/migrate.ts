import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { DbError } from './errors.js';
import type { DbLogger } from './logger.js';
import { DEFAULT_MIGRATIONS_DIR, readMigrations } from './migrations.js';

/** The advisory lock key `prisma migrate` itself takes, so our runner and Prisma's exclude each other. */
export const MIGRATION_LOCK_KEY = 72707369;

/** Prisma's own DDL for its bookkeeping table (unchanged since Prisma 2). */
const CREATE_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

export interface MigrateOptions {
  logger?: DbLogger;
  /** Defaults to this repository's `prisma/migrations`. */
  migrationsDir?: string;
}

export interface MigrateResult {
  /** Migrations applied by this call, in order. */
  applied: string[];
  /** Migrations that were already applied (same checksum). */
  skipped: string[];
}

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
}

/**
 * Applies the pending migrations in name order, each in its own transaction, under Prisma's advisory
 * lock, recording rows in `_prisma_migrations` exactly as `prisma migrate deploy` does. Idempotent.
 * Throws DbError MIGRATION_CHECKSUM_MISMATCH when an applied migration's file changed, and
 * MIGRATION_PREVIOUSLY_FAILED when Prisma recorded an unfinished migration (resolve it first).
 * A migration that fails is rolled back completely and not recorded (MIGRATION_FAILED).
 */
export function migrate(databaseUrl: string, opts: MigrateOptions = {}): Promise<MigrateResult> {
  // Calls with the same URL are also serialised in-process: the advisory lock does not separate
  // connections to the embedded PGlite server, which all share its single session.
  const key = databaseUrl;
  const prev = inProcess.get(key) ?? Promise.resolve();
  const run = prev.then(
    () => migrateLocked(databaseUrl, opts),
    () => migrateLocked(databaseUrl, opts),
  );
  const tail = run.then(
    () => undefined,
    () => undefined,
  );
  inProcess.set(key, tail);
  void tail.then(() => {
    if (inProcess.get(key) === tail) inProcess.delete(key);
  });
  return run;
}

const inProcess = new Map<string, Promise<void>>();

async function migrateLocked(databaseUrl: string, opts: MigrateOptions): Promise<MigrateResult> {
  const migrations = readMigrations(opts.migrationsDir ?? DEFAULT_MIGRATIONS_DIR);
  const log = opts.logger;
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      await client.query(CREATE_MIGRATIONS_TABLE);
      const { rows } = await client.query<AppliedRow>(
        `SELECT "migration_name", "checksum", "finished_at" FROM "_prisma_migrations"
         WHERE "rolled_back_at" IS NULL ORDER BY "started_at"`,
      );
      const byName = new Map<string, AppliedRow[]>();
      for (const r of rows) byName.set(r.migration_name, [...(byName.get(r.migration_name) ?? []), r]);

      const onDisk = new Set(migrations.map((m) => m.name));
      for (const name of byName.keys()) {
        if (!onDisk.has(name))
          log?.warn({ migration: name }, 'applied migration is missing from the migrations directory');
      }

      const result: MigrateResult = { applied: [], skipped: [] };
      for (const m of migrations) {
        const prior = byName.get(m.name) ?? [];
        const unfinished = prior.find((r) => r.finished_at === null);
        if (unfinished) {
          throw new DbError(
            'MIGRATION_PREVIOUSLY_FAILED',
            `Migration ${m.name} is recorded as started but not finished in _prisma_migrations; fix the database and mark it rolled back or applied before migrating again`,
            { migration: m.name },
          );
        }
        const done = prior.find((r) => r.finished_at !== null);
        if (done) {
          if (done.checksum !== m.checksum) {
            throw new DbError(
              'MIGRATION_CHECKSUM_MISMATCH',
              `Migration ${m.name} was modified after it was applied (checksum ${done.checksum} in the database, ${m.checksum} on disk); add a new migration instead`,
              { migration: m.name },
            );
          }
          result.skipped.push(m.name);
          continue;
        }
        await applyOne(client, m.name, m.sql, m.checksum);
        log?.info({ migration: m.name }, 'migration applied');
        result.applied.push(m.name);
      }
      return result;
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    }
  } finally {
    await client.end();
  }
}

async function applyOne(client: pg.Client, name: string, sql: string, checksum: string): Promise<void> {
  const id = randomUUID();
  try {
    await client.query('BEGIN');
    await client.query(
      `INSERT INTO "_prisma_migrations" ("id", "checksum", "migration_name", "started_at", "applied_steps_count")
       VALUES ($1, $2, $3, now(), 0)`,
      [id, checksum, name],
    );
    await client.query(sql);
    await client.query(
      `UPDATE "_prisma_migrations" SET "finished_at" = clock_timestamp(), "applied_steps_count" = 1 WHERE "id" = $1`,
      [id],
    );
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    const reason = err instanceof Error ? err.message : String(err);
    throw new DbError('MIGRATION_FAILED', `Migration ${name} failed and was rolled back: ${reason}`, {
      migration: name,
      cause: err,
    });
  }
}
