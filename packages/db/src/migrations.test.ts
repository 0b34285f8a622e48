import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_MIGRATIONS_DIR, migrationsFingerprint, readMigrations } from './migrations.js';

describe('readMigrations', () => {
  const dirs: string[] = [];
  const scratch = (): string => {
    const d = mkdtempSync(join(tmpdir(), 'volspike-readmig-'));
    dirs.push(d);
    return d;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it("reads the repository's migrations in name order with the sha256 of each file's bytes", () => {
    const list = readMigrations();
    expect(list.length).toBeGreaterThan(0);
    expect(list.map((m) => m.name)).toEqual([...list.map((m) => m.name)].sort());
    for (const m of list) {
      expect(m.name).toMatch(/^\d{14}_[a-z0-9_]+$/);
      const bytes = readFileSync(join(DEFAULT_MIGRATIONS_DIR, m.name, 'migration.sql'));
      expect(m.checksum).toBe(createHash('sha256').update(bytes).digest('hex'));
    }
  });

  it('ignores migration_lock.toml and orders folders by name, not creation', () => {
    const d = scratch();
    writeFileSync(join(d, 'migration_lock.toml'), 'provider = "postgresql"\n');
    for (const name of ['20260102000000_b', '20260101000000_a']) {
      mkdirSync(join(d, name));
      writeFileSync(join(d, name, 'migration.sql'), `-- ${name}\n`);
    }
    expect(readMigrations(d).map((m) => m.name)).toEqual(['20260101000000_a', '20260102000000_b']);
  });

  it('fails with MIGRATIONS_DIR_INVALID for a missing directory', () => {
    expect(() => readMigrations(join(tmpdir(), 'volspike-no-such-dir'))).toThrow(
      expect.objectContaining({ code: 'MIGRATIONS_DIR_INVALID' }),
    );
  });

  it('changes the fingerprint when any migration byte changes (new test template per schema)', () => {
    const d = scratch();
    cpSync(DEFAULT_MIGRATIONS_DIR, d, { recursive: true });
    const before = migrationsFingerprint(readMigrations(d));
    expect(before).toBe(migrationsFingerprint(readMigrations()));
    const first = readMigrations(d)[0]!;
    writeFileSync(join(d, first.name, 'migration.sql'), `${first.sql} `);
    expect(migrationsFingerprint(readMigrations(d))).not.toBe(before);
  });
});
