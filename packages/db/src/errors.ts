import { VolspikeError } from '@volspike/errors';
export type DbErrorCode =
  | 'MIGRATIONS_DIR_INVALID'
  | 'MIGRATION_CHECKSUM_MISMATCH'
  | 'MIGRATION_PREVIOUSLY_FAILED'
  | 'MIGRATION_FAILED'
  | 'ADOPTION_FAILED'
  | 'ADOPTION_REQUIRED'
  | 'EMBEDDED_START_FAILED'
  | 'TEST_DATABASE_FAILED';

/** Typed error of @volspike/db; `code` is stable, `migration` names the migration folder when relevant. */
export class DbError extends VolspikeError<DbErrorCode> {
  readonly migration: string | undefined;

  constructor(code: DbErrorCode, message: string, opts: { migration?: string; cause?: unknown } = {}) {
    super(code, message, { cause: opts.cause });
    this.migration = opts.migration;
  }
}
