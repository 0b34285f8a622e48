// Drift guard without Prisma's schema engine: derives from schema.prisma what Prisma's migration would
// create (columns with type/nullability/default, primary keys, unique and plain indexes, foreign keys,
// enums) and compares it with the catalog of a migrated database. Covers the schema features this
// repository uses; an unsupported attribute makes it throw rather than pass silently.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { query } from './helpers.js';

export const SCHEMA_PATH = fileURLToPath(new URL('../../../prisma/schema.prisma', import.meta.url));

interface Field {
  name: string;
  type: string;
  optional: boolean;
  list: boolean;
  attrs: string;
}
interface Model {
  name: string;
  table: string;
  fields: Field[];
  blockAttrs: string[];
}

export interface ExpectedCatalog {
  tables: string[];
  enums: Record<string, string[]>;
  columns: Record<string, { type: string; nullable: boolean; default: string | null }>;
  indexes: Record<string, string>;
  constraints: Record<string, string>;
}

const SCALARS: Record<string, string> = {
  String: 'text',
  Int: 'integer',
  BigInt: 'bigint',
  Float: 'double precision',
  Boolean: 'boolean',
  DateTime: 'timestamp(3) without time zone',
  Json: 'jsonb',
};

function parse(schema: string): { models: Model[]; enums: Record<string, string[]> } {
  const enums: Record<string, string[]> = {};
  const models: Model[] = [];
  let block: { kind: 'enum' | 'model'; name: string; lines: string[] } | null = null;
  for (const raw of schema.split('\n')) {
    const line = raw.replace(/\/\/.*$/, '').trim();
    if (!line) continue;
    if (!block) {
      const open = /^(enum|model)\s+(\w+)\s*\{$/.exec(line);
      if (open) block = { kind: open[1] as 'enum' | 'model', name: open[2]!, lines: [] };
      continue;
    }
    if (line === '}') {
      if (block.kind === 'enum') enums[block.name] = block.lines;
      else models.push(parseModel(block.name, block.lines));
      block = null;
      continue;
    }
    block.lines.push(line);
  }
  return { models, enums };
}

function parseModel(name: string, lines: string[]): Model {
  const fields: Field[] = [];
  const blockAttrs: string[] = [];
  let table = name;
  for (const line of lines) {
    if (line.startsWith('@@')) {
      const map = /^@@map\("([^"]+)"\)$/.exec(line);
      if (map) table = map[1]!;
      else blockAttrs.push(line);
      continue;
    }
    const f = /^(\w+)\s+(\w+)(\[\])?(\?)?\s*(.*)$/.exec(line);
    if (!f) throw new Error(`schema-drift: cannot parse field line: ${line}`);
    fields.push({ name: f[1]!, type: f[2]!, list: !!f[3], optional: !!f[4], attrs: f[5] ?? '' });
  }
  return { name, table, fields, blockAttrs };
}

function columnList(spec: string): { name: string; desc: boolean }[] {
  return spec.split(',').map((s) => {
    const c = /^\s*(\w+)(\(sort:\s*(Desc|Asc)\))?\s*$/.exec(s);
    if (!c) throw new Error(`schema-drift: unsupported index column spec: ${s}`);
    return { name: c[1]!, desc: c[3] === 'Desc' };
  });
}

function indexDef(unique: boolean, name: string, table: string, cols: { name: string; desc: boolean }[]): string {
  const list = cols.map((c) => `${c.name}${c.desc ? ' DESC' : ''}`).join(', ');
  return `CREATE ${unique ? 'UNIQUE ' : ''}INDEX ${name} ON public.${table} USING btree (${list})`;
}

function sqlDefault(f: Field, enums: Record<string, string[]>): string | null {
  const d = /@default\((.*)\)/.exec(f.attrs)?.[1];
  if (d === undefined || d === 'cuid()' || d === 'uuid()') return null;
  if (d === 'now()') return 'CURRENT_TIMESTAMP';
  if (d === '[]' && f.list) return `ARRAY[]::${SCALARS[f.type]}[]`;
  if (enums[f.type]) return `'${d}'::"${f.type}"`;
  if (/^".*"$/.test(d)) return `'${d.slice(1, -1)}'::${f.type === 'Json' ? 'jsonb' : 'text'}`;
  if (/^(true|false|-?\d+(\.\d+)?)$/.test(d)) return d;
  throw new Error(`schema-drift: unsupported default ${d} on ${f.name}`);
}

export function expectedCatalog(schemaText: string = readFileSync(SCHEMA_PATH, 'utf8')): ExpectedCatalog {
  const { models, enums } = parse(schemaText);
  const byName = new Map(models.map((m) => [m.name, m]));
  const out: ExpectedCatalog = {
    tables: models.map((m) => m.table).sort(),
    enums,
    columns: {},
    indexes: {},
    constraints: {},
  };
  for (const m of models) {
    const t = m.table;
    for (const f of m.fields) {
      if (byName.has(f.type)) {
        const rel = /@relation\(fields:\s*\[(\w+)\],\s*references:\s*\[(\w+)\](?:,\s*onDelete:\s*(\w+))?\)/.exec(
          f.attrs,
        );
        if (!rel) continue; // back-relation list: no column
        const target = byName.get(f.type)!.table;
        const onDelete =
          rel[3] === 'Cascade'
            ? ' ON DELETE CASCADE'
            : rel[3] === undefined
              ? ' ON DELETE RESTRICT'
              : (() => {
                  throw new Error(`schema-drift: onDelete ${rel[3]}`);
                })();
        out.constraints[`${t}_${rel[1]}_fkey`] =
          `FOREIGN KEY (${rel[1]}) REFERENCES ${target}(${rel[2]}) ON UPDATE CASCADE${onDelete}`;
        continue;
      }
      let type: string;
      if (enums[f.type]) type = `"${f.type}"`;
      else if (f.type === 'Decimal') {
        const p = /@db\.Decimal\((\d+),\s*(\d+)\)/.exec(f.attrs);
        type = p ? `numeric(${p[1]},${p[2]})` : 'numeric(65,30)';
      } else if (SCALARS[f.type]) type = SCALARS[f.type]!;
      else throw new Error(`schema-drift: unsupported type ${f.type}`);
      if (f.list) type = `${type}[]`;
      out.columns[`${t}.${f.name}`] = { type, nullable: f.optional || f.list, default: sqlDefault(f, enums) };
      if (/@id\b/.test(f.attrs)) out.constraints[`${t}_pkey`] = `PRIMARY KEY (${f.name})`;
      if (/@unique\b/.test(f.attrs))
        out.indexes[`${t}_${f.name}_key`] = indexDef(true, `${t}_${f.name}_key`, t, [{ name: f.name, desc: false }]);
    }
    for (const a of m.blockAttrs) {
      const b = /^@@(id|unique|index)\(\[([^\]]+)\]\)$/.exec(a);
      if (!b) throw new Error(`schema-drift: unsupported block attribute ${a}`);
      const cols = columnList(b[2]!);
      if (b[1] === 'id') {
        out.constraints[`${t}_pkey`] = `PRIMARY KEY (${cols.map((c) => c.name).join(', ')})`;
        continue;
      }
      const name = `${t}_${cols.map((c) => c.name).join('_')}_${b[1] === 'unique' ? 'key' : 'idx'}`;
      out.indexes[name] = indexDef(b[1] === 'unique', name, t, cols);
    }
    const pk = out.constraints[`${t}_pkey`];
    if (pk) {
      const cols = /\((.*)\)/
        .exec(pk)![1]!
        .split(', ')
        .map((name) => ({ name, desc: false }));
      out.indexes[`${t}_pkey`] = indexDef(true, `${t}_pkey`, t, cols);
    }
  }
  return out;
}

const unquote = (s: string | null): string | null => (s === null ? null : s.replace(/"/g, ''));

/** The same shape as expectedCatalog(), read from a database's catalog (public schema, minus Prisma's table). */
export async function actualCatalog(url: string): Promise<ExpectedCatalog> {
  const tables = await query<{ t: string }>(
    url,
    `SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' AND tablename <> '_prisma_migrations' ORDER BY 1`,
  );
  const enumRows = await query<{ typname: string; label: string }>(
    url,
    `SELECT t.typname, e.enumlabel AS label FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid
     JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = 'public' ORDER BY t.typname, e.enumsortorder`,
  );
  const cols = await query<{ t: string; c: string; type: string; notnull: boolean; def: string | null }>(
    url,
    `SELECT c.relname AS t, a.attname AS c, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS notnull,
            pg_get_expr(d.adbin, d.adrelid) AS def
     FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
     WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname <> '_prisma_migrations' AND a.attnum > 0 AND NOT a.attisdropped`,
  );
  const idx = await query<{ name: string; def: string }>(
    url,
    `SELECT indexname AS name, indexdef AS def FROM pg_indexes WHERE schemaname = 'public' AND tablename <> '_prisma_migrations'`,
  );
  const cons = await query<{ name: string; def: string }>(
    url,
    `SELECT conname AS name, pg_get_constraintdef(oid) AS def FROM pg_constraint
     WHERE connamespace = 'public'::regnamespace AND contype IN ('p', 'f') AND conrelid <> 'public._prisma_migrations'::regclass`,
  );
  const out: ExpectedCatalog = { tables: tables.map((r) => r.t), enums: {}, columns: {}, indexes: {}, constraints: {} };
  for (const e of enumRows) (out.enums[e.typname] ??= []).push(e.label);
  for (const c of cols) out.columns[`${c.t}.${c.c}`] = { type: c.type, nullable: !c.notnull, default: c.def };
  for (const i of idx) out.indexes[i.name] = unquote(i.def)!;
  for (const c of cons) out.constraints[c.name] = unquote(c.def)!;
  return out;
}
