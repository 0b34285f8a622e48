import express, { type RequestHandler } from 'express';
import { MAX_BODY_BYTES } from '@volspike/contracts';

const parser = express.json({ limit: MAX_BODY_BYTES, strict: false, type: () => true });

/**
 * JSON body parser for every route: any Content-Type, any JSON value, at most 5 MB. A body that cannot be read
 * (malformed JSON, too large) is NOT an error yet: it is kept in `res.locals.bodyError` and raised by
 * {@link rethrowBodyError} after the route's authentication, so that a caller without the key learns nothing
 * about the body (401 before 400).
 */
export function jsonBodyParser(): RequestHandler {
  return (req, res, next) => {
    parser(req, res, (err?: unknown) => {
      if (err) {
        res.locals.bodyError = err;
        req.body = undefined;
      }
      next();
    });
  };
}

/** Raises a deferred body error (→ 400 in errorHandler). Mounted after each route's authentication. */
export const rethrowBodyError: RequestHandler = (_req, res, next) => {
  const err: unknown = res.locals.bodyError;
  if (err) {
    res.locals.bodyError = undefined;
    next(err);
    return;
  }
  next();
};
