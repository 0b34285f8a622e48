import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMBEDDED_LOCK_FILE } from '@volspike/db';
import { createTestDatabase } from '@volspike/db/testing';
import type { TestDatabase } from '@volspike/db/testing';
import { createAuth } from '../src/auth/index.js';
import { UsageError, parseUsersArgs, runUsersCommand } from '../src/auth/users.js';
import { JWT_SECRET, silentLogger } from './realtime-helpers.js';

const run = promisify(execFile);
const CLI = resolve(import.meta.dirname, '../src/users-cli.ts');
const TSX = resolve(import.meta.dirname, '../../../node_modules/tsx/dist/loader.mjs');

describe('users CLI argument parsing', () => {
  it.each([
    [
      ['add', '--email', 'A@Example.com', '--tier', 'pro'],
      { kind: 'add', email: 'a@example.com', tier: 'pro', admin: false, ttlSec: 365 * 86400 },
    ],
    [
      ['add', '--email', 'a@b.c', '--tier', 'elite', '--admin', '--days', '7'],
      { kind: 'add', email: 'a@b.c', tier: 'elite', admin: true, ttlSec: 7 * 86400 },
    ],
    [['list'], { kind: 'list' }],
    [['token', '--email', 'a@b.c'], { kind: 'token', email: 'a@b.c', ttlSec: 365 * 86400 }],
  ])('%j → %j', (argv, expected) => {
    expect(parseUsersArgs(argv)).toEqual(expected);
  });

  it.each([
    [[], 'missing command'],
    [['remove'], 'unknown command "remove"'],
    [['add', '--tier', 'pro'], '--email must be an email address'],
    [['add', '--email', 'nope', '--tier', 'pro'], '--email must be an email address'],
    [['add', '--email', 'a@b.c', '--tier', 'gold'], '--tier must be one of free, pro, elite'],
    [['add', '--email', 'a@b.c', '--tier', 'pro', '--days', '0'], '--days must be a positive number'],
    [['add', '--email', 'a@b.c', '--tier', 'pro', '--bogus'], 'Unknown option'],
  ])('%j is a usage error (%s)', (argv, message) => {
    expect(() => parseUsersArgs(argv)).toThrow(UsageError);
    expect(() => parseUsersArgs(argv)).toThrow(message);
  });
});

describe('users commands', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('add creates a user, then updates tier and role, and prints a token the backend accepts', async () => {
    const auth = createAuth({
      prisma: db.prisma,
      jwtSecret: JWT_SECRET,
      legacyIdTokens: false,
      legacyEmailTokens: false,
      logger: silentLogger(),
    });
    const lines: string[] = [];
    await runUsersCommand(parseUsersArgs(['add', '--email', 'ops@example.com', '--tier', 'pro']), {
      prisma: db.prisma,
      jwtSecret: JWT_SECRET,
      out: (l) => lines.push(l),
    });
    expect(lines[0]).toMatch(/^created user ops@example.com \(id \w+, tier pro, role USER\)$/);
    expect(await auth.verifyToken(lines.at(-1)!)).toMatchObject({
      email: 'ops@example.com',
      tier: 'pro',
      role: 'USER',
    });

    lines.length = 0;
    await runUsersCommand(parseUsersArgs(['add', '--email', 'ops@example.com', '--tier', 'elite', '--admin']), {
      prisma: db.prisma,
      jwtSecret: JWT_SECRET,
      out: (l) => lines.push(l),
    });
    expect(lines[0]).toMatch(/^updated user ops@example.com .*tier elite, role ADMIN/);
    expect(await auth.verifyToken(lines.at(-1)!)).toMatchObject({ tier: 'elite', role: 'ADMIN' });
    expect(await db.prisma.user.count()).toBe(1);
  });

  it('list prints one line per user and token fails for an unknown email', async () => {
    const lines: string[] = [];
    await runUsersCommand({ kind: 'list' }, { prisma: db.prisma, jwtSecret: JWT_SECRET, out: (l) => lines.push(l) });
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain('ops@example.com');
    await expect(
      runUsersCommand(
        { kind: 'token', email: 'x@y.z', ttlSec: 60 },
        { prisma: db.prisma, jwtSecret: JWT_SECRET, out: () => {} },
      ),
    ).rejects.toThrow(UsageError);
  });
});

describe('users CLI process', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'volspike-users-'));
  });
  afterAll(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('uses the database a running stack serves (pg/url while the lock owner lives) and its jwt-secret file', async () => {
    // This test process plays the running stack: it holds the data-dir lock and wrote pg/url. The URL points
    // at a real Postgres test database instead of PGlite (whose first start takes ~15 s), which is enough to
    // show that the CLI connects to the stack's server instead of opening the data directory itself.
    const db = await createTestDatabase();
    try {
      mkdirSync(join(dataDir, 'pg'), { recursive: true });
      writeFileSync(join(dataDir, 'pg', EMBEDDED_LOCK_FILE), `${process.pid}\n`);
      writeFileSync(join(dataDir, 'pg', 'url'), db.url + '\n');
      writeFileSync(join(dataDir, 'jwt-secret'), 'stack-secret\n');
      const env = { ...process.env, DATA_DIR: dataDir, DATABASE_URL: '', JWT_SECRET: '' };
      const add = await run(
        process.execPath,
        ['--import', TSX, CLI, 'add', '--email', 'me@example.com', '--tier', 'elite', '--admin'],
        { env },
      );
      const token = add.stdout.trim().split('\n').at(-1)!;
      const auth = createAuth({
        prisma: db.prisma,
        jwtSecret: 'stack-secret',
        legacyIdTokens: false,
        legacyEmailTokens: false,
        logger: silentLogger(),
      });
      expect(await auth.verifyToken(token)).toMatchObject({ email: 'me@example.com', tier: 'elite', role: 'ADMIN' });
    } finally {
      await db.drop();
    }
  }, 90_000);
});
