// Test helper (`@volspike/db/testing`): a fresh, migrated database per call, cloned from a template.
// The template is migrated once per schema version (its name carries a hash of the migrations), under an
// advisory lock so that parallel test processes build it once; each test database is then a cheap
// `CREATE DATABASE … TEMPLATE …`. Test-only code: reads TEST_DATABASE_URL.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createPrismaClient } from './client.js';
import { DbError } from './errors.js';
import type { PrismaClient } from './generated/client.js';
import { migrate } from './migrate.js';
import { migrationsFingerprint, readMigrations } from './migrations.js';

export const DEFAULT_TEST_DATABASE_URL = 'postgresql://postgres@127.0.0.1:5432/postgres';
/** Advisory lock key that serialises template builds across test processes. */
const TEMPLATE_LOCK_KEY = 72707370;

export interface TestDatabase {
  /** URL of the new database (same server and credentials as TEST_DATABASE_URL). */
  url: string;
  name: string;
  /** Client of the new database (pool of 4); disconnected by `drop()`. */
  prisma: PrismaClient;
  /** Disconnects, terminates other connections and drops the database. Idempotent. */
  drop(): Promise<void>;
}

export interface TestDatabaseOptions {
  /** Server to create the database on; default TEST_DATABASE_URL, else DEFAULT_TEST_DATABASE_URL. */
  baseUrl?: string;
  /** Migrations folder (default: the repository's prisma/migrations). */
  migrationsDir?: string;
}

const templates = new Map<string, Promise<string>>();
let counter = 0;

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

async function withAdmin<T>(baseUrl: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: baseUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function databaseExists(c: pg.Client, name: string): Promise<boolean> {
  const r = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
  return r.rowCount === 1;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Drops test databases left by crashed test processes of this machine (local server only). */
async function dropOrphans(c: pg.Client, baseUrl: string): Promise<void> {
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(new URL(baseUrl).hostname)) return;
  const { rows } = await c.query<{ datname: string }>(
    `SELECT datname FROM pg_database WHERE datname LIKE 'volspike\\_test\\_%'`,
  );
  for (const { datname } of rows) {
    const pid = Number(/^volspike_test_(\d+)_/.exec(datname)?.[1]);
    if (!Number.isInteger(pid) || processAlive(pid)) continue;
    // No FORCE: a database someone is connected to is left alone.
    await c.query(`DROP DATABASE IF EXISTS ${quoteIdent(datname)}`).catch(() => undefined);
  }
}

/** Builds (once per server, schema version and process) the migrated template; returns its name. */
function ensureTemplate(baseUrl: string, migrationsDir: string | undefined): Promise<string> {
  const fingerprint = migrationsFingerprint(readMigrations(migrationsDir));
  const name = `volspike_tpl_${fingerprint.slice(0, 16)}`;
  const key = `${baseUrl}|${name}`;
  let p = templates.get(key);
  if (!p) {
    p = withAdmin(baseUrl, async (c) => {
      await c.query('SELECT pg_advisory_lock($1)', [TEMPLATE_LOCK_KEY]);
      try {
        await dropOrphans(c, baseUrl);
        if (await databaseExists(c, name)) return name;
        // Build under a temporary name and rename when complete, so a crash never leaves a half-migrated template.
        const building = `${name}_b${randomBytes(3).toString('hex')}`;
        await c.query(`CREATE DATABASE ${quoteIdent(building)}`);
        try {
          await migrate(withDatabase(baseUrl, building), migrationsDir ? { migrationsDir } : {});
          await c.query(`ALTER DATABASE ${quoteIdent(building)} RENAME TO ${quoteIdent(name)}`);
        } catch (err) {
          await c.query(`DROP DATABASE IF EXISTS ${quoteIdent(building)}`).catch(() => undefined);
          throw err;
        }
        return name;
      } finally {
        await c.query('SELECT pg_advisory_unlock($1)', [TEMPLATE_LOCK_KEY]).catch(() => undefined);
      }
    });
    p.catch(() => templates.delete(key));
    templates.set(key, p);
  }
  return p;
}

/** A fresh database with every migration applied, on TEST_DATABASE_URL's server. */
export async function createTestDatabase(opts: TestDatabaseOptions = {}): Promise<TestDatabase> {
  const baseUrl = opts.baseUrl ?? process.env.TEST_DATABASE_URL ?? DEFAULT_TEST_DATABASE_URL;
  let template: string;
  try {
    template = await ensureTemplate(baseUrl, opts.migrationsDir);
  } catch (err) {
    if (err instanceof DbError) throw err;
    throw new DbError(
      'TEST_DATABASE_FAILED',
      `Could not prepare the test template database: ${(err as Error).message}`,
      { cause: err },
    );
  }
  counter += 1;
  const name = `volspike_test_${process.pid}_${counter}_${randomBytes(3).toString('hex')}`;
  await withAdmin(baseUrl, async (c) => {
    // CREATE DATABASE … TEMPLATE fails while another session is connected to the template (e.g. a
    // concurrent build's last query still closing); retry briefly.
    for (let attempt = 0; ; attempt += 1) {
      try {
        await c.query(`CREATE DATABASE ${quoteIdent(name)} TEMPLATE ${quoteIdent(template)}`);
        return;
      } catch (err) {
        const busy = (err as { code?: string }).code === '55006';
        if (!busy || attempt >= 20) {
          throw new DbError(
            'TEST_DATABASE_FAILED',
            `Could not create test database ${name}: ${(err as Error).message}`,
            { cause: err },
          );
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  });
  const url = withDatabase(baseUrl, name);
  const prisma = createPrismaClient(url, { maxConnections: 4 });
  let dropping: Promise<void> | undefined;
  return {
    url,
    name,
    prisma,
    drop() {
      dropping ??= (async () => {
        await prisma.$disconnect();
        await withAdmin(baseUrl, async (c) => {
          await c.query(
            'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
            [name],
          );
          await c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)}`);
        });
      })();
      return dropping;
    },
  };
}

export {
  createLegacyDatabase,
  tableFingerprints,
  tableColumns,
  LEGACY_OUTSIDE_TABLES,
  LEGACY_SHARED_TABLES,
  LEGACY_SYMBOLS,
  LEGACY_USERS,
} from './legacy/fixture.js';
export type { LegacyDatabase, LegacyDatabaseOptions } from './legacy/fixture.js';
