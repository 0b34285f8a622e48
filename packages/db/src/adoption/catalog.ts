// The parts of a Postgres schema's catalog that adoption compares (pg_catalog only, so it reads the same on
// Postgres 15 and PGlite): enums, tables with their columns, storage options and primary key, indexes (with
// validity: a CREATE INDEX CONCURRENTLY that crashed leaves an INVALID one) and foreign keys.
import type pg from 'pg';

export interface CatalogColumn {
  name: string;
  /** format_type(), e.g. `numeric(30,8)`, `timestamp(3) without time zone`, `"Role"`, `text[]`. */
  type: string;
  notNull: boolean;
  /** pg_get_expr() of the default, or null. */
  default: string | null;
}

export interface CatalogTable {
  name: string;
  columns: CatalogColumn[];
  /** Storage parameters, e.g. `fillfactor=20`. */
  reloptions: string[];
}

export interface CatalogIndex {
  name: string;
  table: string;
  unique: boolean;
  /** Backs a primary key (or unique constraint): created with its table, never on its own. */
  constraint: boolean;
  valid: boolean;
  columns: string[];
  /** pg_get_indexdef() with the schema qualifier removed: `CREATE [UNIQUE] INDEX name ON table USING btree (...)`. */
  definition: string;
}

export interface CatalogConstraint {
  name: string;
  table: string;
  kind: 'primary' | 'foreign';
  /** pg_get_constraintdef(): `PRIMARY KEY (...)`, `FOREIGN KEY (...) REFERENCES t(...) ON ...`. */
  definition: string;
  columns: string[];
  /** Foreign keys only. */
  refTable: string | null;
  refColumns: string[];
  validated: boolean;
}

export interface Catalog {
  schema: string;
  enums: Map<string, string[]>;
  tables: Map<string, CatalogTable>;
  indexes: Map<string, CatalogIndex>;
  constraints: Map<string, CatalogConstraint>;
}

type Queryable = Pick<pg.Client, 'query'>;

const ENUMS_SQL = `SELECT t.typname AS name, array_agg(e.enumlabel ORDER BY e.enumsortorder)::text[] AS labels
  FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace
  WHERE n.nspname = $1 GROUP BY t.typname ORDER BY t.typname`;

const TABLES_SQL = `SELECT c.relname AS name, COALESCE(c.reloptions, '{}')::text[] AS reloptions
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') ORDER BY c.oid`;

const COLUMNS_SQL = `SELECT c.relname AS "table", a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
    a.attnotnull AS "notNull", pg_get_expr(d.adbin, d.adrelid) AS "default"
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
  WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
  ORDER BY c.oid, a.attnum`;

const INDEXES_SQL = `SELECT i.relname AS name, t.relname AS "table", x.indisunique AS unique, x.indisvalid AS valid,
    EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid AND k.contype IN ('p', 'u')) AS constraint,
    pg_get_indexdef(x.indexrelid) AS definition,
    ARRAY(SELECT a.attname FROM unnest(x.indkey) WITH ORDINALITY AS k(attnum, ord)
          JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum ORDER BY k.ord)::text[] AS columns
  FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
  JOIN pg_namespace n ON n.oid = t.relnamespace
  WHERE n.nspname = $1 ORDER BY i.oid`;

const CONSTRAINTS_SQL = `SELECT k.conname AS name, t.relname AS "table", k.contype AS kind, k.convalidated AS validated,
    pg_get_constraintdef(k.oid) AS definition, r.relname AS "refTable",
    ARRAY(SELECT a.attname FROM unnest(k.conkey) WITH ORDINALITY AS c(attnum, ord)
          JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = c.attnum ORDER BY c.ord)::text[] AS columns,
    ARRAY(SELECT a.attname FROM unnest(COALESCE(k.confkey, '{}')) WITH ORDINALITY AS c(attnum, ord)
          JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = c.attnum ORDER BY c.ord)::text[] AS "refColumns"
  FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace
  LEFT JOIN pg_class r ON r.oid = k.confrelid
  WHERE n.nspname = $1 AND k.contype IN ('p', 'f') ORDER BY k.oid`;

/** Removes `<schema>.` qualifiers that pg_get_indexdef / pg_get_constraintdef add for relations. */
function unqualify(def: string, schema: string): string {
  const q = /^[a-z_][a-z0-9_]*$/.test(schema) ? schema : `"${schema.replace(/"/g, '""')}"`;
  return def.split(`${q}.`).join('');
}

/** Reads `schema`'s catalog (tables, columns, indexes, keys, enums); `_prisma_migrations` is left out. */
export async function readCatalog(db: Queryable, schema: string): Promise<Catalog> {
  const [enums, tables, columns, indexes, constraints] = [
    await db.query<{ name: string; labels: string[] }>(ENUMS_SQL, [schema]),
    await db.query<{ name: string; reloptions: string[] }>(TABLES_SQL, [schema]),
    await db.query<CatalogColumn & { table: string }>(COLUMNS_SQL, [schema]),
    await db.query<CatalogIndex>(INDEXES_SQL, [schema]),
    await db.query<Omit<CatalogConstraint, 'kind'> & { kind: string }>(CONSTRAINTS_SQL, [schema]),
  ];
  const skip = (table: string) => table === '_prisma_migrations';
  const out: Catalog = { schema, enums: new Map(), tables: new Map(), indexes: new Map(), constraints: new Map() };
  for (const e of enums.rows) out.enums.set(e.name, e.labels);
  for (const t of tables.rows) if (!skip(t.name)) out.tables.set(t.name, { ...t, columns: [] });
  for (const { table, ...c } of columns.rows) out.tables.get(table)?.columns.push(c);
  for (const i of indexes.rows) {
    if (!skip(i.table)) out.indexes.set(i.name, { ...i, definition: unqualify(i.definition, schema) });
  }
  for (const k of constraints.rows) {
    if (skip(k.table)) continue;
    const kind = k.kind === 'p' ? 'primary' : 'foreign';
    out.constraints.set(k.name, { ...k, kind, definition: unqualify(k.definition, schema) });
  }
  return out;
}

/** Double-quotes an identifier. */
export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** A single-quoted SQL string literal. */
export function literal(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
