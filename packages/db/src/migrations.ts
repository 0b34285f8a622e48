import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DbError } from './errors.js';

/** `prisma/migrations` of this repository. */
export const DEFAULT_MIGRATIONS_DIR = fileURLToPath(new URL('../../../prisma/migrations', import.meta.url));

export interface MigrationFile {
  /** Folder name, e.g. `20261123090000_init` (Prisma's `migration_name`). */
  name: string;
  sql: string;
  /** sha256 hex of the file's bytes, as Prisma stores it in `_prisma_migrations.checksum`. */
  checksum: string;
}

export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Reads the migration folders in name order (Prisma's layout: `<timestamp>_<name>/migration.sql`). */
export function readMigrations(dir: string = DEFAULT_MIGRATIONS_DIR): MigrationFile[] {
  if (!existsSync(dir)) throw new DbError('MIGRATIONS_DIR_INVALID', `Migrations directory not found: ${dir}`);
  const names = readdirSync(dir)
    .filter((n) => statSync(join(dir, n)).isDirectory())
    .sort();
  return names.map((name) => {
    const file = join(dir, name, 'migration.sql');
    if (!existsSync(file)) {
      throw new DbError('MIGRATIONS_DIR_INVALID', `Migration folder ${name} has no migration.sql`, { migration: name });
    }
    const bytes = readFileSync(file);
    return { name, sql: bytes.toString('utf8'), checksum: sha256Hex(bytes) };
  });
}

/** One hash of every migration (names and checksums): changes whenever the schema's SQL changes. */
export function migrationsFingerprint(migrations: MigrationFile[]): string {
  return sha256Hex(migrations.map((m) => `${m.name}:${m.checksum}`).join('\n'));
}
