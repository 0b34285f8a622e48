// Rows of a legacy table that share a key we are about to make unique. The row the legacy backend would serve
// stays: the first one written (earliest createdAt, then smallest id), which is the original of a retried POST.
// Every other row of its key moves, whole, to `<table>_adoption_archive` (with the id of the row that stayed
// and whether it was an exact copy of it) in one transaction: nothing is deleted without being archived.
import type pg from 'pg';
import { ident, literal } from './catalog.js';
import type { DedupeSpec, ForeignKeySpec } from './plan.js';

export interface DuplicateCount {
  table: string;
  key: string[];
  /** Keys held by more than one row. */
  keys: number;
  /** Rows that would move (all but the kept row of each key). */
  rows: number;
  /** Of those, rows equal to the kept row in every column but the id and createdAt. */
  exact: number;
  differing: number;
}

type Queryable = Pick<pg.Client, 'query'>;

const cols = (names: string[], alias?: string) => names.map((n) => (alias ? `${alias}.${ident(n)}` : ident(n)));

/** `ranked`: every row of a duplicated key, numbered in keep order, with a value fingerprint of the kept row. */
function rankedCte(s: DedupeSpec): string {
  const key = cols(s.keyColumns);
  const tkey = cols(s.keyColumns, 't');
  const fingerprint = `jsonb_build_array(${cols(s.compareColumns, 't').join(', ') || 'NULL'})`;
  return `dup_keys AS (
    SELECT ${key.join(', ')} FROM ${ident(s.table)}
    WHERE ${key.map((k) => `${k} IS NOT NULL`).join(' AND ')}
    GROUP BY ${key.join(', ')} HAVING count(*) > 1
  ), ranked AS (
    SELECT t.${ident(s.idColumn)} AS rid, row_number() OVER w AS rn,
      first_value(t.${ident(s.idColumn)}) OVER w AS kept,
      ${fingerprint} = first_value(${fingerprint}) OVER w AS exact
    FROM ${ident(s.table)} t JOIN dup_keys d ON ${s.keyColumns.map((k) => `t.${ident(k)} = d.${ident(k)}`).join(' AND ')}
    WINDOW w AS (PARTITION BY ${tkey.join(', ')} ORDER BY ${cols(s.orderBy, 't').join(', ')})
  )`;
}

/** Read-only: how many rows share a key, and how many of them are exact copies of the row that would stay. */
export async function countDuplicates(db: Queryable, s: DedupeSpec): Promise<DuplicateCount> {
  const { rows } = await db.query<{ keys: number; rows: number; exact: number }>(
    `WITH ${rankedCte(s)}
     SELECT count(*) FILTER (WHERE rn = 1)::int AS keys, count(*) FILTER (WHERE rn > 1)::int AS rows,
            count(*) FILTER (WHERE rn > 1 AND exact)::int AS exact
     FROM ranked`,
  );
  const r = rows[0] ?? { keys: 0, rows: 0, exact: 0 };
  return { table: s.table, key: s.keyColumns, ...r, differing: r.rows - r.exact };
}

/**
 * Moves every row but the kept one of each duplicated key into the archive table (created when there is something
 * to move), in the caller's transaction. Returns what moved.
 */
export async function archiveDuplicates(db: Queryable, s: DedupeSpec): Promise<DuplicateCount> {
  const found = await countDuplicates(db, s);
  if (found.rows === 0) return found; // no archive table for a key that holds no duplicates
  await db.query(
    `CREATE TABLE IF NOT EXISTS ${ident(s.archive)} (LIKE ${ident(s.table)},
       "archivedAt" TIMESTAMP(3) NOT NULL DEFAULT timezone('UTC', now()),
       "keptId" TEXT NOT NULL,
       "exactDuplicate" BOOLEAN NOT NULL)`,
  );
  await db.query(
    `COMMENT ON TABLE ${ident(s.archive)} IS ${literal(
      `Rows of ${s.table} that shared (${s.keyColumns.join(', ')}) with an earlier row (keptId), moved here whole when npm run db:migrate adopted the legacy database`,
    )}`,
  );
  const all = [...s.compareColumns, s.idColumn, ...(s.orderBy.includes('createdAt') ? ['createdAt'] : [])];
  const { rows } = await db.query<{ keys: number; rows: number; exact: number }>(
    `WITH ${rankedCte(s)}, losers AS (
       SELECT rid, kept, exact FROM ranked WHERE rn > 1
     ), moved AS (
       DELETE FROM ${ident(s.table)} t USING losers l WHERE t.${ident(s.idColumn)} = l.rid RETURNING t.*
     ), archived AS (
       INSERT INTO ${ident(s.archive)} (${cols(all).join(', ')}, "keptId", "exactDuplicate")
       SELECT ${cols(all, 'm').join(', ')}, l.kept::text, l.exact
       FROM moved m JOIN losers l ON l.rid = m.${ident(s.idColumn)}
       RETURNING "keptId", "exactDuplicate"
     )
     SELECT count(DISTINCT "keptId")::int AS keys, count(*)::int AS rows,
            count(*) FILTER (WHERE "exactDuplicate")::int AS exact
     FROM archived`,
  );
  const r = rows[0] ?? { keys: 0, rows: 0, exact: 0 };
  return { table: s.table, key: s.keyColumns, ...r, differing: r.rows - r.exact };
}

/** Rows whose foreign key columns name no row of the referenced table (a foreign key cannot be added then). */
export async function countOrphans(db: Queryable, fk: ForeignKeySpec): Promise<number> {
  const c = cols(fk.columns, 'c');
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM ${ident(fk.table)} c
     WHERE ${c.map((x) => `${x} IS NOT NULL`).join(' AND ')}
       AND NOT EXISTS (SELECT 1 FROM ${ident(fk.refTable)} p WHERE ${fk.refColumns
         .map((r, i) => `p.${ident(r)} = ${c[i]!}`)
         .join(' AND ')})`,
  );
  return rows[0]?.n ?? 0;
}
