import { rmSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createPrismaClient,
  embeddedLockOwner,
  readMigrations,
  resolveDatabase,
  startEmbeddedPostgres,
  type DbLogger,
} from '../src/index.js';
import { DEFAULT_TEST_DATABASE_URL, withDatabase } from '../src/testing.js';
import { PGLITE_START_TIMEOUT_MS, pristinePgliteDir, query } from './helpers.js';

const MIGRATION_NAMES = readMigrations().map((m) => m.name);

function memoryLogger(): DbLogger & { lines: { level: string; obj: object; msg?: string }[] } {
  const lines: { level: string; obj: object; msg?: string }[] = [];
  const push = (level: string) => (obj: object, msg?: string) =>
    void lines.push({ level, obj, ...(msg === undefined ? {} : { msg }) });
  return { lines, info: push('info'), warn: push('warn'), error: push('error') };
}

describe('embedded Postgres (PGlite over TCP)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await pristinePgliteDir();
  }, PGLITE_START_TIMEOUT_MS);
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it(
    'resolveDatabase without a URL starts PGlite in dataDir, migrates it, and keeps the data across a restart',
    async () => {
      const logger = memoryLogger();
      const db = await resolveDatabase({ dataDir: dir, logger });
      expect(db.embedded).toBe(true);
      expect(db.url).toMatch(/^postgresql:\/\/postgres@127\.0\.0\.1:\d+\/postgres\?sslmode=disable$/);
      expect(embeddedLockOwner(dir)).toBe(process.pid);

      // A second opener of the same directory is refused instead of corrupting it.
      await expect(startEmbeddedPostgres({ dataDir: dir })).rejects.toMatchObject({ code: 'EMBEDDED_START_FAILED' });

      const prisma = createPrismaClient(db.url);
      await prisma.openInterestLiquidSymbol.create({
        data: { symbol: 'BTCUSDT', quoteVolume24h: '123.45', enteredAt: new Date(0), lastSeenAt: new Date(0) },
      });
      await prisma.$disconnect();
      await db.stop();
      await db.stop(); // idempotent
      expect(embeddedLockOwner(dir)).toBeNull();

      const again = await resolveDatabase({ dataDir: dir, logger });
      try {
        const rows = await query(
          again.url,
          'SELECT "symbol", "quoteVolume24h"::text AS qv FROM "open_interest_liquid_symbols"',
        );
        expect(rows).toEqual([{ symbol: 'BTCUSDT', qv: '123.45' }]);
        const migrated = await query(again.url, 'SELECT count(*)::int AS n FROM "_prisma_migrations"');
        expect(migrated).toEqual([{ n: MIGRATION_NAMES.length }]);
        expect(logger.lines.filter((l) => l.msg === 'migration applied')).toHaveLength(MIGRATION_NAMES.length);

        // Other clients (e.g. `npm run users` while the stack runs) use their own pools: PGlite's socket
        // server must keep concurrent connections' statements and transactions apart.
        const pools = [
          new pg.Pool({ connectionString: again.url, max: 4 }),
          new pg.Pool({ connectionString: again.url, max: 4 }),
        ];
        try {
          const values = await Promise.all(
            Array.from({ length: 80 }, (_, i) =>
              pools[i % 2]!.query<{ v: number }>('SELECT $1::int AS v', [i]).then((r) => r.rows[0]!.v),
            ),
          );
          expect(values).toEqual(Array.from({ length: 80 }, (_, i) => i));
          await Promise.all(
            Array.from({ length: 10 }, async (_, i) => {
              const c = await pools[i % 2]!.connect();
              try {
                await c.query('BEGIN');
                await c.query(
                  `INSERT INTO "component_heartbeats" ("component", "status", "lastSeenAt") VALUES ($1, 'ok', now())`,
                  [`p-${i}`],
                );
                await c.query(i % 2 === 0 ? 'COMMIT' : 'ROLLBACK');
              } finally {
                c.release();
              }
            }),
          );
          const kept = await pools[0]!.query<{ component: string }>(
            `SELECT "component" FROM "component_heartbeats" WHERE "component" LIKE 'p-%' ORDER BY 1`,
          );
          expect(kept.rows.map((r) => r.component)).toEqual(['p-0', 'p-2', 'p-4', 'p-6', 'p-8']);
        } finally {
          await Promise.all(pools.map((p) => p.end()));
        }
      } finally {
        await again.stop();
      }
    },
    PGLITE_START_TIMEOUT_MS,
  );
});

describe('resolveDatabase with DATABASE_URL', () => {
  const base = process.env.TEST_DATABASE_URL ?? DEFAULT_TEST_DATABASE_URL;
  const name = `volspike_resolve_${process.pid}_${Date.now()}`;
  afterAll(async () => {
    await query(base, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  });

  it('uses the given server, migrates it and does not start PGlite', async () => {
    await query(base, `CREATE DATABASE "${name}" TEMPLATE template0`);
    const url = withDatabase(base, name);
    const logger = memoryLogger();
    const db = await resolveDatabase({ databaseUrl: url, dataDir: '/nonexistent/never-created', logger });
    expect(db).toMatchObject({ url, embedded: false });
    expect(await query(url, 'SELECT migration_name FROM "_prisma_migrations" ORDER BY started_at')).toEqual(
      MIGRATION_NAMES.map((migration_name) => ({ migration_name })),
    );
    await db.stop();
    const second = await resolveDatabase({ databaseUrl: url, dataDir: '/nonexistent/never-created', logger });
    expect(logger.lines.at(-1)).toMatchObject({
      level: 'info',
      obj: { embedded: false, applied: 0, skipped: MIGRATION_NAMES.length },
    });
    await second.stop();
  });
});
