import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { rethrowBodyError } from './body.js';
import { HttpError } from './errors.js';

/** Constant-time comparison (both sides hashed to equal length first). */
export function keysEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

function headerKey(req: Request): string | undefined {
  const v = req.headers['x-api-key'];
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

/** Throws the legacy 500/401 unless the request carries the ingest key. */
export function assertIngestKey(expected: string | undefined, given: string | undefined): void {
  if (!expected) throw new HttpError(500, 'CONFIG', { error: 'Server configuration error' });
  if (given === undefined || !keysEqual(given, expected))
    throw new HttpError(401, 'UNAUTHORIZED', { error: 'Unauthorized' });
}

/** `X-API-Key` must equal ALERT_INGEST_API_KEY: unset → 500 "Server configuration error", else 401. */
export function requireIngestKey(expected: string | undefined): RequestHandler {
  return (req, res, next) => {
    assertIngestKey(expected, headerKey(req));
    rethrowBodyError(req, res, next);
  };
}

/**
 * The checker routes: key in `X-API-Key`, or (legacy) `apiKey` in the query (GET) or JSON body (POST).
 * Checked before the body schema, so unauthenticated callers learn nothing about it.
 */
export function requireTriggerKey(expected: string | undefined): RequestHandler {
  return (req, res, next) => {
    let given = headerKey(req);
    if (given === undefined) {
      const q = (req.query as Record<string, unknown>).apiKey;
      const b = req.body && typeof req.body === 'object' ? (req.body as Record<string, unknown>).apiKey : undefined;
      const candidate = typeof b === 'string' ? b : typeof q === 'string' ? q : undefined;
      given = candidate && candidate.length > 0 ? candidate : undefined;
    }
    assertIngestKey(expected, given);
    rethrowBodyError(req, res, next);
  };
}
