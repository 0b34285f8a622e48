// `createLegacyDatabase()`: a database exactly as the legacy backend's `prisma db push` leaves it (no
// `_prisma_migrations`), filled with realistic history, on TEST_DATABASE_URL's server. Test-only.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import {
  LEGACY_MARKET_SQL,
  LEGACY_OUTSIDE_DATA_SQL,
  LEGACY_SYMBOLS,
  LEGACY_USER_DATA_SQL,
  LEGACY_USERS,
  LEGACY_USERS_SQL,
} from './data-sql.js';
import { LEGACY_OUTSIDE_DDL, LEGACY_SHARED_DDL } from './schema-sql.js';

export { LEGACY_OUTSIDE_TABLES, LEGACY_SHARED_TABLES } from './schema-sql.js';
export { LEGACY_SYMBOLS, LEGACY_USERS } from './data-sql.js';

export interface LegacyDatabase {
  url: string;
  name: string;
  /** Where every series of the history ends (a 5-minute boundary at most 5 minutes before creation). */
  end: Date;
  users: typeof LEGACY_USERS;
  symbols: string[];
  /** Terminates connections and drops the database. Idempotent. */
  drop(): Promise<void>;
}

export interface LegacyDatabaseOptions {
  /** Server (and credentials) to create it on; default TEST_DATABASE_URL, else the local server. */
  baseUrl?: string;
  /** "Now" of the history (ms); default Date.now(). */
  now?: number;
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

async function run(url: string, fn: (c: pg.Client) => Promise<void>): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await fn(c);
  } finally {
    await c.end();
  }
}

/** Creates and fills the legacy database; the name starts `volspike_test_<pid>_` so crashed runs are cleaned up. */
export async function createLegacyDatabase(opts: LegacyDatabaseOptions = {}): Promise<LegacyDatabase> {
  const baseUrl = opts.baseUrl ?? process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
  const end = new Date(Math.floor((opts.now ?? Date.now()) / 300_000) * 300_000);
  const name = `volspike_test_${process.pid}_legacy_${randomBytes(4).toString('hex')}`;
  await run(baseUrl, (c) => c.query(`CREATE DATABASE "${name}" TEMPLATE template0`).then(() => undefined));
  const url = withDatabase(baseUrl, name);
  const endSql = `TIMESTAMP '${end.toISOString().replace('T', ' ').replace('Z', '')}'`;
  const symbols = LEGACY_SYMBOLS.map((s) => `'${s}'`).join(', ');
  const fill = (sql: string) => sql.replaceAll('__END__', endSql).replaceAll('__SYMBOLS__', symbols);
  let dropping: Promise<void> | undefined;
  const drop = () =>
    (dropping ??= run(baseUrl, async (c) => {
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    }));
  try {
    await run(url, async (c) => {
      await c.query(LEGACY_SHARED_DDL);
      await c.query(LEGACY_OUTSIDE_DDL);
      for (const sql of [LEGACY_USERS_SQL, LEGACY_MARKET_SQL, LEGACY_USER_DATA_SQL, LEGACY_OUTSIDE_DATA_SQL]) {
        await c.query(fill(sql));
      }
      await c.query('ANALYZE');
    });
  } catch (err) {
    await drop().catch(() => undefined);
    throw err;
  }
  return { url, name, end, users: LEGACY_USERS, symbols: [...LEGACY_SYMBOLS], drop };
}

/**
 * A fingerprint of every row of each table, over the given columns only (default: all): count and an
 * order-independent md5 of the rows' JSON. Equal fingerprints = the same rows, value for value.
 */
export async function tableFingerprints(
  url: string,
  columnsByTable: Record<string, string[]>,
): Promise<Record<string, { rows: number; md5: string }>> {
  const out: Record<string, { rows: number; md5: string }> = {};
  await run(url, async (c) => {
    for (const [table, cols] of Object.entries(columnsByTable)) {
      const list = cols.map((x) => `"${x.replace(/"/g, '""')}"`).join(', ');
      const { rows } = await c.query<{ rows: number; md5: string | null }>(
        `SELECT count(*)::int AS rows, md5(string_agg(h, '' ORDER BY h)) AS md5
         FROM (SELECT md5(json_build_array(${list})::text) AS h FROM "${table}") t`,
      );
      out[table] = { rows: rows[0]!.rows, md5: rows[0]!.md5 ?? '' };
    }
  });
  return out;
}

/** Every column of every table in the public schema (table → columns in order). */
export async function tableColumns(url: string): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  await run(url, async (c) => {
    const { rows } = await c.query<{ t: string; c: string }>(
      `SELECT table_name AS t, column_name AS c FROM information_schema.columns
       WHERE table_schema = 'public' ORDER BY table_name, ordinal_position`,
    );
    for (const r of rows) (out[r.t] ??= []).push(r.c);
  });
  return out;
}
