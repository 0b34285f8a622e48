// The contract's route table (ROUTES in @volspike/contracts: the daemons' typed client, the OpenAPI document
// and the reverse-proxy config come from it) against what the Express app really serves, found by walking its
// router stack. A route added on one side only, or served with another method or auth kind, fails here.
import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES, buildOpenApiDocument, type RouteAuth } from '@volspike/contracts';
import { authKindOf } from '../src/http/route-auth.js';
import { createTestApp, type TestApp } from './app-helpers.js';

interface Served {
  method: string;
  path: string;
  auth: RouteAuth;
}

/** The parts of Express 5's router layers this walk reads (router 2.x keeps each layer's `rawPath`). */
interface Layer {
  rawPath?: string | string[];
  handle: { stack?: Layer[] };
  route?: { path: string | string[]; methods: Record<string, boolean>; stack: Layer[] };
}

const join = (prefix: string, path: string): string => `${prefix}/${path}`.replace(/\/+/g, '/').replace(/(.)\/$/, '$1');
const paths = (p: string | string[] | undefined): string[] => (p === undefined ? ['/'] : Array.isArray(p) ? p : [p]);

/**
 * Every (method, path) the stack serves, with the auth kind of the last marked middleware before it — in the
 * route itself or in a `router.use()` above it (as user-alerts and the checker routes do).
 */
function served(stack: Layer[], prefix = '', inherited: RouteAuth = 'none'): Served[] {
  const out: Served[] = [];
  let auth = inherited;
  for (const layer of stack) {
    const mounted = authKindOf(layer.handle);
    if (layer.route) {
      const own = layer.route.stack.map((l) => authKindOf(l.handle)).filter((k) => k !== undefined);
      for (const path of paths(layer.route.path))
        for (const method of Object.keys(layer.route.methods))
          out.push({ method, path: join(prefix, path), auth: own.at(-1) ?? auth });
    } else if (layer.handle.stack) {
      for (const path of paths(layer.rawPath)) out.push(...served(layer.handle.stack, join(prefix, path), auth));
    } else if (mounted) {
      auth = mounted;
    }
  }
  return out;
}

const key = (r: { method: string; path: string }) => `${r.method.toUpperCase()} ${r.path}`;

describe('ROUTES and the Express app', () => {
  let t: TestApp;
  let routes: Served[];

  beforeAll(async () => {
    t = await createTestApp();
    routes = served((t.app as Express & { router: { stack: Layer[] } }).router.stack);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('the walk finds the app’s routes (a walk that finds nothing would make the checks below vacuous)', () => {
    expect(routes.length).toBeGreaterThanOrEqual(ROUTES.length);
    expect(routes).toContainEqual({ method: 'post', path: '/api/volume-alerts/ingest', auth: 'ingestKey' });
  });

  it('every route in ROUTES is served, with the same method and auth kind', () => {
    const byKey = new Map(routes.map((r) => [key(r), r.auth]));
    const wrong = ROUTES.filter((r) => byKey.get(key(r)) !== r.auth).map(
      (r) => `${key(r)}: contract says ${r.auth}, app ${byKey.get(key(r)) ?? 'does not serve it'}`,
    );
    expect(wrong).toEqual([]);
  });

  it('every served route is in ROUTES, and so in the OpenAPI document', () => {
    const declared = new Set(ROUTES.map(key));
    expect(routes.filter((r) => !declared.has(key(r))).map(key)).toEqual([]);
    const doc = buildOpenApiDocument() as { paths: Record<string, Record<string, unknown>> };
    const openApiPath = (p: string) => p.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const missing = routes.filter((r) => doc.paths[openApiPath(r.path)]?.[r.method] === undefined).map(key);
    expect(missing).toEqual([]);
  });
});
