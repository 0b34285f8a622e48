import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { DbError } from './errors.js';
import { registerEmbeddedUrl, unregisterEmbeddedUrl } from './embedded-registry.js';

export interface EmbeddedPostgresOptions {
  /** PGlite data directory (created when missing), e.g. `.data/pg`. */
  dataDir: string;
  /** TCP port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  /** Connections the socket server accepts at once (default 32). PGlite runs them one message at a time. */
  maxConnections?: number;
}

export interface EmbeddedPostgres {
  /** `postgresql://postgres@127.0.0.1:<port>/postgres?sslmode=disable` */
  url: string;
  port: number;
  /** Closes the server and PGlite (flushing to disk) and releases the data-directory lock. Idempotent. */
  stop(): Promise<void>;
}

/**
 * postgresql.conf of the embedded database, written by PGlite at every start (it replaces the file initdb
 * wrote, so initdb's locale and time-zone lines are repeated here). PGlite's WebAssembly memory only ever
 * grows, so whatever Postgres allocates once stays resident: initdb's shared_buffers = 128MB alone made a
 * reopened demo database ≈ 290 MB RSS. The demo's working set (a few hundred symbols' latest rows and
 * recent snapshots) fits in a small buffer pool, and the OS page cache still holds the rest.
 */
export const EMBEDDED_POSTGRESQL_CONF: readonly string[] = [
  "timezone = 'UTC'",
  "log_timezone = 'UTC'",
  "datestyle = 'iso, mdy'",
  "lc_messages = 'C'",
  "lc_monetary = 'C'",
  "lc_numeric = 'C'",
  "lc_time = 'C'",
  "default_text_search_config = 'pg_catalog.english'",
  'shared_buffers = 16MB',
  // PGlite is one single-user backend: the shared-memory slots sized by max_connections are never used.
  'max_connections = 10',
  'work_mem = 4MB',
  'maintenance_work_mem = 16MB',
  'temp_buffers = 4MB',
  // Checkpoints (run inline by the single backend) every 128 MB of WAL instead of 1 GB: less disk, and
  // each one only has a small buffer pool to write.
  'max_wal_size = 128MB',
  'min_wal_size = 32MB',
];

/** Name of the lock file inside the data directory, holding the owner's pid. */
export const EMBEDDED_LOCK_FILE = 'volspike-embedded.pid';

/**
 * Starts PGlite (Postgres compiled to WebAssembly, in this process) on `dataDir` and serves it over the
 * Postgres wire protocol on 127.0.0.1, so `pg`, Prisma's adapter and psql can connect.
 * Only one process may open a data directory: a second start fails with EMBEDDED_START_FAILED.
 */
export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const dataDir = resolve(opts.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const lockFile = join(dataDir, EMBEDDED_LOCK_FILE);
  acquireLock(lockFile);

  let db: PGlite | undefined;
  let server: PGLiteSocketServer | undefined;
  try {
    db = await PGlite.create({ dataDir, postgresqlconf: [...EMBEDDED_POSTGRESQL_CONF] });
    server = new PGLiteSocketServer({
      db,
      host: '127.0.0.1',
      port: opts.port ?? 0,
      maxConnections: opts.maxConnections ?? 32,
    });
    await server.start();
  } catch (err) {
    await server?.stop().catch(() => undefined);
    await db?.close().catch(() => undefined);
    releaseLock(lockFile);
    const reason = err instanceof Error ? err.message : String(err);
    throw new DbError('EMBEDDED_START_FAILED', `Could not start embedded Postgres in ${dataDir}: ${reason}`, {
      cause: err,
    });
  }

  const port = Number(server.getServerConn().split(':').pop());
  const url = `postgresql://postgres@127.0.0.1:${port}/postgres?sslmode=disable`;
  registerEmbeddedUrl(url);
  let stopping: Promise<void> | undefined;
  const running = { db, server };
  return {
    url,
    port,
    stop() {
      stopping ??= (async () => {
        unregisterEmbeddedUrl(url);
        try {
          await running.server.stop();
          await running.db.close();
        } finally {
          releaseLock(lockFile);
        }
      })();
      return stopping;
    },
  };
}

/** Whether `dataDir` already holds a Postgres cluster (initdb has run). */
export function embeddedDataDirInitialised(dataDir: string): boolean {
  return existsSync(join(resolve(dataDir), 'PG_VERSION'));
}

/**
 * Runs initdb on `dataDir` when it has no cluster yet (under the lock), then closes it. initdb runs a
 * second PGlite instance whose memory (≈ 150 MB RSS, more until a GC) stays with the process, so the
 * child-process server does this in a throwaway process before opening the directory for good.
 */
export async function initEmbeddedDataDir(dataDirRaw: string): Promise<void> {
  const dataDir = resolve(dataDirRaw);
  mkdirSync(dataDir, { recursive: true });
  const lockFile = join(dataDir, EMBEDDED_LOCK_FILE);
  acquireLock(lockFile);
  try {
    if (embeddedDataDirInitialised(dataDir)) return;
    const db = await PGlite.create({ dataDir, postgresqlconf: [...EMBEDDED_POSTGRESQL_CONF] });
    await db.close();
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new DbError('EMBEDDED_START_FAILED', `Could not initialise embedded Postgres in ${dataDir}: ${reason}`, {
      cause: err,
    });
  } finally {
    releaseLock(lockFile);
  }
}

/** The pid holding `dataDir`'s lock when that process is alive, else null. */
export function embeddedLockOwner(dataDir: string): number | null {
  let pid: number;
  try {
    pid = Number(readFileSync(join(resolve(dataDir), EMBEDDED_LOCK_FILE), 'utf8').trim());
  } catch {
    return null;
  }
  if (!Number.isInteger(pid) || pid <= 0) return null;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM' ? pid : null;
  }
}

function acquireLock(lockFile: string): void {
  const dir = resolve(lockFile, '..');
  const owner = embeddedLockOwner(dir);
  if (owner !== null) {
    const who = owner === process.pid ? 'this process' : `process ${owner}`;
    throw new DbError('EMBEDDED_START_FAILED', `Embedded Postgres data directory ${dir} is already open by ${who}`);
  }
  writeFileSync(lockFile, `${process.pid}\n`);
}

function releaseLock(lockFile: string): void {
  try {
    if (readFileSync(lockFile, 'utf8').trim() === String(process.pid)) rmSync(lockFile, { force: true });
  } catch {
    // already gone
  }
}
