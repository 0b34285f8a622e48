import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { Registry, collectDefaultMetrics } from 'prom-client';

/** A fresh prom-client Registry with Node's default process metrics registered on it. */
export function createMetrics(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

export interface HealthResult {
  ok: boolean;
  body: Record<string, unknown>;
}

export interface StatusServerOptions {
  port: number;
  host?: string;
  logger: Logger;
  registry: Registry;
  health: () => Promise<HealthResult>;
}

export interface StatusServer {
  port: number;
  close(): Promise<void>;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/**
 * Minimal HTTP server for a daemon run on its own: GET /health (200 when ok, else 503; JSON body;
 * a throwing health check is a 503 naming the error), GET /metrics (Prometheus text), 404 JSON otherwise.
 */
export async function startStatusServer(opts: StatusServerOptions): Promise<StatusServer> {
  const { logger, registry, health } = opts;
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendJson(res, 405, { error: 'method_not_allowed', message: `${req.method ?? ''} is not allowed; use GET` });
      return;
    }
    if (path === '/health') {
      try {
        const result = await health();
        sendJson(res, result.ok ? 200 : 503, { ok: result.ok, ...result.body });
      } catch (err) {
        logger.warn({ err }, 'health check threw');
        sendJson(res, 503, { ok: false, error: (err as Error).message ?? String(err) });
      }
      return;
    }
    if (path === '/metrics') {
      const text = await registry.metrics();
      res.writeHead(200, { 'content-type': registry.contentType });
      res.end(text);
      return;
    }
    sendJson(res, 404, { error: 'not_found', message: `no route for ${path}; try /health or /metrics` });
  };
  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      logger.error({ err, url: req.url }, 'status server request failed');
      if (!res.headersSent) sendJson(res, 500, { error: 'internal_error' });
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  logger.info({ port, host: opts.host ?? '0.0.0.0' }, 'status server listening');
  return {
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeIdleConnections();
      }),
  };
}
