import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrismaClient, queryDirect, type PrismaClient } from '../src/index.js';
import { backends, type Backend } from './backends.js';
import { PGLITE_START_TIMEOUT_MS } from './helpers.js';

const MARKED = `/* prepared: volspike_test_stmt */ SELECT $1::int + 1 AS n`;

describe.each(backends)('prepared statements on $name', ({ name, open }) => {
  let db: Backend;
  let client: PrismaClient;
  beforeAll(async () => {
    db = await open();
    // One connection, so that pg_prepared_statements (per session) is the session the statements ran on.
    client = name === 'postgres' ? createPrismaClient(db.url, { maxConnections: 1 }) : db.prisma;
  }, PGLITE_START_TIMEOUT_MS);
  afterAll(async () => {
    if (client !== db?.prisma) await client?.$disconnect();
    await db?.close();
  });

  const prepared = async (): Promise<string[]> =>
    (await client.$queryRawUnsafe<{ name: string }[]>('SELECT name FROM pg_prepared_statements ORDER BY name')).map(
      (r) => r.name,
    );

  it('runs a marked statement with new parameters each time and prepares it only on a real server', async () => {
    // Why: the marker saves Postgres a parse and plan per call; PGlite shares one session between connections,
    // where a second PREPARE of the same name would fail, so it stays unnamed there.
    for (const v of [1, 2, 3]) {
      expect(await client.$queryRawUnsafe<{ n: number }[]>(MARKED, v)).toEqual([{ n: v + 1 }]);
    }
    await client.$queryRawUnsafe('SELECT $1::int AS unmarked', 1);
    expect(await prepared()).toEqual(name === 'postgres' ? ['volspike_test_stmt'] : []);
  });

  it('runs queryDirect on the same connections as Prisma, with the same prepared-statement rule', async () => {
    // Why: the OI ingest bypasses Prisma's raw-query layer; it must not open a second pool (connection count) nor
    // prepare statements on PGlite's shared session.
    const [viaPrisma] = await client.$queryRawUnsafe<{ pid: number }[]>('SELECT pg_backend_pid() AS pid');
    const [direct] = await queryDirect<{ pid: number }>(client, 'SELECT pg_backend_pid() AS pid', []);
    if (name === 'postgres') expect(direct?.pid).toBe(viaPrisma?.pid); // one connection in this client's pool
    const marked = `/* prepared: volspike_direct_stmt */ SELECT $1::int * 2 AS n, $2::json AS j`;
    for (const v of [1, 2]) {
      expect(await queryDirect(client, marked, [v, '{"a":1}'])).toEqual([{ n: v * 2, j: { a: 1 } }]);
    }
    const names = await prepared();
    expect(names.includes('volspike_direct_stmt')).toBe(name === 'postgres');
    const err: unknown = await queryDirect(client, 'SELECT 1/0', []).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: '22012' });
  });
});
