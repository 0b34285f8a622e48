import { VolspikeError } from '@volspike/errors';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { z } from 'zod';
import type { Logger } from '@volspike/runtime';

export type HttpErrorCode =
  | 'BAD_REQUEST'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'CONFIG'
  | 'IDEMPOTENCY_CONFLICT'
  | 'PAYLOAD_TOO_LARGE'
  | 'RATE_LIMITED';

/** An error that becomes an HTTP response with a JSON body (legacy shapes: `{ error, ... }`). */
export class HttpError extends VolspikeError<HttpErrorCode> {
  readonly status: number;
  readonly body: Record<string, unknown>;
  constructor(status: number, code: HttpErrorCode, body: Record<string, unknown> & { error: string }, cause?: unknown) {
    super(code, typeof body.message === 'string' ? `${body.error}: ${body.message}` : body.error, { cause });
    this.status = status;
    this.body = body;
  }
}

/** `data[3].openInterest` from a zod issue path. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out;
}

/** One line naming the field of the first issue, e.g. `data[0].openInterest: must not be negative`. */
export function describeZodError(error: z.ZodError, root = 'body'): string {
  const first = error.issues[0];
  if (!first) return 'invalid input';
  const where = formatPath(first.path) || root;
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more)` : '';
  return `${where}: ${first.message}${more}`;
}

/** Parses `value` with `schema` or throws a 400 with the legacy `error` text, a field-naming `message` and zod `details`. */
export function parseOr400<S extends z.ZodType>(schema: S, value: unknown, error: string, root = 'body'): z.infer<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  throw new HttpError(400, 'BAD_REQUEST', {
    error,
    message: describeZodError(r.error, root),
    details: r.error.issues.map((i) => ({
      path: i.path.map((p) => (typeof p === 'symbol' ? String(p) : p)),
      message: i.message,
      code: i.code,
    })),
  });
}

export const notFoundHandler: RequestHandler = (_req, res) => {
  res.status(404).json({ error: 'Not Found' });
};

/**
 * One error handler: malformed JSON → 400 naming the body (a body over the route's limit is an HttpError 413
 * raised by http/body.ts); HttpError → its
 * status/body; anything else → 500 with the legacy shape (message only in development).
 */
export function errorHandler(opts: { logger: Logger; development: boolean }): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    if (err instanceof HttpError) {
      res.status(err.status).json(err.body);
      return;
    }
    const e = err as { type?: string; status?: number; message?: string };
    if (e.type === 'entity.parse.failed') {
      res.status(400).json({ error: 'Invalid JSON', message: `body: malformed JSON (${e.message ?? 'parse error'})` });
      return;
    }
    if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
      res.status(400).json({ error: 'Bad Request', message: `body: ${e.message ?? 'unreadable request body'}` });
      return;
    }
    opts.logger.error({ err, method: req.method, path: req.path }, 'unhandled request error');
    const requestId = req.headers['x-request-id'];
    res.status(500).json({
      error: 'Internal Server Error',
      message: opts.development ? (e.message ?? 'Something went wrong') : 'Something went wrong',
      requestId: typeof requestId === 'string' ? requestId : 'unknown',
    });
  };
}
