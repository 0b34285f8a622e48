import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Prisma } from '../src/index.js';
import { backends, type Backend } from './backends.js';
import { modelCases } from './model-cases.js';

it('has a round-trip case for every Prisma model', () => {
  // A model added to schema.prisma without a case here would escape the schema/SQL drift check.
  expect(modelCases.map((c) => c.model).sort()).toEqual(Object.values(Prisma.ModelName).sort());
});

describe.each(backends)('every model through the generated client on $name', ({ open }) => {
  let db: Backend;
  beforeAll(async () => {
    db = await open();
  });
  afterAll(async () => {
    await db?.close();
  });

  it.each(modelCases)('$model: create, read, update', async ({ run }) => {
    await run(db.prisma);
  });

  it('runs concurrent queries and interactive transactions without mixing them up', async () => {
    // Why: PGlite is single-session; its socket server must keep each client's protocol messages apart.
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        db.prisma.$transaction(async (tx) => {
          await tx.componentHeartbeat.create({ data: { component: `c-${i}`, status: 'ok', lastSeenAt: new Date(i * 1000) } });
          return (await tx.componentHeartbeat.findUniqueOrThrow({ where: { component: `c-${i}` } })).lastSeenAt.getTime();
        }),
      ),
    );
    expect(results).toEqual(Array.from({ length: 30 }, (_, i) => i * 1000));
    await expect(
      db.prisma.$transaction(async (tx) => {
        await tx.componentHeartbeat.create({ data: { component: 'rolled-back', status: 'ok', lastSeenAt: new Date() } });
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(await db.prisma.componentHeartbeat.count({ where: { component: 'rolled-back' } })).toBe(0);
  });
});
