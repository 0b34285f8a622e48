import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded.js';
import { startEmbeddedPostgresProcess } from './embedded-process.js';
import type { DbLogger } from './logger.js';
import { migrate } from './migrate.js';

export interface ResolvedDatabase {
  url: string;
  embedded: boolean;
  /** pid of the child process running the embedded database (`embedded: 'process'`), else null. */
  pid: number | null;
  /** Stops the embedded server (no-op for an external database). */
  stop(): Promise<void>;
}

/**
 * Picks the database: `databaseUrl` when given, otherwise embedded Postgres (PGlite) in `dataDir`.
 * Always applies pending migrations before returning; refuses (DbError ADOPTION_REQUIRED) a database created by
 * the legacy backend that `npm run db:migrate` has not adopted yet.
 */
export async function resolveDatabase(opts: {
  databaseUrl?: string | undefined;
  dataDir: string;
  logger: DbLogger;
  /** Port of the embedded server (default 0 = any free port). */
  port?: number;
  /**
   * Where PGlite runs: 'in-process' (default) or 'process', a child process of its own (see
   * startEmbeddedPostgresProcess) so its never-shrinking WebAssembly heap stays out of this process.
   */
  embedded?: 'process' | 'in-process';
  /** With `embedded: 'process'`: the child died without being stopped (see startEmbeddedPostgresProcess). */
  onEmbeddedExit?: (info: { code: number | null; signal: NodeJS.Signals | null }) => void;
}): Promise<ResolvedDatabase> {
  const { logger } = opts;
  if (opts.databaseUrl) {
    // A legacy database is adopted by `npm run db:migrate` only, never implicitly at a service's start.
    const result = await migrate(opts.databaseUrl, { logger, adopt: false });
    logger.info({ embedded: false, applied: result.applied.length, skipped: result.skipped.length }, 'database ready');
    return { url: opts.databaseUrl, embedded: false, pid: null, stop: async () => {} };
  }
  const base = { dataDir: opts.dataDir, ...(opts.port === undefined ? {} : { port: opts.port }) };
  let pg: EmbeddedPostgres;
  let pid: number | null = null;
  if (opts.embedded === 'process') {
    const child = await startEmbeddedPostgresProcess({
      ...base,
      logger,
      ...(opts.onEmbeddedExit ? { onUnexpectedExit: opts.onEmbeddedExit } : {}),
    });
    pg = child;
    pid = child.pid;
  } else {
    pg = await startEmbeddedPostgres(base);
  }
  try {
    const result = await migrate(pg.url, { logger });
    logger.info(
      {
        embedded: true,
        dataDir: opts.dataDir,
        port: pg.port,
        childPid: pid,
        applied: result.applied.length,
        skipped: result.skipped.length,
      },
      'embedded database ready',
    );
  } catch (err) {
    await pg.stop();
    throw err;
  }
  return { url: pg.url, embedded: true, pid, stop: () => pg.stop() };
}
