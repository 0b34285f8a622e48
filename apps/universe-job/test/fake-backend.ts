import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

/**
 * A tiny stand-in for the backend on port 0: records every request, answers the universe update and
 * heartbeats with 200 (or the statuses queued with failNext), and serves GET liquid-universe from
 * `universe` (404 when null).
 */
export async function startFakeBackend() {
  const requests: RecordedRequest[] = [];
  const failures = new Map<string, number[]>();
  const state: { universe: unknown } = { universe: null };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = null;
      try {
        body = text ? (JSON.parse(text) as unknown) : null;
      } catch {
        body = text;
      }
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      requests.push({ method: req.method ?? 'GET', path, headers: req.headers, body });
      const send = (status: number, payload: unknown): void => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(payload));
      };
      if (req.method === 'GET' && path === '/api/market/open-interest/liquid-universe') {
        if (state.universe === null) send(404, { error: 'Not found' });
        else send(200, state.universe);
        return;
      }
      const fail = failures.get(path)?.shift();
      if (fail !== undefined) {
        send(fail, { error: 'injected' });
        return;
      }
      if (req.method === 'POST' && path === '/api/market/open-interest/liquid-universe/update') {
        const n = (body as { symbols?: unknown[] } | null)?.symbols?.length ?? 0;
        send(200, { success: true, upserted: n, removed: 0, totalSymbols: n });
        return;
      }
      if (req.method === 'POST' && path === '/api/heartbeats') {
        send(200, { ok: true });
        return;
      }
      send(404, { error: 'Not found' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    state,
    /** The next requests to `path` (other than GET liquid-universe) answer these statuses, in order. */
    failNext(path: string, ...statuses: number[]): void {
      failures.set(path, [...(failures.get(path) ?? []), ...statuses]);
    },
    updates(): RecordedRequest[] {
      return requests.filter(
        (r) => r.path === '/api/market/open-interest/liquid-universe/update' && r.method === 'POST',
      );
    },
    close(): Promise<void> {
      return new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}

export type FakeBackend = Awaited<ReturnType<typeof startFakeBackend>>;
