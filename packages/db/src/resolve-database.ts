import { startEmbeddedPostgres } from './embedded.js';
import type { DbLogger } from './logger.js';
import { migrate } from './migrate.js';

export interface ResolvedDatabase {
  url: string;
  embedded: boolean;
  /** Stops the embedded server (no-op for an external database). */
  stop(): Promise<void>;
}

/**
 * Picks the database: `databaseUrl` when given, otherwise embedded Postgres (PGlite) in `dataDir`.
 * Always applies pending migrations before returning.
 */
export async function resolveDatabase(opts: {
  databaseUrl?: string | undefined;
  dataDir: string;
  logger: DbLogger;
  /** Port of the embedded server (default 0 = any free port). */
  port?: number;
}): Promise<ResolvedDatabase> {
  const { logger } = opts;
  if (opts.databaseUrl) {
    const result = await migrate(opts.databaseUrl, { logger });
    logger.info({ embedded: false, applied: result.applied.length, skipped: result.skipped.length }, 'database ready');
    return { url: opts.databaseUrl, embedded: false, stop: async () => {} };
  }
  const pg = await startEmbeddedPostgres({
    dataDir: opts.dataDir,
    ...(opts.port === undefined ? {} : { port: opts.port }),
  });
  try {
    const result = await migrate(pg.url, { logger });
    logger.info(
      {
        embedded: true,
        dataDir: opts.dataDir,
        port: pg.port,
        applied: result.applied.length,
        skipped: result.skipped.length,
      },
      'embedded database ready',
    );
  } catch (err) {
    await pg.stop();
    throw err;
  }
  return { url: pg.url, embedded: true, stop: () => pg.stop() };
}
