import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { DEFAULT_MIGRATIONS_DIR } from '../src/index.js';

/** initdb of PGlite (WASM) can take a minute on a loaded 2-core machine; only the first run pays it. */
export const PGLITE_START_TIMEOUT_MS = 180_000;

const PGLITE_PACKAGE_JSON = fileURLToPath(
  new URL('../node_modules/@electric-sql/pglite/package.json', import.meta.url),
);

export async function query<T extends pg.QueryResultRow = Record<string, unknown>>(
  url: string,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<T>(sql, params)).rows;
  } finally {
    await c.end();
  }
}

/** Tables, columns, indexes, constraints and enums of the public schema, as one comparable string. */
export async function catalogSnapshot(url: string): Promise<string> {
  const columns = await query(
    url,
    `SELECT table_name, column_name, data_type, udt_name, is_nullable, column_default, numeric_precision, numeric_scale, datetime_precision
     FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, ordinal_position`,
  );
  const indexes = await query(
    url,
    `SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY indexname`,
  );
  const constraints = await query(
    url,
    `SELECT conrelid::regclass::text AS tbl, conname, pg_get_constraintdef(oid) AS def FROM pg_constraint
     WHERE connamespace = 'public'::regnamespace ORDER BY conname`,
  );
  const enums = await query(
    url,
    `SELECT t.typname, e.enumlabel FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid ORDER BY t.typname, e.enumsortorder`,
  );
  return JSON.stringify({ columns, indexes, constraints, enums });
}

/** A copy of the repository's migrations in a temp folder, to add or alter migrations in a test. */
export function copyMigrations(): string {
  const dir = mkdtempSync(join(tmpdir(), 'volspike-migrations-'));
  cpSync(DEFAULT_MIGRATIONS_DIR, dir, { recursive: true });
  return dir;
}

export function addMigration(dir: string, name: string, sql: string): void {
  mkdirSync(join(dir, name));
  writeFileSync(join(dir, name, 'migration.sql'), sql);
}

/**
 * A new PGlite data directory that is already initialised (initdb done, no tables). initdb in WASM
 * takes seconds on a busy machine, so one pristine copy per PGlite version is kept in the temp dir and
 * copied; built under a unique name and renamed so parallel test files never see a half-written one.
 */
export async function pristinePgliteDir(): Promise<string> {
  const version = (JSON.parse(readFileSync(PGLITE_PACKAGE_JSON, 'utf8')) as { version: string }).version;
  const cache = join(tmpdir(), `volspike-pglite-pristine-${version}`);
  if (!existsSync(join(cache, 'PG_VERSION'))) {
    const building = `${cache}.${process.pid}.${Date.now()}`;
    const db = await PGlite.create({ dataDir: building });
    await db.close();
    try {
      renameSync(building, cache);
    } catch {
      rmSync(building, { recursive: true, force: true }); // another process won the race
    }
  }
  const dir = mkdtempSync(join(tmpdir(), 'volspike-pglite-'));
  cpSync(cache, dir, { recursive: true });
  return dir;
}

/** Polls `fn` until it returns a truthy value; a generous bound, never a timing assertion. */
export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  timeoutMs: number,
  everyMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = null;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

/** Whether a process with this pid is running (an exited one that nobody has reaped yet is not). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    // "pid (comm) S ...": an orphan's zombie lingers when the container's init does not reap it.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
