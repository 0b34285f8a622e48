// Adopting a database created by the legacy backend (`prisma db push`, no `_prisma_migrations`), on real
// Postgres: expand-only, every legacy row and object kept (duplicates moved whole to archive tables), the
// 26 outside tables untouched, `--plan` changes nothing, a second run is a no-op, a crash at any step is
// finished by the next run, and an INVALID index left by a crashed concurrent build is rebuilt.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCatalog, type Catalog } from '../src/adoption/catalog.js';
import { ADOPTION_BASELINE } from '../src/adoption/target.js';
import { DbError, formatAdoptionReport, migrate, readMigrations, resolveDatabase } from '../src/index.js';
import {
  createLegacyDatabase,
  LEGACY_OUTSIDE_TABLES,
  tableColumns,
  tableFingerprints,
  type LegacyDatabase,
} from '../src/testing.js';
import { query } from './helpers.js';
import { expectedCatalog } from './schema-drift.js';
import pg from 'pg';

const DEDUPED = ['open_interest_snapshots', 'open_interest_alerts'];

async function catalogOf(url: string): Promise<Catalog> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await readCatalog(c, 'public');
  } finally {
    await c.end();
  }
}

/** Row counts of every table and the whole catalog, as one comparable value. */
async function everything(url: string): Promise<string> {
  const cat = await catalogOf(url);
  const counts: Record<string, number> = {};
  for (const t of [...cat.tables.keys()].sort()) {
    counts[t] = (await query<{ n: number }>(url, `SELECT count(*)::int AS n FROM "${t}"`))[0]!.n;
  }
  const history = await query(url, `SELECT to_regclass('_prisma_migrations')::text AS t`);
  return JSON.stringify({
    history,
    counts,
    enums: [...cat.enums],
    tables: [...cat.tables],
    indexes: [...cat.indexes],
    constraints: [...cat.constraints],
  });
}

/** Fingerprint of a table's legacy columns over its rows plus its archived rows (archive = moved whole). */
async function withArchive(url: string, table: string, cols: string[]): Promise<{ rows: number; md5: string }> {
  const list = cols.map((c) => `"${c}"`).join(', ');
  const [r] = await query<{ rows: number; md5: string }>(
    url,
    `SELECT count(*)::int AS rows, md5(string_agg(h, '' ORDER BY h)) AS md5 FROM (
       SELECT md5(json_build_array(${list})::text) AS h FROM "${table}"
       UNION ALL SELECT md5(json_build_array(${list})::text) FROM "${table}_adoption_archive") t`,
  );
  return r!;
}

/** Every legacy object (enum, table, column, index, key) is still there with the same definition. */
function expectLegacyCatalogKept(before: Catalog, after: Catalog): void {
  for (const [name, labels] of before.enums) expect(after.enums.get(name), `enum ${name}`).toEqual(labels);
  for (const [name, t] of before.tables) {
    const a = after.tables.get(name);
    expect(a, `table ${name}`).toBeDefined();
    expect(a!.columns.slice(0, t.columns.length), `columns of ${name}`).toEqual(t.columns);
    expect(a!.reloptions).toEqual(t.reloptions);
  }
  for (const [name, i] of before.indexes) expect(after.indexes.get(name), `index ${name}`).toEqual(i);
  for (const [name, k] of before.constraints) expect(after.constraints.get(name), `constraint ${name}`).toEqual(k);
}

async function legacyFingerprints(db: LegacyDatabase, columns: Record<string, string[]>) {
  const plain = Object.fromEntries(Object.entries(columns).filter(([t]) => !DEDUPED.includes(t)));
  const out: Record<string, { rows: number; md5: string }> = await tableFingerprints(db.url, plain);
  return out;
}

describe('adopting a database created by the legacy backend', () => {
  let db: LegacyDatabase;
  let columns: Record<string, string[]>;
  let catalogBefore: Catalog;
  let printsBefore: Record<string, { rows: number; md5: string }>;
  let dedupedBefore: Record<string, { rows: number; md5: string }>;

  beforeAll(async () => {
    db = await createLegacyDatabase();
    columns = await tableColumns(db.url);
    catalogBefore = await catalogOf(db.url);
    printsBefore = await legacyFingerprints(db, columns);
    dedupedBefore = await tableFingerprints(db.url, Object.fromEntries(DEDUPED.map((t) => [t, columns[t]!])));
  }, 120_000);
  afterAll(async () => {
    await db?.drop();
  });

  it('builds the legacy database as prisma db push leaves it: 11 shared and 26 outside tables, no migration history', async () => {
    expect(Object.keys(columns).sort()).toHaveLength(37);
    for (const t of LEGACY_OUTSIDE_TABLES) expect(columns[t], t).toBeDefined();
    expect(await query(db.url, `SELECT to_regclass('_prisma_migrations') AS t`)).toEqual([{ t: null }]);
    expect(printsBefore.open_interest_liquid_symbols!.rows).toBe(50);
    expect(dedupedBefore.open_interest_snapshots!.rows).toBe(50 * 577 + 3 * 120 + 7);
  });

  it('--plan prints every step and the duplicates it found, and changes nothing', async () => {
    const before = await everything(db.url);
    const r = await migrate(db.url, { plan: true });
    expect(await everything(db.url)).toBe(before);
    expect(r.state).toBe('legacy');
    expect(r.applied).toEqual([]);
    const checks = r.adoption!.checks.flatMap((c) => (c.duplicates ? [c.duplicates] : []));
    expect(checks).toEqual([
      expect.objectContaining({ table: 'open_interest_snapshots', rows: 7, exact: 5, differing: 2 }),
      expect.objectContaining({ table: 'open_interest_alerts', rows: 3, exact: 2, differing: 1 }),
    ]);
    const text = formatAdoptionReport(r.adoption!).join('\n');
    expect(text).toContain('5 exact duplicates, 2 differing → would move to open_interest_snapshots_adoption_archive');
    expect(text).toContain('CREATE UNIQUE INDEX CONCURRENTLY open_interest_snapshots_symbol_ts_source_key');
    expect(text).toContain('create table token_sessions');
    expect(r.adoption!.steps.every((s) => s.status === 'pending')).toBe(true);
  });

  it('adopts it expand-only: every legacy row, column, index and key kept; duplicates moved whole to archives', async () => {
    const r = await migrate(db.url);
    expect(r.state).toBe('legacy');
    expect(r.adoption!.archives).toEqual([
      { archive: 'open_interest_alerts_adoption_archive', rows: 3, exact: 2, differing: 1 },
      { archive: 'open_interest_snapshots_adoption_archive', rows: 7, exact: 5, differing: 2 },
    ]);
    expect(await legacyFingerprints(db, columns)).toEqual(printsBefore);
    for (const t of DEDUPED) expect(await withArchive(db.url, t, columns[t]!), t).toEqual(dedupedBefore[t]);
    expectLegacyCatalogKept(catalogBefore, await catalogOf(db.url));
    // The row that stayed is the first one written; the archive names it.
    const kept = await query(
      db.url,
      `SELECT a."keptId", s.id, s."createdAt" < a."createdAt" AS earlier FROM open_interest_snapshots_adoption_archive a
       JOIN open_interest_snapshots s ON s.id = a."keptId" ORDER BY a.id`,
    );
    expect(kept).toHaveLength(7);
    expect(kept.every((k) => k.earlier === true)).toBe(true);
  });

  it('leaves a database with everything schema.prisma describes, the baseline recorded as prisma migrate deploy does', async () => {
    const expected = expectedCatalog();
    const after = await catalogOf(db.url);
    for (const t of expected.tables) expect(after.tables.has(t), t).toBe(true);
    for (const name of Object.keys(expected.indexes)) expect(after.indexes.get(name)?.valid, name).toBe(true);
    for (const [name, def] of Object.entries(expected.constraints)) {
      if (def.startsWith('FOREIGN KEY')) expect(after.constraints.get(name)?.validated, name).toBe(true);
    }
    for (const key of Object.keys(expected.columns)) {
      const [t, c] = key.split('.') as [string, string];
      expect(
        after.tables.get(t)?.columns.some((x) => x.name === c),
        key,
      ).toBe(true);
    }
    const rows = await query<{ migration_name: string; checksum: string; finished: boolean }>(
      db.url,
      `SELECT migration_name, checksum, finished_at IS NOT NULL AND rolled_back_at IS NULL AS finished
       FROM _prisma_migrations ORDER BY migration_name`,
    );
    const onDisk = readMigrations();
    expect(rows).toEqual(onDisk.map((m) => ({ migration_name: m.name, checksum: m.checksum, finished: true })));
    expect(onDisk.some((m) => m.name === ADOPTION_BASELINE)).toBe(true);
    const [adoption] = await query(db.url, `SELECT "startedAt" < "finishedAt" AS ordered FROM volspike_adoption`);
    expect(adoption).toEqual({ ordered: true });
  });

  it("keeps the outside tables' foreign keys working: a user they reference with ON DELETE RESTRICT cannot be deleted", async () => {
    await expect(query(db.url, `DELETE FROM users WHERE id = 'cm1legacyadminelite0000004'`)).rejects.toMatchObject({
      code: '23503',
    });
    const outside = Object.fromEntries(LEGACY_OUTSIDE_TABLES.map((t) => [t, columns[t]!]));
    const now = await tableFingerprints(db.url, outside);
    for (const t of LEGACY_OUTSIDE_TABLES) expect(now[t], t).toEqual(printsBefore[t]);
  });

  it('a second run is a no-op', async () => {
    const before = await everything(db.url);
    const r = await migrate(db.url);
    expect(r).toMatchObject({ state: 'migrated', applied: [], adoption: null });
    expect(await everything(db.url)).toBe(before);
  });
});

describe('a crash in the middle of an adoption', () => {
  let db: LegacyDatabase;
  afterAll(async () => {
    await db?.drop();
  });

  it('leaves a database the legacy backend can use, and the next run finishes the job', async () => {
    db = await createLegacyDatabase();
    const columns = await tableColumns(db.url);
    const catalogBefore = await catalogOf(db.url);
    const before = await legacyFingerprints(db, columns);
    const crashAt = (k: number) => ({
      adoptionHooks: {
        afterStep(_step: unknown, i: number) {
          if (i === k) throw new Error(`injected crash after step ${k + 1}`);
        },
      },
    });
    // A concurrent index build killed mid-way leaves an INVALID unique index (here: made to fail on the duplicates).
    await expect(
      query(
        db.url,
        'CREATE UNIQUE INDEX CONCURRENTLY open_interest_snapshots_symbol_ts_source_key ON open_interest_snapshots (symbol, ts, source)',
      ),
    ).rejects.toThrow(/could not create unique index/);
    await expect(migrate(db.url, crashAt(2))).rejects.toMatchObject({ code: 'ADOPTION_FAILED' });
    await expect(migrate(db.url, crashAt(9))).rejects.toBeInstanceOf(DbError);
    // The legacy backend keeps working in between: its own writes, as it sends them.
    await query(
      db.url,
      `INSERT INTO open_interest_snapshots (id, symbol, ts, "openInterest", source) VALUES ('cm-after-crash', 'BTCUSDT', now(), 1, 'snapshot');
       UPDATE users SET "lastLoginAt" = now(), "updatedAt" = now() WHERE email = 'pro.trader@example.com';
       INSERT INTO sessions (id, "sessionToken", "userId", expires) VALUES ('cm-s-after', 'tok-after', 'cm1legacyproactive00000002', now());`,
    );
    const r = await migrate(db.url);
    expect(r.state).toBe('legacy');
    expect(r.adoption!.steps.filter((s) => s.status === 'done').map((s) => s.id)).not.toContain(
      'create-table volspike_adoption',
    );
    expect(r.adoption!.archives).toEqual([
      { archive: 'open_interest_alerts_adoption_archive', rows: 3, exact: 2, differing: 1 },
      { archive: 'open_interest_snapshots_adoption_archive', rows: 7, exact: 5, differing: 2 },
    ]);
    const after = await catalogOf(db.url);
    expect(after.indexes.get('open_interest_snapshots_symbol_ts_source_key')?.valid).toBe(true);
    const ignore = new Set([...DEDUPED, 'users', 'sessions']);
    const now = await legacyFingerprints(db, columns);
    for (const t of Object.keys(before).filter((x) => !ignore.has(x))) expect(now[t], t).toEqual(before[t]);
    expectLegacyCatalogKept(catalogBefore, after);
    expect((await migrate(db.url)).state).toBe('migrated');
  }, 120_000);
});

describe('npm run db:migrate -- --plan, and a legacy writer during the adoption', () => {
  let db: LegacyDatabase;
  afterAll(async () => {
    await db?.drop();
  });

  it('the CLI prints the plan with its data checks and changes nothing', async () => {
    db = await createLegacyDatabase();
    const before = await everything(db.url);
    const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
    const out = await new Promise<{ code: number | null; stdout: string }>((resolve, reject) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', cli, 'migrate', '--plan'],
        { env: { ...process.env, DATABASE_URL: db.url }, cwd: fileURLToPath(new URL('..', import.meta.url)) },
        (err, stdout) => (err && typeof err.code !== 'number' ? reject(err) : resolve({ code: err ? 1 : 0, stdout })),
      );
    });
    expect(out.code).toBe(0);
    expect(out.stdout).toContain('plan only, nothing was changed');
    expect(out.stdout).toContain(
      'rows of open_interest_snapshots sharing (symbol, ts, source): 7 rows share a key with an earlier row (7 keys): 5 exact duplicates, 2 differing → would move to open_interest_snapshots_adoption_archive',
    );
    expect(out.stdout).toMatch(/Plan for .* \(database legacy\): 0 migrations would be applied/);
    expect(await everything(db.url)).toBe(before);
  }, 120_000);

  it('a service starting on it (resolveDatabase) refuses with ADOPTION_REQUIRED and changes nothing', async () => {
    // Why: adopting the live database is the operator's explicit step, never a side effect of starting a backend.
    const before = await everything(db.url);
    const logger = { info: () => undefined, warn: () => undefined, error: () => undefined };
    await expect(resolveDatabase({ databaseUrl: db.url, dataDir: '/nonexistent', logger })).rejects.toMatchObject({
      code: 'ADOPTION_REQUIRED',
    });
    expect(await everything(db.url)).toBe(before);
  });

  it('archives a duplicate written while the unique index was being built, and builds it again', async () => {
    let wrote = 0;
    const r = await migrate(db.url, {
      adoptionHooks: {
        async beforeUniqueIndexBuild(step, attempt) {
          if (step.index !== 'open_interest_snapshots_symbol_ts_source_key' || attempt > 1) return;
          // A retried legacy POST lands between the archive transaction and the concurrent build.
          await query(
            db.url,
            `INSERT INTO open_interest_snapshots (id, symbol, ts, "openInterest", "openInterestUsd", "markPrice", source, "createdAt")
             SELECT 'cm-retried-post', symbol, ts, "openInterest", "openInterestUsd", "markPrice", source, now()
             FROM open_interest_snapshots WHERE symbol = 'BTCUSDT' AND source = 'snapshot' ORDER BY ts DESC LIMIT 1`,
          );
          wrote += 1;
        },
      },
    });
    expect(wrote).toBe(1);
    expect(r.adoption!.archives).toContainEqual({
      archive: 'open_interest_snapshots_adoption_archive',
      rows: 8,
      exact: 6,
      differing: 2,
    });
    expect((await catalogOf(db.url)).indexes.get('open_interest_snapshots_symbol_ts_source_key')?.valid).toBe(true);
    expect(
      await query(db.url, `SELECT id FROM open_interest_snapshots_adoption_archive WHERE id = 'cm-retried-post'`),
    ).toHaveLength(1);
  }, 120_000);

  it('--plan on an empty database lists the migrations and creates nothing', async () => {
    const name = `volspike_test_${process.pid}_planempty`;
    const base = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
    await query(base, `CREATE DATABASE "${name}" TEMPLATE template0`);
    try {
      const url = new URL(base);
      url.pathname = `/${name}`;
      const r = await migrate(url.toString(), { plan: true });
      expect(r).toMatchObject({ state: 'empty', skipped: [], adoption: null });
      expect(r.applied).toEqual(readMigrations().map((m) => m.name));
      expect(
        await query(
          url.toString(),
          `SELECT count(*)::int AS n FROM pg_class WHERE relnamespace = 'public'::regnamespace`,
        ),
      ).toEqual([{ n: 0 }]);
    } finally {
      await query(base, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    }
  });
});

describe('a legacy database without some of the foreign keys we model', () => {
  let db: LegacyDatabase;
  afterAll(async () => {
    await db?.drop();
  });

  it('adds a missing key when every row has its parent, and leaves one out (reported, nothing deleted) when not', async () => {
    db = await createLegacyDatabase();
    await query(
      db.url,
      `ALTER TABLE alert_subscriptions DROP CONSTRAINT "alert_subscriptions_userId_fkey";
       ALTER TABLE user_sessions DROP CONSTRAINT "user_sessions_userId_fkey";
       INSERT INTO user_sessions (id, "userId", "deviceId", tier, "expiresAt") VALUES ('cm-orphan', 'deleted-user', 'd', 'pro', now())`,
    );
    const plan = await migrate(db.url, { plan: true });
    expect(plan.adoption!.checks).toContainEqual(
      expect.objectContaining({ step: 'foreign-key user_sessions_userId_fkey', orphans: 1 }),
    );
    const r = await migrate(db.url);
    const step = (id: string) => r.adoption!.steps.find((s) => s.id === id);
    expect(step('foreign-key alert_subscriptions_userId_fkey')?.status).toBe('done');
    expect(step('foreign-key user_sessions_userId_fkey')).toMatchObject({ status: 'skipped' });
    expect(step('foreign-key user_sessions_userId_fkey')?.reason).toContain(
      '1 rows of user_sessions name no users row',
    );
    const after = await catalogOf(db.url);
    expect(after.constraints.get('alert_subscriptions_userId_fkey')?.validated).toBe(true);
    expect(after.constraints.has('user_sessions_userId_fkey')).toBe(false);
    expect(await query(db.url, `SELECT id FROM user_sessions WHERE id = 'cm-orphan'`)).toHaveLength(1);
  }, 120_000);
});
