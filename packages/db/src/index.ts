export { PrismaClient, Prisma } from './generated/client.js';
export type * from './generated/client.js';
export { createPrismaClient, queryDirect } from './client.js';
export type { PrismaClientOptions } from './client.js';
export { migrate, MIGRATION_LOCK_KEY } from './migrate.js';
export type { MigrateOptions, MigrateResult, DatabaseState } from './migrate.js';
export { ADOPTION_BASELINE } from './adoption/target.js';
export { formatAdoptionReport } from './adoption/report.js';
export type {
  AdoptionReport,
  AdoptionHooks,
  AdoptionStepReport,
  AdoptionDataCheck,
  ArchiveTotal,
} from './adoption/adopt.js';
export type { AdoptionStep } from './adoption/plan.js';
export { readMigrations, migrationsFingerprint, DEFAULT_MIGRATIONS_DIR } from './migrations.js';
export type { MigrationFile } from './migrations.js';
export { DbError } from './errors.js';
export type { DbErrorCode } from './errors.js';
export type { DbLogger } from './logger.js';
export { startEmbeddedPostgres, embeddedLockOwner, EMBEDDED_LOCK_FILE, EMBEDDED_POSTGRESQL_CONF } from './embedded.js';
export type { EmbeddedPostgres, EmbeddedPostgresOptions } from './embedded.js';
export { startEmbeddedPostgresProcess } from './embedded-process.js';
export type { EmbeddedPostgresProcess, EmbeddedPostgresProcessOptions } from './embedded-process.js';
export { resolveDatabase } from './resolve-database.js';
export type { ResolvedDatabase } from './resolve-database.js';
