import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { DbError } from './errors.js';
import type { DbLogger } from './logger.js';
import { adoptLegacyDatabase, planLegacyAdoption, type AdoptionHooks, type AdoptionReport } from './adoption/adopt.js';
import { baselineMigrations } from './adoption/target.js';
import { DEFAULT_MIGRATIONS_DIR, readMigrations, type MigrationFile } from './migrations.js';

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
  /** Only report what would be done (steps, data checks, pending migrations); change nothing. */
  plan?: boolean;
  /**
   * false: refuse (ADOPTION_REQUIRED) instead of adopting a database created by the legacy backend. Services
   * starting up pass false: adopting the live database is an explicit operator step (`npm run db:migrate`).
   */
  adopt?: boolean;
  /** Test hooks into the adoption of a legacy database. */
  adoptionHooks?: AdoptionHooks;
}

/** `empty`: no tables; `migrated`: our first migration is recorded; `legacy`: tables but no migration history. */
export type DatabaseState = 'empty' | 'migrated' | 'legacy';

export interface MigrateResult {
  state: DatabaseState;
  /** Migrations applied by this call, in order (with `plan`: those that would be). */
  applied: string[];
  /** Migrations that were already applied (same checksum). */
  skipped: string[];
  /** The adoption of a legacy database (with `plan`: what it would do), else null. */
  adoption: AdoptionReport | null;
}

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
}

/**
 * Applies the pending migrations in name order, each in its own transaction, under Prisma's advisory
 * lock, recording rows in `_prisma_migrations` exactly as `prisma migrate deploy` does. Idempotent.
 * A database created by the legacy backend (tables, no migration history) is first adopted: the baseline
 * migrations' objects are created expand-only and recorded as applied (src/adoption, docs/adoption.md).
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

async function databaseState(client: pg.Client, firstMigration: string | undefined): Promise<DatabaseState> {
  const { rows } = await client.query<{ history: boolean; tables: boolean }>(
    `SELECT to_regclass(format('%I._prisma_migrations', current_schema())) IS NOT NULL AS history,
            EXISTS (SELECT 1 FROM pg_class WHERE relnamespace = current_schema()::regnamespace
                    AND relkind IN ('r', 'p') AND relname <> '_prisma_migrations') AS tables`,
  );
  const { history, tables } = rows[0]!;
  if (history && firstMigration !== undefined) {
    const r = await client.query(
      `SELECT 1 FROM "_prisma_migrations" WHERE "migration_name" = $1 AND "finished_at" IS NOT NULL AND "rolled_back_at" IS NULL`,
      [firstMigration],
    );
    if (r.rowCount) return 'migrated';
  }
  return tables ? 'legacy' : 'empty';
}

async function appliedRows(client: pg.Client): Promise<Map<string, AppliedRow[]>> {
  const exists = await client.query(`SELECT to_regclass(format('%I._prisma_migrations', current_schema())) AS t`);
  const byName = new Map<string, AppliedRow[]>();
  if ((exists.rows[0] as { t: string | null }).t === null) return byName;
  const { rows } = await client.query<AppliedRow>(
    `SELECT "migration_name", "checksum", "finished_at" FROM "_prisma_migrations"
     WHERE "rolled_back_at" IS NULL ORDER BY "started_at"`,
  );
  for (const r of rows) byName.set(r.migration_name, [...(byName.get(r.migration_name) ?? []), r]);
  return byName;
}

/** Throws when an applied migration was started but not finished, or changed since; true when applied. */
function alreadyApplied(m: MigrationFile, prior: AppliedRow[]): boolean {
  if (prior.some((r) => r.finished_at === null)) {
    throw new DbError(
      'MIGRATION_PREVIOUSLY_FAILED',
      `Migration ${m.name} is recorded as started but not finished in _prisma_migrations; fix the database and mark it rolled back or applied before migrating again`,
      { migration: m.name },
    );
  }
  const done = prior.find((r) => r.finished_at !== null);
  if (!done) return false;
  if (done.checksum !== m.checksum) {
    throw new DbError(
      'MIGRATION_CHECKSUM_MISMATCH',
      `Migration ${m.name} was modified after it was applied (checksum ${done.checksum} in the database, ${m.checksum} on disk); add a new migration instead`,
      { migration: m.name },
    );
  }
  return true;
}

async function adopt(client: pg.Client, migrations: MigrationFile[], opts: MigrateOptions): Promise<AdoptionReport> {
  try {
    if (opts.plan) return (await planLegacyAdoption(client, migrations)).report;
    return await adoptLegacyDatabase(client, migrations, {
      ...(opts.logger ? { logger: opts.logger } : {}),
      ...(opts.adoptionHooks ? { hooks: opts.adoptionHooks } : {}),
    });
  } catch (err) {
    if (err instanceof DbError) throw err;
    throw new DbError(
      'ADOPTION_FAILED',
      `Adopting the legacy database stopped: ${(err as Error).message}. Everything done so far is additive and the legacy backend can keep using the database; run db:migrate again to finish`,
      { cause: err },
    );
  }
}

async function migrateLocked(databaseUrl: string, opts: MigrateOptions): Promise<MigrateResult> {
  const migrations = readMigrations(opts.migrationsDir ?? DEFAULT_MIGRATIONS_DIR);
  const log = opts.logger;
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      const state = await databaseState(client, migrations[0]?.name);
      if (state === 'legacy' && opts.adopt === false && !opts.plan) {
        throw new DbError(
          'ADOPTION_REQUIRED',
          'The database was created by the legacy backend (tables, no migration history) and has not been adopted; nothing was changed. Adopt it explicitly first: npm run db:migrate -- --plan, then npm run db:migrate (docs/adoption.md)',
        );
      }
      if (!opts.plan) await client.query(CREATE_MIGRATIONS_TABLE);
      const adoption = state === 'legacy' ? await adopt(client, migrations, opts) : null;
      const byName = await appliedRows(client);
      for (const name of byName.keys()) {
        if (!migrations.some((m) => m.name === name))
          log?.warn({ migration: name }, 'applied migration is missing from the migrations directory');
      }
      const covered = new Set(adoption ? baselineMigrations(migrations).map((m) => m.name) : []);
      const result: MigrateResult = { state, applied: [], skipped: [], adoption };
      for (const m of migrations) {
        if (alreadyApplied(m, byName.get(m.name) ?? []) || (opts.plan && covered.has(m.name))) {
          result.skipped.push(m.name);
          continue;
        }
        if (!opts.plan) {
          await applyOne(client, m.name, m.sql, m.checksum);
          log?.info({ migration: m.name }, 'migration applied');
        }
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
