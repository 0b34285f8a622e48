import { PrismaPg } from '@prisma/adapter-pg';
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
 * Creates the generated Prisma client over `pg` through the driver adapter (no Rust query engine).
 * The caller owns it and must `$disconnect()` it.
 */
export function createPrismaClient(databaseUrl: string, opts: PrismaClientOptions = {}): PrismaClient {
  const embedded = isEmbeddedUrl(databaseUrl);
  const max = embedded ? 1 : (opts.maxConnections ?? 10);
  const adapter = new PrismaPg(
    { connectionString: databaseUrl, max },
    opts.onPoolError ? { onPoolError: opts.onPoolError } : undefined,
  );
  const maxWait = opts.transactionMaxWaitMs ?? (embedded ? 30_000 : 2_000);
  return new PrismaClient({ adapter, transactionOptions: { maxWait } });
}
