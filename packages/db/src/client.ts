import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/client.js';
import { isEmbeddedUrl } from './embedded-registry.js';

export interface PrismaClientOptions {
  /** Pool size. Default 10 for a real server; always 1 for the embedded PGlite server (see README). */
  maxConnections?: number;
  /** Called when an idle pooled connection errors (e.g. the server went away). */
  onPoolError?: (err: Error) => void;
}

/**
 * Creates the generated Prisma client over `pg` through the driver adapter (no Rust query engine).
 * The caller owns it and must `$disconnect()` it.
 */
export function createPrismaClient(databaseUrl: string, opts: PrismaClientOptions = {}): PrismaClient {
  const max = isEmbeddedUrl(databaseUrl) ? 1 : (opts.maxConnections ?? 10);
  const adapter = new PrismaPg(
    { connectionString: databaseUrl, max },
    opts.onPoolError ? { onPoolError: opts.onPoolError } : undefined,
  );
  return new PrismaClient({ adapter });
}
