// `npm run users -- add --email <e> --tier free|pro|elite [--admin]` / `npm run users -- list`.
// Database: DATABASE_URL; else the embedded database of a running stack (`<DATA_DIR>/pg/url`, written by
// apps/stack while it holds the data-directory lock); else the embedded database is opened here.
// Secret: JWT_SECRET; else `<DATA_DIR>/jwt-secret`, the file the stack generates and uses.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPrismaClient, embeddedLockOwner, resolveDatabase } from '@volspike/db';
import type { PrismaClient } from '@volspike/db';
import { createLogger, readOrCreateSecret } from '@volspike/runtime';
import { USERS_USAGE, UsageError, parseUsersArgs, runUsersCommand } from './auth/users.js';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

function secretFromDataDir(dataDir: string): string {
  const path = join(dataDir, 'jwt-secret');
  const { value, created } = readOrCreateSecret(path);
  if (created) console.error(`generated a JWT secret in ${path} (the stack uses it while JWT_SECRET is unset)`);
  return value;
}

async function openDatabase(dataDir: string): Promise<{ prisma: PrismaClient; close(): Promise<void> }> {
  const logger = createLogger({ name: 'users-cli', level: 'warn', destination: process.stderr });
  const databaseUrl = process.env.DATABASE_URL || undefined;
  const pgDir = join(dataDir, 'pg');
  const urlFile = join(pgDir, 'url');
  if (!databaseUrl && embeddedLockOwner(pgDir) !== null && existsSync(urlFile)) {
    // The stack is running and owns the embedded database: talk to its server (one connection, as PGlite needs).
    const prisma = createPrismaClient(readFileSync(urlFile, 'utf8').trim(), { maxConnections: 1 });
    return { prisma, close: () => prisma.$disconnect() };
  }
  const db = await resolveDatabase({ databaseUrl, dataDir: pgDir, logger });
  const prisma = createPrismaClient(db.url, db.embedded ? { maxConnections: 1 } : {});
  return {
    prisma,
    close: async () => {
      await prisma.$disconnect();
      await db.stop();
    },
  };
}

async function main(argv: string[]): Promise<number> {
  let cmd;
  try {
    cmd = parseUsersArgs(argv);
  } catch (err) {
    console.error(`${(err as Error).message}\n${USERS_USAGE}`);
    return 2;
  }
  const dataDir = resolve(REPO_ROOT, process.env.DATA_DIR || '.data');
  const jwtSecret = process.env.JWT_SECRET || secretFromDataDir(dataDir);
  const db = await openDatabase(dataDir);
  try {
    await runUsersCommand(cmd, { prisma: db.prisma, jwtSecret, out: (line) => console.log(line) });
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(err.message);
      return 2;
    }
    throw err;
  } finally {
    await db.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`users: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
