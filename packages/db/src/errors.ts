export type DbErrorCode =
  | 'MIGRATIONS_DIR_INVALID'
  | 'MIGRATION_CHECKSUM_MISMATCH'
  | 'MIGRATION_PREVIOUSLY_FAILED'
  | 'MIGRATION_FAILED'
  | 'ADOPTION_FAILED'
  | 'EMBEDDED_START_FAILED'
  | 'TEST_DATABASE_FAILED';

/** Typed error of @volspike/db; `code` is stable, `migration` names the migration folder when relevant. */
export class DbError extends Error {
  override readonly name = 'DbError';
  readonly code: DbErrorCode;
  readonly migration: string | undefined;

  constructor(code: DbErrorCode, message: string, opts: { migration?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.code = code;
    this.migration = opts.migration;
  }
}
