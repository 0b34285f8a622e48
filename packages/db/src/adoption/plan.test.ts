import { describe, expect, it } from 'vitest';
import type { Catalog, CatalogColumn, CatalogConstraint, CatalogIndex } from './catalog.js';
import { planAdoption } from './plan.js';

const col = (name: string, type = 'text', notNull = true, dflt: string | null = null): CatalogColumn => ({
  name,
  type,
  notNull,
  default: dflt,
});

function catalog(parts: {
  tables?: Record<string, CatalogColumn[]>;
  indexes?: Partial<CatalogIndex>[];
  constraints?: Partial<CatalogConstraint>[];
  enums?: Record<string, string[]>;
}): Catalog {
  const c: Catalog = { schema: 's', enums: new Map(), tables: new Map(), indexes: new Map(), constraints: new Map() };
  for (const [name, labels] of Object.entries(parts.enums ?? {})) c.enums.set(name, labels);
  for (const [name, columns] of Object.entries(parts.tables ?? {}))
    c.tables.set(name, { name, columns, reloptions: [] });
  for (const i of parts.indexes ?? []) {
    c.indexes.set(i.name!, {
      unique: false,
      constraint: false,
      valid: true,
      columns: [],
      definition: '',
      table: '',
      ...i,
    } as CatalogIndex);
  }
  for (const k of parts.constraints ?? []) {
    c.constraints.set(k.name!, {
      kind: 'primary',
      definition: '',
      columns: [],
      refTable: null,
      refColumns: [],
      validated: true,
      table: '',
      ...k,
    } as CatalogConstraint);
  }
  return c;
}

const snapshots = [
  col('id'),
  col('symbol'),
  col('ts', 'timestamp(3) without time zone'),
  col('source'),
  col('createdAt'),
];
const snapshotKey: Partial<CatalogIndex> = {
  name: 'snap_key',
  table: 'snap',
  unique: true,
  columns: ['symbol', 'ts', 'source'],
  definition: 'CREATE UNIQUE INDEX snap_key ON snap USING btree (symbol, ts, source)',
};
const snapPk: Partial<CatalogConstraint> = {
  name: 'snap_pkey',
  table: 'snap',
  kind: 'primary',
  columns: ['id'],
  definition: 'PRIMARY KEY (id)',
};
const target = catalog({
  enums: { Zone: ['IN', 'OUT'], Role: ['USER', 'ADMIN'] },
  tables: {
    volspike_adoption: [col('id', 'integer', true, '1'), col('startedAt', 'timestamp(3) without time zone')],
    snap: snapshots,
    alerts: [
      col('id'),
      col('fundingRate', 'numeric(18,10)', false),
      col('details', 'jsonb', false),
      col('updatedAt', 'timestamp(3) without time zone'),
    ],
    latest: [col('symbol')],
  },
  indexes: [snapshotKey],
  constraints: [
    snapPk,
    { name: 'latest_pkey', table: 'latest', columns: ['symbol'], definition: 'PRIMARY KEY (symbol)' },
  ],
});

describe('planAdoption', () => {
  const legacy = catalog({
    enums: { Role: ['USER'] },
    tables: { snap: snapshots, alerts: [col('id'), col('fundingRate', 'numeric(10,6)', false)], outside: [col('id')] },
    indexes: [{ name: 'snap_symbol_ts_idx', table: 'snap', columns: ['symbol', 'ts'] }],
    constraints: [snapPk],
  });
  const plan = planAdoption(legacy, target, { adoptionRecorded: false });
  const ids = plan.steps.map((s) => s.id);

  it('records the adoption first, then enums, tables, columns, indexes', () => {
    expect(ids).toEqual([
      'create-table volspike_adoption',
      'record-start',
      'create-enum Zone',
      'add-enum-value Role.ADMIN',
      'create-table latest',
      'add-column alerts.details',
      'add-column alerts.updatedAt',
      'unique-key snap_key',
    ]);
  });

  it.each([
    [
      'a missing table, with its primary key',
      'create-table latest',
      'CREATE TABLE "latest" (\n    "symbol" text NOT NULL,\n    CONSTRAINT "latest_pkey" PRIMARY KEY (symbol)\n)',
    ],
    ['a nullable column as such', 'add-column alerts.details', 'ALTER TABLE "alerts" ADD COLUMN "details" jsonb'],
    [
      'a NOT NULL column without default as nullable (the table has rows)',
      'add-column alerts.updatedAt',
      'ALTER TABLE "alerts" ADD COLUMN "updatedAt" timestamp(3) without time zone',
    ],
    [
      'an enum value outside a transaction',
      'add-enum-value Role.ADMIN',
      `ALTER TYPE "Role" ADD VALUE IF NOT EXISTS 'ADMIN'`,
    ],
  ])('creates %s', (_what, id, sql) => {
    expect(plan.steps.find((s) => s.id === id)?.sql).toContain(sql);
  });

  it('never retypes, drops or narrows: differences are notes, the legacy index stays', () => {
    expect(plan.notes).toEqual(
      expect.arrayContaining([
        'alerts.fundingRate: kept the legacy type numeric(10,6) (ours: numeric(18,10))',
        'alerts.updatedAt: added as nullable (the table has rows)',
        'kept the legacy index snap_symbol_ts_idx',
      ]),
    );
    const all = plan.steps.flatMap((s) => s.sql).join('\n');
    expect(all).not.toMatch(/\bDROP (TABLE|COLUMN|TYPE|CONSTRAINT)\b|ALTER COLUMN|RENAME/);
    expect(ids.some((id) => id.includes('outside'))).toBe(false);
  });

  it('builds a unique key concurrently after archiving duplicates: first written stays, all but id/createdAt compared', () => {
    const step = plan.steps.find((s) => s.id === 'unique-key snap_key')!;
    expect(step.transactional).toBe(false);
    expect(step.sql).toEqual([
      'DROP INDEX CONCURRENTLY IF EXISTS "snap_key"',
      'CREATE UNIQUE INDEX CONCURRENTLY snap_key ON snap USING btree (symbol, ts, source)',
    ]);
    expect(step.dedupe).toEqual({
      table: 'snap',
      keyColumns: ['symbol', 'ts', 'source'],
      idColumn: 'id',
      orderBy: ['createdAt', 'id'],
      compareColumns: ['symbol', 'ts', 'source'],
      archive: 'snap_adoption_archive',
    });
  });
});

describe('planAdoption on a database that has (nearly) everything', () => {
  it('rebuilds an INVALID index of ours and adds nothing once everything exists and adoption is recorded', () => {
    const like = (valid: boolean) =>
      catalog({
        enums: { Zone: ['IN', 'OUT'], Role: ['USER', 'ADMIN'] },
        tables: Object.fromEntries([...target.tables].map(([n, t]) => [n, t.columns])),
        indexes: [{ ...snapshotKey, valid }],
        constraints: [...target.constraints.values()],
      });
    expect(planAdoption(like(false), target, { adoptionRecorded: true }).steps.map((s) => s.description)).toEqual([
      'rebuild the INVALID index snap_key on snap (symbol, ts, source), unique, concurrently; rows sharing the key move to snap_adoption_archive',
    ]);
    const done = like(true);
    expect(planAdoption(done, target, { adoptionRecorded: true }).steps).toEqual([]);
  });

  it('adds a missing foreign key NOT VALID then validates it, and only validates a NOT VALID one', () => {
    const fk: Partial<CatalogConstraint> = {
      name: 'alerts_userId_fkey',
      table: 'alerts',
      kind: 'foreign',
      columns: ['userId'],
      refTable: 'users',
      refColumns: ['id'],
      definition: 'FOREIGN KEY ("userId") REFERENCES users(id) ON UPDATE CASCADE ON DELETE CASCADE',
    };
    const withFk = catalog({ tables: { alerts: [col('id')] }, constraints: [fk] });
    const add = planAdoption(catalog({ tables: { alerts: [col('id')] } }), withFk, { adoptionRecorded: true });
    expect(add.steps.map((s) => s.sql)).toEqual([
      [
        `ALTER TABLE "alerts" ADD CONSTRAINT "alerts_userId_fkey" ${fk.definition!} NOT VALID`,
        'ALTER TABLE "alerts" VALIDATE CONSTRAINT "alerts_userId_fkey"',
      ],
    ]);
    const notValid = catalog({ tables: { alerts: [col('id')] }, constraints: [{ ...fk, validated: false }] });
    expect(planAdoption(notValid, withFk, { adoptionRecorded: true }).steps.map((s) => s.sql)).toEqual([
      ['ALTER TABLE "alerts" VALIDATE CONSTRAINT "alerts_userId_fkey"'],
    ]);
  });
});
