import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Prisma } from '../src/index.js';
import { backends, type Backend } from './backends.js';
import { PGLITE_START_TIMEOUT_MS } from './helpers.js';
import { modelCases } from './model-cases.js';
import { actualCatalog, expectedCatalog } from './schema-drift.js';

it('has a round-trip case for every Prisma model', () => {
  // A model added to schema.prisma without a case here would escape the schema/SQL drift check.
  expect(modelCases.map((c) => c.model).sort()).toEqual(Object.values(Prisma.ModelName).sort());
});

describe.each(backends)('every model through the generated client on $name', ({ open }) => {
  let db: Backend;
  beforeAll(async () => {
    db = await open();
  }, PGLITE_START_TIMEOUT_MS);
  afterAll(async () => {
    await db?.close();
  });

  it('has exactly the tables, columns, keys, indexes and enums that schema.prisma describes', async () => {
    // Drift guard between schema.prisma and the hand-written migration SQL (no schema engine offline).
    const expected = expectedCatalog();
    const actual = await actualCatalog(db.url);
    expect(actual.tables).toEqual(expected.tables);
    expect(actual.enums).toEqual(expected.enums);
    expect(actual.columns).toEqual(expected.columns);
    expect(actual.constraints).toEqual(expected.constraints);
    expect(actual.indexes).toEqual(expected.indexes);
  });

  it.each(modelCases)('$model: create, read, update', async ({ run }) => {
    await run(db.prisma);
  });

  it('runs concurrent queries and interactive transactions without mixing them up', async () => {
    // Why: PGlite is single-session; its socket server must keep each client's protocol messages apart.
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        db.prisma.$transaction(async (tx) => {
          await tx.componentHeartbeat.create({
            data: { component: `c-${i}`, status: 'ok', lastSeenAt: new Date(i * 1000) },
          });
          return (
            await tx.componentHeartbeat.findUniqueOrThrow({ where: { component: `c-${i}` } })
          ).lastSeenAt.getTime();
        }),
      ),
    );
    expect(results).toEqual(Array.from({ length: 30 }, (_, i) => i * 1000));
    await expect(
      db.prisma.$transaction(async (tx) => {
        await tx.componentHeartbeat.create({
          data: { component: 'rolled-back', status: 'ok', lastSeenAt: new Date() },
        });
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(await db.prisma.componentHeartbeat.count({ where: { component: 'rolled-back' } })).toBe(0);
  });
});
