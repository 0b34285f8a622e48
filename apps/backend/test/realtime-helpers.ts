// Shared by the realtime/auth/debug/users tests: a silent logger, users, a Socket.IO server on port 0 and
// clients that record every event they receive.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { io as connect } from 'socket.io-client';
import type { Socket as ClientSocket } from 'socket.io-client';
import type { PrismaClient } from '@volspike/db';
import { createLogger } from '@volspike/runtime';
import type { Logger } from '@volspike/runtime';
import { createAuth } from '../src/auth/index.js';
import type { Auth } from '../src/auth/index.js';
import { createRealtime } from '../src/realtime/index.js';
import type { Realtime, RealtimeOptions } from '../src/realtime/index.js';

export const JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256';

export function silentLogger(): Logger {
  return createLogger({ name: 'test', level: 'silent' });
}

export async function createUser(
  prisma: PrismaClient,
  u: { email: string; tier: string; role?: 'USER' | 'ADMIN'; status?: 'ACTIVE' | 'BANNED' | 'SUSPENDED' },
): Promise<{ id: string; email: string }> {
  return prisma.user.create({
    data: { email: u.email, tier: u.tier, role: u.role ?? 'USER', status: u.status ?? 'ACTIVE' },
    select: { id: true, email: true },
  });
}

export interface RealtimeServer {
  url: string;
  realtime: Realtime;
  auth: Auth;
  server: http.Server;
  close(): Promise<void>;
}

export async function startRealtimeServer(
  prisma: PrismaClient,
  options: Partial<Omit<RealtimeOptions, 'httpServer' | 'prisma' | 'auth' | 'logger'>> & {
    /** LEGACY_ID_TOKENS (default true, as the backend's default) */
    legacyIdTokens?: boolean;
    /** LEGACY_EMAIL_TOKENS (default false) */
    legacyEmailTokens?: boolean;
  } = {},
): Promise<RealtimeServer> {
  const logger = silentLogger();
  const { legacyIdTokens = true, legacyEmailTokens = false, ...opts } = options;
  const auth = createAuth({ prisma, jwtSecret: JWT_SECRET, legacyIdTokens, legacyEmailTokens, logger });
  const server = http.createServer();
  const realtime = await createRealtime({
    httpServer: server,
    prisma,
    auth,
    logger,
    corsOrigins: ['http://localhost:3000'],
    // The tests' OI samples are at fixed times (2026-01-01): their age is not what they test.
    oiUpdateMaxAgeMs: 10 * 365 * 86_400_000,
    ...opts,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    realtime,
    auth,
    server,
    async close() {
      await realtime.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface Received {
  event: string;
  payload: unknown;
  at: number;
}

export interface RecordingClient {
  socket: ClientSocket;
  events: Received[];
  of(event: string): Received[];
}

/** Connects and resolves once `connected` arrived, or rejects with the connect_error message. */
export function connectClient(
  url: string,
  auth: Record<string, unknown>,
  opts: { query?: Record<string, string>; clock?: () => number } = {},
): Promise<RecordingClient> {
  const clock = opts.clock ?? Date.now;
  const socket = connect(url, {
    auth,
    query: opts.query ?? {},
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
  });
  const events: Received[] = [];
  socket.onAny((event: string, payload: unknown) => events.push({ event, payload, at: clock() }));
  return new Promise((resolve, reject) => {
    socket.once('connect_error', (err) => {
      socket.close();
      reject(err);
    });
    socket.once('connected', () => resolve({ socket, events, of: (e) => events.filter((x) => x.event === e) }));
  });
}

/** Polls until `check` holds (or throws after `timeoutMs`). */
export async function waitFor(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error('waitFor timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** 'accepted' (the socket is closed again), or the handshake's refusal message. */
export async function handshakeOutcome(p: Promise<RecordingClient>): Promise<string> {
  try {
    const c = await p;
    c.socket.close();
    return 'accepted';
  } catch (err) {
    return (err as Error).message;
  }
}
