import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../src/index.js';
import { DEFAULT_TEST_DATABASE_URL, withDatabase } from '../src/testing.js';
import { copyMigrations, query } from './helpers.js';

const BASE_URL = process.env.TEST_DATABASE_URL ?? DEFAULT_TEST_DATABASE_URL;
const MIGRATION = '20261207150000_token_sessions_legacy_sessions';

describe(`${MIGRATION} on a database this project created`, () => {
  const name = `volspike_toksess_${process.pid}_${Date.now()}`;
  const url = withDatabase(BASE_URL, name);
  let before: string;
  beforeAll(async () => {
    await query(BASE_URL, `CREATE DATABASE "${name}" TEMPLATE template0`);
    before = copyMigrations();
    for (const later of ['20261207150000_token_sessions_legacy_sessions'])
      rmSync(join(before, later), { recursive: true, force: true });
    await migrate(url, { migrationsDir: before });
  });
  afterAll(async () => {
    rmSync(before, { recursive: true, force: true });
    await query(BASE_URL, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  });

  it('moves our former sessions rows into token_sessions and gives `sessions` the legacy shape', async () => {
    await query(url, `INSERT INTO users (id, email, "updatedAt") VALUES ('u1', 'a@example.com', now())`);
    await query(
      url,
      `INSERT INTO sessions (id, "userId", "expiresAt", "revokedAt", "createdAt") VALUES
         ('s1', 'u1', '2027-01-01T00:00:00Z', NULL, '2026-11-30T10:00:00Z'),
         ('s2', 'u1', '2027-02-01T00:00:00Z', '2026-12-01T00:00:00Z', '2026-11-30T11:00:00Z')`,
    );
    const r = await migrate(url);
    expect(r.applied).toEqual([MIGRATION]);
    expect(
      await query(url, `SELECT id, "userId", "expiresAt", "revokedAt", "createdAt" FROM token_sessions ORDER BY id`),
    ).toEqual([
      {
        id: 's1',
        userId: 'u1',
        expiresAt: new Date('2027-01-01T00:00:00Z'),
        revokedAt: null,
        createdAt: new Date('2026-11-30T10:00:00Z'),
      },
      {
        id: 's2',
        userId: 'u1',
        expiresAt: new Date('2027-02-01T00:00:00Z'),
        revokedAt: new Date('2026-12-01T00:00:00Z'),
        createdAt: new Date('2026-11-30T11:00:00Z'),
      },
    ]);
    const cols = await query<{ column_name: string }>(
      url,
      `SELECT column_name FROM information_schema.columns WHERE table_name = 'sessions' ORDER BY ordinal_position`,
    );
    expect(cols.map((c) => c.column_name)).toEqual(['id', 'sessionToken', 'userId', 'expires']);
    expect(await query(url, 'SELECT count(*)::int AS n FROM sessions')).toEqual([{ n: 0 }]);
  });
});
