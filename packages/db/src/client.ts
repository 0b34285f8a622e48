import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from './generated/client.js';
import { isEmbeddedUrl } from './embedded-registry.js';

export interface PrismaClientOptions {
  /** Pool size. Default 10 for a real server; always 1 for an embedded PGlite server of this process (see README). */
  maxConnections?: number;
  /**
   * How long an interactive transaction may wait for a connection (Prisma's `maxWait`). Default 2000 ms
   * (Prisma's), 30000 ms for an embedded server, where every transaction queues for its one connection.
   */
  transactionMaxWaitMs?: number;
  /** Called when an idle pooled connection errors (e.g. the server went away). */
  onPoolError?: (err: Error) => void;
}

/**
 * Raw SQL that starts with `/* prepared: <name> *\/` is prepared once per pooled connection under that name
 * (pg's named statements) and then only bound and executed: Postgres parses and plans it once per connection
 * instead of on every call. For hot, constant statements only (e.g. the OI ingest); one name, one SQL text.
 */
const PREPARED_STATEMENT_RE = /^\/\* prepared: ([A-Za-z0-9_]+) \*\//;

function preparedName(query: { sql: string }): string | undefined {
  return PREPARED_STATEMENT_RE.exec(query.sql)?.[1];
}

/** The pool under each client made by {@link createPrismaClient}, for {@link queryDirect}. */
const pools = new WeakMap<PrismaClient, { pool: pg.Pool; named: boolean }>();

/**
 * Creates the generated Prisma client over `pg` through the driver adapter (no Rust query engine).
 * The caller owns it and must `$disconnect()` it.
 */
export function createPrismaClient(databaseUrl: string, opts: PrismaClientOptions = {}): PrismaClient {
  const embedded = isEmbeddedUrl(databaseUrl);
  const max = embedded ? 1 : (opts.maxConnections ?? 10);
  // Our own pool, handed to the adapter (which ends it on $disconnect), so that queryDirect can use it too.
  const pool = new pg.Pool({ connectionString: databaseUrl, max });
  const adapter = new PrismaPg(pool, {
    disposeExternalPool: true,
    ...(opts.onPoolError ? { onPoolError: opts.onPoolError } : {}),
    // Not on an embedded server of this process: PGlite is one session, shared by every connection, where a
    // second PREPARE of a name fails. Unnamed (the adapter's default) for every statement without the marker.
    ...(embedded ? {} : { statementNameGenerator: preparedName as (query: { sql: string }) => string }),
  });
  const maxWait = opts.transactionMaxWaitMs ?? (embedded ? 30_000 : 2_000);
  const client = new PrismaClient({ adapter, transactionOptions: { maxWait } });
  pools.set(client, { pool, named: !embedded });
  return client;
}

/**
 * Runs one statement on the client's pool directly with `pg`, outside Prisma: for a hot path whose cost per
 * call matters (the OI ingest), where Prisma's raw-query layer (JSON-encoding every parameter, mapping every
 * result value, tracing wrappers) was a tenth of the backend's CPU. Same pool and connections as the client;
 * the same `/* prepared: <name> *\/` rule (named only on a real server). Rows come with `pg`'s own type parsing
 * (json → objects, int4 → numbers, numeric and int8 → strings); errors are `pg`'s (`code` is the SQLSTATE,
 * `constraint` the violated constraint). A client not made by createPrismaClient falls back to
 * `$queryRawUnsafe`, whose errors are Prisma's.
 */
export async function queryDirect<R extends Record<string, unknown>>(
  prisma: PrismaClient,
  sql: string,
  values: readonly unknown[],
): Promise<R[]> {
  const entry = pools.get(prisma);
  if (!entry) return prisma.$queryRawUnsafe<R[]>(sql, ...values);
  const name = entry.named ? preparedName({ sql }) : undefined;
  const result = await entry.pool.query<R>({ text: sql, values: values as unknown[], ...(name ? { name } : {}) });
  return result.rows;
}
