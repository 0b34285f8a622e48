import express, { type RequestHandler } from 'express';
import { MAX_BODY_BYTES } from '@volspike/contracts';

/** JSON body parser for every route: any Content-Type, any JSON value, at most 5 MB (errors → 400 in errorHandler). */
export function jsonBodyParser(): RequestHandler {
  return express.json({ limit: MAX_BODY_BYTES, strict: false, type: () => true });
}
