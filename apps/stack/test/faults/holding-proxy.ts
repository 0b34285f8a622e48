// An HTTP forwarder between a daemon and the backend that can hold responses: the backend has received and
// committed the request, but the daemon has no acknowledgement yet. Killing the daemon while a response is
// held is the worst moment of an at-least-once delivery: it must resend, and the backend must not store twice.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HeldResponse {
  method: string;
  path: string;
  status: number;
  at: number;
}

export interface HoldingProxy {
  url: string;
  /** While on, responses to paths matching `holdPaths` are kept (the backend has already answered). */
  hold(on: boolean): void;
  /** Responses held since the last `hold(true)` (also those released since). */
  held(): HeldResponse[];
  close(): Promise<void>;
}

const HOP_HEADERS = new Set(['host', 'connection', 'content-length', 'transfer-encoding', 'keep-alive']);

export async function startHoldingProxy(target: string, holdPaths: RegExp): Promise<HoldingProxy> {
  let holding = false;
  let held: HeldResponse[] = [];
  const release: (() => void)[] = [];

  async function forward(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (typeof v === 'string' && !HOP_HEADERS.has(k)) headers[k] = v;
    }
    const method = req.method ?? 'GET';
    const upstream = await fetch(`${target}${req.url ?? '/'}`, {
      method,
      headers,
      ...(method === 'GET' || method === 'HEAD' ? {} : { body: Buffer.concat(chunks) }),
    });
    const body = Buffer.from(await upstream.arrayBuffer());
    const path = new URL(req.url ?? '/', 'http://proxy').pathname;
    if (holding && holdPaths.test(path)) {
      held.push({ method, path, status: upstream.status, at: Date.now() });
      await new Promise<void>((resolve) => release.push(resolve));
    }
    if (res.destroyed) return;
    const out: Record<string, string> = {};
    upstream.headers.forEach((v, k) => {
      if (!HOP_HEADERS.has(k) && k !== 'content-encoding') out[k] = v;
    });
    res.writeHead(upstream.status, { ...out, 'content-length': body.length });
    res.end(body);
  }

  const server = createServer((req, res) => {
    forward(req, res).catch((err: unknown) => {
      if (!res.headersSent && !res.destroyed) {
        res.writeHead(502, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: 'proxy', message: String(err) }));
      } else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const releaseAll = (): void => {
    for (const r of release.splice(0)) r();
  };
  return {
    url: `http://127.0.0.1:${port}`,
    hold(on) {
      holding = on;
      if (on) held = [];
      else releaseAll();
    },
    held: () => [...held],
    async close() {
      holding = false;
      releaseAll();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
