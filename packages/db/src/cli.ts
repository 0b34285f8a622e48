// `npm run db:migrate` (or `pnpm --filter @volspike/db run migrate`): applies prisma/migrations to
// DATABASE_URL, or to the embedded database in $DATA_DIR/pg (default <repo>/.data/pg). When a running
// stack holds the embedded database, it migrates through that stack's server (URL in <pg dir>/url).
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { embeddedLockOwner, startEmbeddedPostgres } from './embedded.js';
import { DbError } from './errors.js';
import type { DbLogger } from './logger.js';
import { migrate } from './migrate.js';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

const cliLogger: DbLogger = {
  info: (obj, msg) => console.error(`[db] ${msg ?? ''} ${JSON.stringify(obj)}`),
  warn: (obj, msg) => console.error(`[db] warning: ${msg ?? ''} ${JSON.stringify(obj)}`),
  error: (obj, msg) => console.error(`[db] error: ${msg ?? ''} ${JSON.stringify(obj)}`),
};

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '<unparseable DATABASE_URL>';
  }
}

async function runMigrate(env: Record<string, string | undefined>): Promise<void> {
  const databaseUrl = env.DATABASE_URL?.trim();
  if (databaseUrl) {
    const r = await migrate(databaseUrl, { logger: cliLogger });
    console.log(`Migrated ${redact(databaseUrl)}: ${r.applied.length} applied, ${r.skipped.length} already applied`);
    return;
  }
  const dataDir = join(resolve(env.DATA_DIR?.trim() || join(REPO_ROOT, '.data')), 'pg');
  const urlFile = join(dataDir, 'url');
  if (embeddedLockOwner(dataDir) !== null && existsSync(urlFile)) {
    const url = readFileSync(urlFile, 'utf8').trim();
    const r = await migrate(url, { logger: cliLogger });
    console.log(
      `Migrated the running embedded database (${url}): ${r.applied.length} applied, ${r.skipped.length} already applied`,
    );
    return;
  }
  const pg = await startEmbeddedPostgres({ dataDir });
  try {
    const r = await migrate(pg.url, { logger: cliLogger });
    console.log(
      `Migrated the embedded database in ${dataDir}: ${r.applied.length} applied, ${r.skipped.length} already applied`,
    );
  } finally {
    await pg.stop();
  }
}

async function main(argv: string[]): Promise<number> {
  const [command] = argv;
  if (command !== 'migrate') {
    console.error('usage: cli.ts migrate   (env: DATABASE_URL, or DATA_DIR for the embedded database; default .data)');
    return 2;
  }
  try {
    await runMigrate(process.env);
    return 0;
  } catch (err) {
    const code = err instanceof DbError ? err.code : 'UNEXPECTED';
    console.error(`db:migrate failed (${code}): ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
