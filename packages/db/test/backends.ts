// The two databases every integration test runs against: a fresh database on the real Postgres server
// (TEST_DATABASE_URL) and an embedded PGlite server in a temporary directory.
import { rmSync } from 'node:fs';
import { createPrismaClient, migrate, startEmbeddedPostgres, type PrismaClient } from '../src/index.js';
import { createTestDatabase } from '../src/testing.js';
import { pristinePgliteDir } from './helpers.js';

export interface Backend {
  url: string;
  prisma: PrismaClient;
  close(): Promise<void>;
}

export const backends: { name: 'postgres' | 'pglite'; open(): Promise<Backend> }[] = [
  {
    name: 'postgres',
    async open() {
      const db = await createTestDatabase();
      return { url: db.url, prisma: db.prisma, close: () => db.drop() };
    },
  },
  {
    name: 'pglite',
    async open() {
      const dir = await pristinePgliteDir();
      const pg = await startEmbeddedPostgres({ dataDir: dir });
      await migrate(pg.url);
      const prisma = createPrismaClient(pg.url);
      return {
        url: pg.url,
        prisma,
        async close() {
          await prisma.$disconnect();
          await pg.stop();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
];
