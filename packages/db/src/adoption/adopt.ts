// Runs the adoption plan on a database created by the legacy backend (`prisma db push`: tables, no
// `_prisma_migrations`). Every step is re-checked against the catalog right before it runs, runs on its own
// (DDL in a short transaction with a lock timeout; indexes CONCURRENTLY; a foreign key added NOT VALID, then
// validated), so a crash or kill at any point leaves a database the legacy backend can use — everything done so
// far is additive — and the next run does only what is left. At the end the baseline migrations are recorded in
// `_prisma_migrations` (so `prisma migrate deploy` sees them applied) and the report in `volspike_adoption`.
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { backoffMs, sleep } from './backoff.js';
import { ident, readCatalog } from './catalog.js';
import { archiveDuplicates, countDuplicates, countOrphans, type DuplicateCount } from './dedupe.js';
import { ADOPTION_TABLE, planAdoption, type AdoptionPlan, type AdoptionStep } from './plan.js';
import { baselineMigrations, targetCatalog } from './target.js';
import type { DbLogger } from '../logger.js';
import type { MigrationFile } from '../migrations.js';

export interface AdoptionHooks {
  /** Called after each step that ran (tests inject a crash here). */
  afterStep?(step: AdoptionStep, index: number): void | Promise<void>;
  /** Called between archiving a key's duplicates and building its unique index (tests write a duplicate here). */
  beforeUniqueIndexBuild?(step: AdoptionStep, attempt: number): void | Promise<void>;
}

export type StepStatus = 'pending' | 'done' | 'already-done' | 'skipped';

export interface AdoptionStepReport {
  id: string;
  description: string;
  sql: string[];
  status: StepStatus;
  /** Why a step was skipped (e.g. rows without a parent block a foreign key). */
  reason?: string;
}

export interface AdoptionDataCheck {
  step: string;
  description: string;
  duplicates?: DuplicateCount & { archive: string };
  orphans?: number;
}

export interface AdoptionReport {
  mode: 'plan' | 'adopt';
  steps: AdoptionStepReport[];
  /** Read-only checks run before any change (duplicate keys, rows a foreign key would reject). */
  checks: AdoptionDataCheck[];
  /** Rows moved to archive tables by this run. */
  archived: (DuplicateCount & { archive: string })[];
  /** Differences kept as the legacy database has them. */
  notes: string[];
  /** Baseline migrations recorded as applied by this run. */
  recorded: string[];
  /** Every archive table and what it holds (all runs, so a run that finished a crashed one reports it all). */
  archives: ArchiveTotal[];
}

export interface ArchiveTotal {
  archive: string;
  rows: number;
  exact: number;
  differing: number;
}

type Client = pg.Client;

async function isRecorded(client: Client, plan: { live: boolean }): Promise<boolean> {
  if (!plan.live) return false;
  const { rows } = await client.query<{ done: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM ${ADOPTION_TABLE} WHERE id = 1) AS done`,
  );
  return rows[0]?.done ?? false;
}

async function dataChecks(client: Client, plan: AdoptionPlan, liveTables: Set<string>): Promise<AdoptionDataCheck[]> {
  const checks: AdoptionDataCheck[] = [];
  for (const step of plan.steps) {
    if (step.dedupe) {
      const d = await countDuplicates(client, step.dedupe);
      checks.push({
        step: step.id,
        description: `rows of ${d.table} sharing (${d.key.join(', ')})`,
        duplicates: { ...d, archive: step.dedupe.archive },
      });
    }
    const fk = step.foreignKey;
    if (fk && liveTables.has(fk.table) && liveTables.has(fk.refTable)) {
      checks.push({
        step: step.id,
        description: `rows of ${fk.table} whose ${fk.columns.join(', ')} names no ${fk.refTable} row`,
        orphans: await countOrphans(client, fk),
      });
    }
  }
  return checks;
}

/** Reads both catalogs, plans, and runs the read-only data checks. Changes nothing. */
export async function planLegacyAdoption(
  client: Client,
  migrations: MigrationFile[],
): Promise<{ plan: AdoptionPlan; report: AdoptionReport }> {
  const target = await targetCatalog(client, baselineMigrations(migrations));
  const { rows } = await client.query<{ schema: string }>('SELECT current_schema() AS schema');
  const live = await readCatalog(client, rows[0]!.schema);
  const adoptionRecorded = await isRecorded(client, { live: live.tables.has(ADOPTION_TABLE) });
  const plan = planAdoption(live, target, { adoptionRecorded });
  const checks = await dataChecks(client, plan, new Set(live.tables.keys()));
  const steps = plan.steps.map((s) => ({
    id: s.id,
    description: s.description,
    sql: s.sql,
    status: 'pending' as const,
  }));
  const report: AdoptionReport = {
    mode: 'plan',
    steps,
    checks,
    archived: [],
    notes: plan.notes,
    recorded: [],
    archives: [],
  };
  report.archives = await archiveTotals(client);
  return { plan, report };
}

/** What the `*_adoption_archive` tables hold. */
export async function archiveTotals(client: Client): Promise<ArchiveTotal[]> {
  const { rows } = await client.query<{ name: string }>(
    `SELECT relname AS name FROM pg_class WHERE relnamespace = current_schema()::regnamespace AND relkind = 'r'
       AND relname LIKE '%\\_adoption\\_archive' ORDER BY relname`,
  );
  const out: ArchiveTotal[] = [];
  for (const { name } of rows) {
    const { rows: r } = await client.query<{ rows: number; exact: number }>(
      `SELECT count(*)::int AS rows, count(*) FILTER (WHERE "exactDuplicate")::int AS exact FROM ${ident(name)}`,
    );
    const t = r[0] ?? { rows: 0, exact: 0 };
    out.push({ archive: name, rows: t.rows, exact: t.exact, differing: t.rows - t.exact });
  }
  return out;
}

async function guardDone(client: Client, step: AdoptionStep): Promise<boolean> {
  const { rows } = await client.query<{ done: boolean }>(step.guard);
  return rows[0]?.done ?? false;
}

/** Runs `fn` again after a lock timeout (a long legacy transaction holds the table), with backoff. */
async function retryOnLockTimeout<T>(fn: () => Promise<T>, log: DbLogger | undefined, what: string): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await fn();
    } catch (err) {
      if ((err as { code?: string }).code !== '55P03' || attempt >= 8) throw err;
      const wait = backoffMs(attempt);
      log?.warn({ step: what, attempt, retryInMs: wait }, 'adoption step waits for a table lock; retrying');
      await sleep(wait);
    }
  }
}

async function inTransaction<T>(client: Client, fn: () => Promise<T>): Promise<T> {
  await client.query('BEGIN');
  try {
    // DDL waits at most this long for a table lock, so it never queues the legacy backend's writes behind it.
    await client.query(`SET LOCAL lock_timeout = '5s'`);
    const out = await fn();
    await client.query('COMMIT');
    return out;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/**
 * Archives the rows that share the key, then builds the unique index concurrently. A writer that adds a
 * duplicate in between makes the build fail with 23505 and leave an INVALID index: it is dropped and the
 * archive-and-build repeated, with backoff.
 */
interface StepContext {
  log: DbLogger | undefined;
  hooks: AdoptionHooks | undefined;
  report: AdoptionReport;
}

async function uniqueKeyStep(client: Client, step: AdoptionStep, { log, hooks, report }: StepContext) {
  const dedupe = step.dedupe;
  for (let attempt = 1; ; attempt += 1) {
    if (dedupe) {
      const moved = await retryOnLockTimeout(
        () => inTransaction(client, () => archiveDuplicates(client, dedupe)),
        log,
        step.id,
      );
      if (moved.rows > 0) {
        report.archived.push({ ...moved, archive: dedupe.archive });
        log?.info({ table: moved.table, archive: dedupe.archive, rows: moved.rows, exact: moved.exact }, 'archived');
      }
    }
    await hooks?.beforeUniqueIndexBuild?.(step, attempt);
    try {
      for (const sql of step.sql) await client.query(sql);
      return;
    } catch (err) {
      if ((err as { code?: string }).code !== '23505' || attempt >= 5) throw err;
      log?.warn({ step: step.id, attempt }, 'a duplicate key was written during the index build; archiving again');
      await sleep(backoffMs(attempt));
    }
  }
}

async function runStep(client: Client, step: AdoptionStep, ctx: StepContext) {
  const { log, report } = ctx;
  const entry: AdoptionStepReport = { id: step.id, description: step.description, sql: step.sql, status: 'done' };
  report.steps.push(entry);
  if (await guardDone(client, step)) {
    entry.status = 'already-done';
    return;
  }
  if (step.kind === 'unique-key') return uniqueKeyStep(client, step, ctx);
  if (step.foreignKey) {
    const orphans = await countOrphans(client, step.foreignKey);
    if (orphans > 0) {
      entry.status = 'skipped';
      entry.reason = `${orphans} rows of ${step.foreignKey.table} name no ${step.foreignKey.refTable} row; nothing was deleted, the key was not added`;
      log?.warn({ step: step.id, orphans }, 'foreign key not added: rows without a parent');
      return;
    }
  }
  if (step.foreignKey) {
    // Each statement committed on its own: ADD … NOT VALID takes a short lock; VALIDATE does not block writes.
    for (const sql of step.sql)
      await retryOnLockTimeout(() => inTransaction(client, () => client.query(sql)), log, step.id);
    return;
  }
  if (step.transactional) {
    await retryOnLockTimeout(() => inTransaction(client, () => runAll(client, step.sql)), log, step.id);
    return;
  }
  await runAll(client, step.sql); // CONCURRENTLY / ADD VALUE: outside a transaction
}

async function runAll(client: Client, sql: string[]): Promise<void> {
  for (const s of sql) await client.query(s);
}

async function recordAdoption(client: Client, baseline: MigrationFile[], report: AdoptionReport): Promise<void> {
  await inTransaction(client, async () => {
    const { rows } = await client.query<{ migration_name: string }>(
      `SELECT "migration_name" FROM "_prisma_migrations" WHERE "finished_at" IS NOT NULL AND "rolled_back_at" IS NULL`,
    );
    const have = new Set(rows.map((r) => r.migration_name));
    for (const m of baseline.filter((x) => !have.has(x.name))) {
      await client.query(
        `INSERT INTO "_prisma_migrations" ("id", "checksum", "migration_name", "logs", "started_at", "finished_at", "applied_steps_count")
         VALUES ($1, $2, $3, $4, now(), clock_timestamp(), 1)`,
        [
          randomUUID(),
          m.checksum,
          m.name,
          'adopted: created expand-only by @volspike/db adoption (volspike_adoption.report)',
        ],
      );
      report.recorded.push(m.name);
    }
    await client.query(
      `UPDATE ${ADOPTION_TABLE} SET "finishedAt" = timezone('UTC', now()), "report" = COALESCE("report", '[]'::jsonb) || $1::jsonb WHERE id = 1`,
      [JSON.stringify([{ at: new Date().toISOString(), ...report }])],
    );
  });
}

/** Adopts the legacy database `client` is connected to (under the caller's advisory lock). */
export async function adoptLegacyDatabase(
  client: Client,
  migrations: MigrationFile[],
  opts: { logger?: DbLogger; hooks?: AdoptionHooks } = {},
): Promise<AdoptionReport> {
  const log = opts.logger;
  const { plan, report: planned } = await planLegacyAdoption(client, migrations);
  const report: AdoptionReport = { ...planned, mode: 'adopt', steps: [] };
  log?.info({ steps: plan.steps.length }, 'adopting a database created by the legacy backend');
  for (const [i, step] of plan.steps.entries()) {
    await runStep(client, step, { log, hooks: opts.hooks, report });
    const status = report.steps.at(-1)?.status;
    if (status === 'done') log?.info({ step: step.id }, 'adoption step done');
    await opts.hooks?.afterStep?.(step, i);
  }
  report.archives = await archiveTotals(client);
  await recordAdoption(client, baselineMigrations(migrations), report);
  return report;
}
