import express, { type Request, type RequestHandler } from 'express';
import { MAX_BODY_BYTES } from '@volspike/contracts';
import { HttpError } from './errors.js';

/** Body limit of the ingest routes (the daemons' batches). */
export const INGEST_BODY_LIMIT_BYTES = MAX_BODY_BYTES;
/** Body limit of every other route (user alerts, subscriptions, the checker's calls). */
export const SMALL_BODY_LIMIT_BYTES = 64 * 1024;

/** True while the request still has body bytes nobody has read (a refusal then closes the connection). */
export function hasUnreadBody(req: Request): boolean {
  if (req.complete || req.readableEnded) return false;
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

function tooLarge(limit: number): HttpError {
  return new HttpError(413, 'PAYLOAD_TOO_LARGE', {
    error: 'Payload too large',
    message: `body: larger than the ${formatBytes(limit)} limit of this route`,
  });
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${n / (1024 * 1024)} MB` : `${n / 1024} KB`;
}

/**
 * Reads the JSON body (any Content-Type, any JSON value) of a route whose authentication has already run.
 * Mounted per route after its auth middleware, so that an unauthenticated body is never read (the refusal
 * closes the connection, see `closeUnreadBodies`). A declared Content-Length above `limit` is refused with
 * 413 before a byte is read; a chunked body is cut off at the limit.
 */
export function jsonBody(limit: number): RequestHandler {
  const parser = express.json({ limit, strict: false, type: () => true });
  return (req, res, next) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      next(tooLarge(limit));
      return;
    }
    parser(req, res, (err?: unknown) => {
      if ((err as { type?: string } | undefined)?.type === 'entity.too.large') next(tooLarge(limit));
      else next(err);
    });
  };
}

/**
 * A response sent while the request body is unread (401, 404, 413, 429) says `Connection: close`, so that
 * Node does not read and discard the rest of the body to keep the connection alive.
 */
export const closeUnreadBodies: RequestHandler = (req, res, next) => {
  const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => typeof res;
  (res as unknown as { writeHead: (...args: unknown[]) => typeof res }).writeHead = (...args: unknown[]) => {
    if (hasUnreadBody(req) && !res.headersSent) res.setHeader('Connection', 'close');
    return writeHead(...args);
  };
  next();
};
