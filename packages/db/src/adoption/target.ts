// What adoption brings a legacy database to: the catalog that the baseline migrations produce. It is read by
// applying them to an empty scratch schema inside a transaction that is then rolled back, so the SQL files stay
// the single description of our schema and nothing of the scratch schema remains (not even in --plan).
import type pg from 'pg';
import type { MigrationFile } from '../migrations.js';
import { readCatalog, type Catalog } from './catalog.js';

/**
 * The last migration that adoption covers. Adoption creates what these migrations create (expand-only) and then
 * records them as applied; migrations after it run as usual, on adopted and fresh databases alike.
 */
export const ADOPTION_BASELINE = '20261207150000_token_sessions_legacy_sessions';

const SCRATCH_SCHEMA = 'volspike_adoption_target';

export function baselineMigrations(all: MigrationFile[]): MigrationFile[] {
  const covered = all.filter((m) => m.name <= ADOPTION_BASELINE);
  if (!covered.some((m) => m.name === ADOPTION_BASELINE)) {
    throw new Error(`adoption baseline ${ADOPTION_BASELINE} is missing from the migrations directory`);
  }
  return covered;
}

/** Applies `migrations` to a scratch schema in a rolled-back transaction and returns the resulting catalog. */
export async function targetCatalog(client: pg.Client, migrations: MigrationFile[]): Promise<Catalog> {
  await client.query('BEGIN');
  try {
    await client.query(`CREATE SCHEMA ${SCRATCH_SCHEMA}`);
    // Unqualified names in the migrations (tables, enum types) resolve to the scratch schema only.
    await client.query(`SET LOCAL search_path TO ${SCRATCH_SCHEMA}`);
    for (const m of migrations) await client.query(m.sql);
    const catalog = await readCatalog(client, SCRATCH_SCHEMA);
    return { ...catalog, schema: 'target' };
  } finally {
    await client.query('ROLLBACK');
  }
}
