import type { RequestHandler } from 'express';

/**
 * CORS from ALLOWED_ORIGINS. An empty list or `*` allows every origin with `Access-Control-Allow-Origin: *`
 * and never with credentials; an explicit list echoes only listed origins (with `Vary: Origin`) and
 * allows credentials for them.
 */
export function corsMiddleware(allowedOrigins: readonly string[]): RequestHandler {
  const wildcard = allowedOrigins.length === 0 || allowedOrigins.includes('*');
  const allowed = new Set(allowedOrigins.map((o) => o.replace(/\/+$/, '')));
  return (req, res, next) => {
    const origin = req.headers.origin;
    let ok = false;
    if (wildcard) {
      res.setHeader('Access-Control-Allow-Origin', '*');
      ok = true;
    } else {
      res.append('Vary', 'Origin');
      if (typeof origin === 'string' && allowed.has(origin)) {
        res.setHeader('Access-Control-Allow-Origin', origin);
        res.setHeader('Access-Control-Allow-Credentials', 'true');
        ok = true;
      }
    }
    if (ok) res.setHeader('Access-Control-Expose-Headers', 'ETag, X-Data-Age, X-Data-State');
    if (req.method === 'OPTIONS') {
      if (ok) {
        res.setHeader('Access-Control-Allow-Methods', 'GET, HEAD, OPTIONS');
        const requested = req.headers['access-control-request-headers'];
        res.setHeader(
          'Access-Control-Allow-Headers',
          typeof requested === 'string' && requested ? requested : 'Content-Type, If-None-Match',
        );
        res.setHeader('Access-Control-Max-Age', '600');
      }
      res.status(204).end();
      return;
    }
    next();
  };
}
