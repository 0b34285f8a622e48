// `npm run db:migrate [-- --plan]` (or `pnpm --filter @volspike/db run migrate`): applies prisma/migrations to
// DATABASE_URL, or to the embedded database in $DATA_DIR/pg (default <repo>/.data/pg). When a running
// stack holds the embedded database, it migrates through that stack's server (URL in <pg dir>/url). A database
// created by the legacy backend is adopted first (docs/adoption.md); `--plan` prints what would be done.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { embeddedLockOwner, startEmbeddedPostgres } from './embedded.js';
import { DbError } from './errors.js';
import type { DbLogger } from './logger.js';
import { formatAdoptionReport } from './adoption/report.js';
import { migrate, type MigrateResult } from './migrate.js';

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

function summary(where: string, r: MigrateResult, plan: boolean): string[] {
  const lines = r.adoption ? formatAdoptionReport(r.adoption) : [];
  if (plan) {
    lines.push(
      `Plan for ${where} (database ${r.state}): ${r.applied.length} migrations would be applied` +
        (r.applied.length ? ` (${r.applied.join(', ')})` : '') +
        `, ${r.skipped.length} already applied${r.adoption ? ' or covered by the adoption' : ''}. Nothing was changed.`,
    );
    return lines;
  }
  lines.push(`Migrated ${where}: ${r.applied.length} applied, ${r.skipped.length} already applied`);
  return lines;
}

async function runMigrate(env: Record<string, string | undefined>, plan: boolean): Promise<void> {
  const opts = { logger: cliLogger, plan };
  const databaseUrl = env.DATABASE_URL?.trim();
  if (databaseUrl) {
    for (const l of summary(redact(databaseUrl), await migrate(databaseUrl, opts), plan)) console.log(l);
    return;
  }
  const dataDir = join(resolve(env.DATA_DIR?.trim() || join(REPO_ROOT, '.data')), 'pg');
  const urlFile = join(dataDir, 'url');
  if (embeddedLockOwner(dataDir) !== null && existsSync(urlFile)) {
    const url = readFileSync(urlFile, 'utf8').trim();
    for (const l of summary(`the running embedded database (${url})`, await migrate(url, opts), plan)) console.log(l);
    return;
  }
  const pg = await startEmbeddedPostgres({ dataDir });
  try {
    for (const l of summary(`the embedded database in ${dataDir}`, await migrate(pg.url, opts), plan)) console.log(l);
  } finally {
    await pg.stop();
  }
}

const USAGE =
  'usage: cli.ts migrate [--plan]   (env: DATABASE_URL, or DATA_DIR for the embedded database; default .data)\n' +
  '  --plan  print every step and data check (with counts) it would run, and the pending migrations; change nothing';

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const unknown = rest.filter((a) => a !== '--plan');
  if (command !== 'migrate' || unknown.length > 0) {
    console.error(USAGE);
    return 2;
  }
  try {
    await runMigrate(process.env, rest.includes('--plan'));
    return 0;
  } catch (err) {
    const code = err instanceof DbError ? err.code : 'UNEXPECTED';
    console.error(`db:migrate failed (${code}): ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
