import type { RequestHandler } from 'express';

/** Fixed production origins of the legacy frontend. */
export const FIXED_ORIGINS = ['https://volspike.com', 'https://www.volspike.com', 'https://volspike.vercel.app'];

/** FRONTEND_URL + the fixed origins (+ localhost:3000/3001 in development) + CORS_EXTRA_ORIGINS. */
export function corsOrigins(opts: { frontendUrl: string; development: boolean; extra: string[] }): string[] {
  const dev = opts.development
    ? ['http://localhost:3000', 'http://127.0.0.1:3000', 'http://localhost:3001', 'http://127.0.0.1:3001']
    : [];
  return [...new Set([opts.frontendUrl.replace(/\/$/, ''), ...FIXED_ORIGINS, ...dev, ...opts.extra])];
}

const ALLOW_METHODS = 'GET,POST,PUT,DELETE,PATCH,OPTIONS';
const ALLOW_HEADERS = 'Content-Type,Authorization,X-API-Key,Idempotency-Key,X-Request-Id';

/** docs/legacy-contracts.md §1.1: listed origins with credentials; every OPTIONS → 204 with no body, max-age 86400. */
export function cors(origins: string[]): RequestHandler {
  const allowed = new Set(origins);
  return (req, res, next) => {
    const origin = req.headers.origin;
    if (typeof origin === 'string' && allowed.has(origin)) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Allow-Credentials', 'true');
      res.vary('Origin');
    }
    if (req.method === 'OPTIONS') {
      res.setHeader('Access-Control-Allow-Methods', ALLOW_METHODS);
      res.setHeader('Access-Control-Allow-Headers', ALLOW_HEADERS);
      res.setHeader('Access-Control-Max-Age', '86400');
      res.status(204).end();
      return;
    }
    next();
  };
}
