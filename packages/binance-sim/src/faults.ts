// Injected faults: the next `count` requests to a path get a status (429/418/500/503), a destroyed
// socket (status 0), or a malformed body (truncated JSON, an HTML error page, fields missing).
import { z } from 'zod';

export const FaultSchema = z
  .object({
    path: z.string().min(1),
    status: z
      .union([
        z.literal(0),
        z.literal(200),
        z.literal(418),
        z.literal(429),
        z.literal(500),
        z.literal(502),
        z.literal(503),
      ])
      .optional(),
    body: z.enum(['truncated', 'html', 'missing-fields']).optional(),
    count: z.number().int().min(1).max(1_000_000).default(1),
    /** Retry-After for an injected 429 (default: seconds to the next minute) */
    retryAfterSec: z.number().int().min(0).optional(),
    /** ban length for an injected 418 (default: the sim's banMs) */
    banMs: z.number().int().min(0).optional(),
  })
  .refine((f) => f.status !== undefined || f.body !== undefined, {
    message: 'give status (0, 418, 429, 500, 503) or body (truncated, html, missing-fields)',
  })
  .refine((f) => f.body !== undefined || f.status !== 200, { message: 'status 200 needs a body fault' });

export type Fault = z.infer<typeof FaultSchema>;

export class FaultBook {
  private readonly byPath = new Map<string, Fault[]>();
  served = 0;

  add(f: Fault): void {
    const list = this.byPath.get(f.path) ?? [];
    list.push({ ...f });
    this.byPath.set(f.path, list);
  }

  /** The fault for this request, if any (`*` matches every REST path). */
  take(path: string): Fault | null {
    for (const key of [path, '*']) {
      const list = this.byPath.get(key);
      const f = list?.[0];
      if (!list || !f) continue;
      f.count--;
      if (f.count <= 0) list.shift();
      if (list.length === 0) this.byPath.delete(key);
      this.served++;
      return f;
    }
    return null;
  }

  pending(): { path: string; status: number | null; body: string | null; count: number }[] {
    const out: { path: string; status: number | null; body: string | null; count: number }[] = [];
    for (const [path, list] of this.byPath) {
      for (const f of list) out.push({ path, status: f.status ?? null, body: f.body ?? null, count: f.count });
    }
    return out;
  }

  clear(): void {
    this.byPath.clear();
    this.served = 0;
  }
}

/** Removes every field but `symbol` from the objects in a response (for 'missing-fields'). */
export function stripFields(body: unknown): unknown {
  const strip = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map((e) => (Array.isArray(e) ? e.slice(0, 4) : strip(e)));
    if (x && typeof x === 'object') {
      const o = x as Record<string, unknown>;
      return 'symbol' in o ? { symbol: o.symbol } : {};
    }
    return x;
  };
  return strip(body);
}

export const HTML_ERROR_PAGE =
  '<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>CloudFront</center></body></html>';
