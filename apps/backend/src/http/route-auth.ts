import type { RequestHandler } from 'express';
import type { RouteAuth } from '@volspike/contracts';

const AUTH_KIND = Symbol.for('volspike.routeAuth');

/**
 * Marks a middleware with the kind of authentication it enforces (the `auth` of a route in ROUTES). The route
 * test walks the Express router stack and reads these marks, so a route served with another kind than the
 * contract says (or a contract route that nobody serves) fails it.
 */
export function withAuthKind<H extends RequestHandler>(kind: RouteAuth, handler: H): H {
  Object.defineProperty(handler, AUTH_KIND, { value: kind });
  return handler;
}

/** The kind a middleware was marked with, or undefined for any other handler. */
export function authKindOf(handler: unknown): RouteAuth | undefined {
  if (typeof handler !== 'function') return undefined;
  return (handler as unknown as Record<symbol, RouteAuth | undefined>)[AUTH_KIND];
}
