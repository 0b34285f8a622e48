// What both poller tests stand on: a real backend on a fresh database, and small HTTP servers on port 0 (the
// fake Telegram, and the proxy in front of the backend that can refuse on cue).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { loadAppEnv as loadBackendEnv, start as startBackend, type BackendHandle } from '@volspike/backend';
import type { TestDatabase } from '@volspike/db/testing';
import type { Bus, Logger } from '@volspike/runtime';

export async function listen(handler: http.RequestListener): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The real backend on `db`, its ingest key `ingestKey`, listening on a free loopback port. */
export function startTestBackend(opts: {
  db: TestDatabase;
  bus: Bus;
  logger: Logger;
  ingestKey: string;
}): Promise<BackendHandle> {
  const env = loadBackendEnv({
    PORT: '0',
    HOST: '127.0.0.1',
    ALERT_INGEST_API_KEY: opts.ingestKey,
    JWT_SECRET: 'telegram-poller-test-secret-long-enough',
    NODE_ENV: 'test',
  });
  return startBackend(env, { logger: opts.logger, bus: opts.bus, metrics: new Registry(), prisma: opts.db.prisma });
}
