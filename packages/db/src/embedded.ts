import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
    db = await PGlite.create({ dataDir });
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
