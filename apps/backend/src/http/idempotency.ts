import type { Request, Response } from 'express';
import { Prisma, type PrismaClient } from '@volspike/db';
import { HttpError } from './errors.js';

export type Tx = Prisma.TransactionClient;

export interface HandlerResult {
  status: number;
  body: Record<string, unknown>;
  /** Side effects (socket emits) to run once, after the transaction committed. Not run on a replay. */
  after?: () => void;
}

const MAX_KEY_LENGTH = 200;
const TX_OPTIONS = { maxWait: 10_000, timeout: 30_000 };

export function idempotencyKeyOf(req: Request): string | undefined {
  const raw = req.headers['idempotency-key'];
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > MAX_KEY_LENGTH) {
    throw new HttpError(400, 'BAD_REQUEST', {
      error: 'Invalid Idempotency-Key',
      message: `Idempotency-Key: must be 1-${MAX_KEY_LENGTH} characters`,
    });
  }
  return raw;
}

/**
 * A unique violation (SQLSTATE 23505), from Prisma or from `pg` directly (queryDirect); with `constraint`, only a
 * violation of that constraint (as Postgres names it).
 */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  if (err instanceof Prisma.PrismaClientKnownRequestError) {
    // A raw statement's failure is P2010 with the driver's SQLSTATE (23505 = unique_violation) in meta.
    const cause = (err.meta?.driverAdapterError as { cause?: { originalCode?: string } } | undefined)?.cause;
    if (err.code !== 'P2002' && !(err.code === 'P2010' && cause?.originalCode === '23505')) return false;
    return constraint === undefined || JSON.stringify(err.meta ?? {}).includes(constraint);
  }
  const e = err as { code?: unknown; constraint?: unknown } | null;
  if (typeof e !== 'object' || e === null || e.code !== '23505') return false;
  return constraint === undefined || e.constraint === constraint;
}

/** An answer stored under an Idempotency-Key. */
export interface StoredResponse {
  route: string;
  status: number;
  body: Record<string, unknown>;
}

/** The stored answer as a result for `route`; 409 when the key was used for another route. */
function storedFor(stored: StoredResponse, route: string): HandlerResult {
  if (stored.route !== route) {
    throw new HttpError(409, 'IDEMPOTENCY_CONFLICT', {
      error: 'Idempotency-Key reuse',
      message: `Idempotency-Key: already used for ${stored.route}`,
    });
  }
  return { status: stored.status, body: stored.body };
}

async function replay(prisma: PrismaClient, key: string, route: string): Promise<HandlerResult | null> {
  const stored = await prisma.ingestRequest.findUnique({ where: { idempotencyKey: key } });
  if (!stored) return null;
  return storedFor(
    { route: stored.route, status: stored.statusCode, body: stored.responseBody as Record<string, unknown> },
    route,
  );
}

function sendReplay(res: Response, prior: HandlerResult): void {
  res.setHeader('Idempotent-Replayed', 'true');
  res.status(prior.status).json(prior.body);
}

/**
 * Runs `handler` in one transaction. With an `Idempotency-Key`, a 2xx result is stored with the writes (same
 * transaction) and a retry with that key gets the stored response without writing anything. A concurrent
 * duplicate loses on the primary key and is answered with the winner's stored response.
 */
export async function runIngest(
  prisma: PrismaClient,
  req: Request,
  res: Response,
  route: string,
  handler: (tx: Tx) => Promise<HandlerResult>,
): Promise<void> {
  const key = idempotencyKeyOf(req);
  if (key) {
    const prior = await replay(prisma, key, route);
    if (prior) {
      sendReplay(res, prior);
      return;
    }
  }
  let result: HandlerResult;
  try {
    result = await prisma.$transaction(async (tx) => {
      const r = await handler(tx);
      if (key && r.status >= 200 && r.status < 300) {
        await tx.ingestRequest.create({
          data: { idempotencyKey: key, route, statusCode: r.status, responseBody: r.body as Prisma.InputJsonValue },
        });
      }
      return r;
    }, TX_OPTIONS);
  } catch (err) {
    if (key && isUniqueViolation(err)) {
      const prior = await replay(prisma, key, route);
      if (prior) {
        sendReplay(res, prior);
        return;
      }
    }
    throw err;
  }
  res.status(result.status).json(result.body);
  result.after?.();
}

/** What a one-statement write returns: its own answer, or the answer already stored under the key. */
export type OneStatementResult<B extends object> = { status: number; body: B } | { prior: StoredResponse };

/**
 * Like {@link runIngest} for a handler that looks the key up, writes and stores its answer in ONE statement (one
 * round trip, one implicit transaction; e.g. the OI ingest, see services/oi-store.ts). The statement returns
 * the stored answer instead of writing when the key is known; a concurrent duplicate fails on the key's primary
 * key (nothing written) and is answered with the winner's stored response. `after` runs once the write is done.
 */
export async function runIngestOneStatement<B extends object>(
  prisma: PrismaClient,
  req: Request,
  res: Response,
  route: string,
  write: (key: string | undefined) => Promise<OneStatementResult<B>>,
  after?: (body: B) => void,
): Promise<void> {
  const key = idempotencyKeyOf(req);
  let result: OneStatementResult<B>;
  try {
    result = await write(key);
  } catch (err) {
    const prior = key && isUniqueViolation(err) ? await replay(prisma, key, route) : null;
    if (!prior) throw err;
    sendReplay(res, prior);
    return;
  }
  if ('prior' in result) {
    sendReplay(res, storedFor(result.prior, route));
    return;
  }
  res.status(result.status).json(result.body);
  after?.(result.body);
}

/** A plain transaction (no idempotency), for routes such as the user CRUD. */
export function inTransaction<T>(prisma: PrismaClient, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return prisma.$transaction(fn, TX_OPTIONS);
}
