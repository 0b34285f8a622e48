import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { ROUTES } from '@volspike/contracts';
import { INGEST_BODY_LIMIT_BYTES, SMALL_BODY_LIMIT_BYTES, jsonBody } from './body.js';
import { HttpError } from './errors.js';
import { withAuthKind } from './route-auth.js';

/** Constant-time comparison (both sides hashed to equal length first). */
export function keysEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** `POST /api/telegram/ingest` → the daemons allowed there (from the contracts' route table). */
const CALLERS = new Map<string, readonly string[]>(
  ROUTES.filter((r) => r.callers).map((r) => [`${r.method.toUpperCase()} ${r.path}`, r.callers ?? []]),
);

/**
 * The ingest keys: the legacy ALERT_INGEST_API_KEY opens every ingest route (the legacy scripts until they
 * are retired); each daemon's own key (INGEST_KEYS) opens only the routes that list it as a caller.
 */
export class IngestKeyring {
  constructor(
    private readonly legacy: string | undefined,
    private readonly daemons: readonly { name: string; key: string }[] = [],
  ) {}

  get configured(): boolean {
    return this.legacy !== undefined || this.daemons.length > 0;
  }

  /** Who holds `given` for `route` (`POST /api/…`): `legacy`, a daemon name, or null when refused. */
  holder(given: string, route: string): string | null {
    if (this.legacy !== undefined && keysEqual(given, this.legacy)) return 'legacy';
    const callers = CALLERS.get(route) ?? [];
    // Every daemon key is compared (constant time each), so a refusal takes as long as an acceptance.
    let hit: string | null = null;
    for (const d of this.daemons) if (keysEqual(given, d.key) && callers.includes(d.name)) hit = d.name;
    return hit;
  }

  /** The legacy errors: no key configured → 500 "Server configuration error"; missing/wrong key → 401. */
  check(given: string | undefined, route: string): HttpError | null {
    if (!this.configured) return new HttpError(500, 'CONFIG', { error: 'Server configuration error' });
    if (given === undefined || this.holder(given, route) === null)
      return new HttpError(401, 'UNAUTHORIZED', { error: 'Unauthorized' });
    return null;
  }
}

function headerKey(req: Request): string | undefined {
  const v = req.headers['x-api-key'];
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

/** `POST /api/market/open-interest/ingest` for the request (full path, no trailing slash). */
export function routeOf(req: Request): string {
  const path = `${req.baseUrl}${req.path}`.replace(/\/+$/, '');
  return `${req.method.toUpperCase()} ${path || '/'}`;
}

/**
 * `X-API-Key` must be a key of this route, checked before a byte of the body is read; then the body is read
 * with the ingest limit.
 */
export function requireIngestKey(keys: IngestKeyring): RequestHandler {
  const body = jsonBody(INGEST_BODY_LIMIT_BYTES);
  return withAuthKind('ingestKey', (req, res, next) => {
    const refused = keys.check(headerKey(req), routeOf(req));
    if (refused) next(refused);
    else body(req, res, next);
  });
}

function fieldKey(req: Request): string | undefined {
  const q = (req.query as Record<string, unknown>).apiKey;
  const b = req.body && typeof req.body === 'object' ? (req.body as Record<string, unknown>).apiKey : undefined;
  const candidate = typeof b === 'string' ? b : typeof q === 'string' ? q : undefined;
  return candidate && candidate.length > 0 ? candidate : undefined;
}

/**
 * The checker routes: key in `X-API-Key` (checked before the body is read), or (legacy) `apiKey` in the query
 * (GET) or in the JSON body (POST; the body is then read first, with the small limit). A body that is not
 * JSON carries no key: 401. The key is always checked before the body schema.
 */
export function requireTriggerKey(keys: IngestKeyring): RequestHandler {
  const body = jsonBody(SMALL_BODY_LIMIT_BYTES);
  return withAuthKind('triggerKey', (req, res, next) => {
    const header = headerKey(req);
    if (header !== undefined) {
      const refused = keys.check(header, routeOf(req));
      if (refused) next(refused);
      else body(req, res, next);
      return;
    }
    body(req, res, (err?: unknown) => {
      if (err instanceof HttpError && err.status === 413) next(err);
      else next(keys.check(err ? undefined : fieldKey(req), routeOf(req)) ?? undefined);
    });
  });
}
