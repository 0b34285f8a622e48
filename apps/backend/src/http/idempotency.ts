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

function isUniqueViolation(err: unknown): boolean {
  return err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002';
}

async function replay(prisma: PrismaClient, key: string, route: string): Promise<HandlerResult | null> {
  const stored = await prisma.ingestRequest.findUnique({ where: { idempotencyKey: key } });
  if (!stored) return null;
  if (stored.route !== route) {
    throw new HttpError(409, 'IDEMPOTENCY_CONFLICT', {
      error: 'Idempotency-Key reuse',
      message: `Idempotency-Key: already used for ${stored.route}`,
    });
  }
  return { status: stored.statusCode, body: stored.responseBody as Record<string, unknown> };
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
      res.setHeader('Idempotent-Replayed', 'true');
      res.status(prior.status).json(prior.body);
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
        res.setHeader('Idempotent-Replayed', 'true');
        res.status(prior.status).json(prior.body);
        return;
      }
    }
    throw err;
  }
  res.status(result.status).json(result.body);
  result.after?.();
}

/** A plain transaction (no idempotency), for routes such as the user CRUD. */
export function inTransaction<T>(prisma: PrismaClient, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return prisma.$transaction(fn, TX_OPTIONS);
}
