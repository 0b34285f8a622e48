// The adoption plan: a pure comparison of a legacy database's catalog with the target catalog, giving the
// expand-only steps that create what is missing. Nothing that exists is dropped, renamed, retyped or narrowed:
// where the legacy database differs (a type, a default, an extra index), the difference is kept and noted.
import { ident, literal, type Catalog, type CatalogColumn, type CatalogIndex } from './catalog.js';

export type StepKind =
  | 'create-enum'
  | 'add-enum-value'
  | 'create-table'
  | 'record-start'
  | 'add-column'
  | 'create-index'
  | 'unique-key'
  | 'foreign-key';

/** Rows sharing a key that must become unique: the first by `orderBy` stays, the others move to `archive`. */
export interface DedupeSpec {
  table: string;
  keyColumns: string[];
  /** Single-column primary key of the table. */
  idColumn: string;
  /** Which row stays: the first in this order (`"createdAt", "id"`: the row written first). */
  orderBy: string[];
  /** Columns compared to tell an exact duplicate from a differing one (all but the id and createdAt). */
  compareColumns: string[];
  archive: string;
}

export interface ForeignKeySpec {
  table: string;
  columns: string[];
  refTable: string;
  refColumns: string[];
}

export interface AdoptionStep {
  /** Stable name, e.g. `create-table token_sessions`. */
  id: string;
  kind: StepKind;
  description: string;
  /** SELECT returning one row `{ done: boolean }`: the catalog check that makes the step idempotent. */
  guard: string;
  /** Statements, in order. */
  sql: string[];
  /** false: run outside a transaction (CREATE INDEX CONCURRENTLY, ALTER TYPE … ADD VALUE). */
  transactional: boolean;
  /** create-index / unique-key: the index name (an INVALID one is dropped and rebuilt). */
  index?: string;
  dedupe?: DedupeSpec;
  foreignKey?: ForeignKeySpec;
}

export interface AdoptionPlan {
  steps: AdoptionStep[];
  /** Differences kept as the legacy database has them. */
  notes: string[];
}

export const ADOPTION_TABLE = 'volspike_adoption';

const inSchema = (kind: string, name: string) =>
  `SELECT EXISTS (SELECT 1 FROM pg_class c WHERE c.relnamespace = current_schema()::regnamespace AND c.relname = ${literal(name)}${kind}) AS done`;

function columnSql(c: CatalogColumn, forAdd: boolean): string {
  const def = c.default === null ? '' : ` DEFAULT ${c.default}`;
  // A NOT NULL column without a default cannot be added to a table that has rows: it is added nullable.
  const notNull = c.notNull && (!forAdd || c.default !== null) ? ' NOT NULL' : '';
  return `${ident(c.name)} ${c.type}${notNull}${def}`;
}

export function archiveTableName(table: string): string {
  return `${table}_adoption_archive`;
}

function createTableStep(target: Catalog, table: string): AdoptionStep {
  const t = target.tables.get(table)!;
  const parts = t.columns.map((c) => `    ${columnSql(c, false)}`);
  const pk = [...target.constraints.values()].find((k) => k.table === table && k.kind === 'primary');
  if (pk) parts.push(`    CONSTRAINT ${ident(pk.name)} ${pk.definition}`);
  const withOpts = t.reloptions.length ? ` WITH (${t.reloptions.join(', ')})` : '';
  return {
    id: `create-table ${table}`,
    kind: 'create-table',
    description: `create table ${table}`,
    guard: inSchema(` AND c.relkind IN ('r', 'p')`, table),
    sql: [`CREATE TABLE ${ident(table)} (\n${parts.join(',\n')}\n)${withOpts}`],
    transactional: true,
  };
}

function enumSteps(live: Catalog, target: Catalog): AdoptionStep[] {
  const steps: AdoptionStep[] = [];
  const typeGuard = (name: string, label?: string) =>
    `SELECT EXISTS (SELECT 1 FROM pg_type t ${label === undefined ? '' : 'JOIN pg_enum e ON e.enumtypid = t.oid '}` +
    `WHERE t.typnamespace = current_schema()::regnamespace AND t.typname = ${literal(name)}` +
    `${label === undefined ? '' : ` AND e.enumlabel = ${literal(label)}`}) AS done`;
  for (const [name, labels] of target.enums) {
    const have = live.enums.get(name);
    if (!have) {
      steps.push({
        id: `create-enum ${name}`,
        kind: 'create-enum',
        description: `create enum ${name} (${labels.join(', ')})`,
        guard: typeGuard(name),
        sql: [`CREATE TYPE ${ident(name)} AS ENUM (${labels.map(literal).join(', ')})`],
        transactional: true,
      });
      continue;
    }
    for (const label of labels.filter((l) => !have.includes(l))) {
      steps.push({
        id: `add-enum-value ${name}.${label}`,
        kind: 'add-enum-value',
        description: `add value ${label} to the existing enum ${name}`,
        guard: typeGuard(name, label),
        sql: [`ALTER TYPE ${ident(name)} ADD VALUE IF NOT EXISTS ${literal(label)}`],
        transactional: false,
      });
    }
  }
  return steps;
}

function columnSteps(live: Catalog, target: Catalog, notes: string[]): AdoptionStep[] {
  const steps: AdoptionStep[] = [];
  for (const [name, t] of target.tables) {
    const have = live.tables.get(name);
    if (!have) continue;
    for (const c of t.columns) {
      const l = have.columns.find((x) => x.name === c.name);
      if (l) {
        if (l.type !== c.type) notes.push(`${name}.${c.name}: kept the legacy type ${l.type} (ours: ${c.type})`);
        if (l.notNull !== c.notNull)
          notes.push(`${name}.${c.name}: kept ${l.notNull ? 'NOT NULL' : 'nullable'} as the legacy database has it`);
        if (l.default !== c.default)
          notes.push(
            `${name}.${c.name}: kept the legacy default ${l.default ?? 'none'} (ours: ${c.default ?? 'none'})`,
          );
        continue;
      }
      if (c.notNull && c.default === null) notes.push(`${name}.${c.name}: added as nullable (the table has rows)`);
      steps.push({
        id: `add-column ${name}.${c.name}`,
        kind: 'add-column',
        description: `add column ${name}.${c.name} ${columnSql(c, true).slice(ident(c.name).length + 1)}`,
        guard: `SELECT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass(format('%I.%I', current_schema(), ${literal(name)})) AND attname = ${literal(c.name)} AND NOT attisdropped) AS done`,
        sql: [`ALTER TABLE ${ident(name)} ADD COLUMN ${columnSql(c, true)}`],
        transactional: true,
      });
    }
  }
  return steps;
}

function dedupeSpec(live: Catalog, idx: CatalogIndex): DedupeSpec | undefined {
  const table = live.tables.get(idx.table);
  // A table created by this plan is empty; a key over a column this plan adds holds only NULLs (never equal).
  if (!table || !idx.columns.every((c) => table.columns.some((x) => x.name === c))) return undefined;
  const pk = [...live.constraints.values()].find((k) => k.table === idx.table && k.kind === 'primary');
  const idColumn = pk?.columns.length === 1 ? pk.columns[0]! : 'ctid';
  const hasCreatedAt = table.columns.some((c) => c.name === 'createdAt');
  return {
    table: idx.table,
    keyColumns: idx.columns,
    idColumn,
    orderBy: [...(hasCreatedAt ? ['createdAt'] : []), idColumn],
    compareColumns: table.columns.map((c) => c.name).filter((n) => n !== idColumn && n !== 'createdAt'),
    archive: archiveTableName(idx.table),
  };
}

function indexSteps(live: Catalog, target: Catalog, notes: string[]): AdoptionStep[] {
  const steps: AdoptionStep[] = [];
  for (const idx of target.indexes.values()) {
    if (idx.constraint) continue; // primary keys come with their table
    const have = live.indexes.get(idx.name);
    if (have?.valid) {
      if (have.definition !== idx.definition)
        notes.push(`index ${idx.name}: kept the legacy definition (${have.definition}); ours: ${idx.definition}`);
      continue;
    }
    const concurrently = idx.definition.replace(/^CREATE (UNIQUE )?INDEX /, 'CREATE $1INDEX CONCURRENTLY ');
    const dedupe = idx.unique ? dedupeSpec(live, idx) : undefined;
    steps.push({
      id: `${idx.unique ? 'unique-key' : 'create-index'} ${idx.name}`,
      kind: idx.unique ? 'unique-key' : 'create-index',
      description: `${have ? 'rebuild the INVALID index' : idx.unique ? 'add the unique key' : 'create index'} ${idx.name} on ${idx.table} (${idx.columns.join(', ')})${idx.unique ? ', unique' : ''}, concurrently${dedupe ? `; rows sharing the key move to ${dedupe.archive}` : ''}`,
      guard: `SELECT EXISTS (SELECT 1 FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid WHERE c.relnamespace = current_schema()::regnamespace AND c.relname = ${literal(idx.name)} AND x.indisvalid) AS done`,
      sql: [`DROP INDEX CONCURRENTLY IF EXISTS ${ident(idx.name)}`, concurrently],
      transactional: false,
      index: idx.name,
      ...(dedupe ? { dedupe } : {}),
    });
  }
  return steps;
}

function foreignKeySteps(live: Catalog, target: Catalog, notes: string[]): AdoptionStep[] {
  const steps: AdoptionStep[] = [];
  for (const k of target.constraints.values()) {
    if (k.kind !== 'foreign') continue;
    const have = live.constraints.get(k.name);
    if (have?.validated) {
      if (have.definition !== k.definition)
        notes.push(`foreign key ${k.name}: kept the legacy definition (${have.definition}); ours: ${k.definition}`);
      continue;
    }
    steps.push({
      id: `foreign-key ${k.name}`,
      kind: 'foreign-key',
      description: `${have ? 'validate' : 'add'} foreign key ${k.name}: ${k.table}(${k.columns.join(', ')}) → ${k.refTable ?? '?'}(${k.refColumns.join(', ')})`,
      guard: `SELECT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = to_regclass(format('%I.%I', current_schema(), ${literal(k.table)})) AND conname = ${literal(k.name)} AND convalidated) AS done`,
      sql: [
        ...(have ? [] : [`ALTER TABLE ${ident(k.table)} ADD CONSTRAINT ${ident(k.name)} ${k.definition} NOT VALID`]),
        `ALTER TABLE ${ident(k.table)} VALIDATE CONSTRAINT ${ident(k.name)}`,
      ],
      transactional: true,
      foreignKey: { table: k.table, columns: k.columns, refTable: k.refTable ?? '', refColumns: k.refColumns },
    });
  }
  return steps;
}

/**
 * The steps that bring `live` to `target`, expand-only, in a safe order: the adoption record first (so that
 * retention knows the cut even if adoption stops half-way), enums, tables, columns, indexes, foreign keys.
 */
export function planAdoption(live: Catalog, target: Catalog, opts: { adoptionRecorded: boolean }): AdoptionPlan {
  const notes: string[] = [];
  const missing = [...target.tables.keys()].filter((t) => !live.tables.has(t));
  const first = missing.filter((t) => t === ADOPTION_TABLE).map((t) => createTableStep(target, t));
  const recordStart: AdoptionStep[] = opts.adoptionRecorded
    ? []
    : [
        {
          id: 'record-start',
          kind: 'record-start',
          description: `record the adoption start in ${ADOPTION_TABLE} (retention keeps every row older than it)`,
          guard: `SELECT EXISTS (SELECT 1 FROM ${ident(ADOPTION_TABLE)} WHERE id = 1) AS done`,
          sql: [
            `INSERT INTO ${ident(ADOPTION_TABLE)} ("id", "startedAt") VALUES (1, timezone('UTC', now())) ON CONFLICT ("id") DO NOTHING`,
          ],
          transactional: true,
        },
      ];
  for (const name of live.tables.keys()) {
    if (!target.tables.has(name)) continue;
    for (const i of live.indexes.values()) {
      if (i.table === name && !i.constraint && !target.indexes.has(i.name))
        notes.push(`kept the legacy index ${i.name}`);
    }
  }
  const steps = [
    ...first,
    ...recordStart,
    ...enumSteps(live, target),
    ...missing.filter((t) => t !== ADOPTION_TABLE).map((t) => createTableStep(target, t)),
    ...columnSteps(live, target, notes),
    ...indexSteps(live, target, notes),
    ...foreignKeySteps(live, target, notes),
  ];
  return { steps, notes };
}
