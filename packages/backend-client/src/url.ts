import type { RouteName } from '@volspike/contracts';
import { BackendError } from './errors.js';

/**
 * THE URL rule of every backend call: the base URL's path prefix is kept (`https://x/api-v2` + `/api/a`
 * → `https://x/api-v2/api/a`); a trailing slash on the base and the base's own query/hash are dropped.
 */
export function joinUrl(baseUrl: string, path: string): URL {
  const url = new URL(baseUrl);
  const prefix = url.pathname.replace(/\/+$/, '');
  url.pathname = `${prefix}${path.startsWith('/') ? path : `/${path}`}`;
  url.search = '';
  url.hash = '';
  return url;
}

/** `/api/user-alerts/:id` + `{ id: 'a b' }` → `/api/user-alerts/a%20b`; a missing parameter is a bad call. */
export function fillPath(route: RouteName, path: string, params: Record<string, string> | undefined): string {
  return path.replace(/:([A-Za-z_]\w*)/g, (_m, name: string) => {
    const v = params?.[name];
    if (v === undefined || v === '')
      throw new BackendError('BACKEND_BAD_CALL', route, `${route}: path parameter "${name}" is missing`);
    return encodeURIComponent(v);
  });
}

/** Query values as sent (undefined entries left out). */
export function setQuery(url: URL, query: Record<string, string | number | boolean | undefined> | undefined): void {
  if (!query) return;
  for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, String(v));
}
