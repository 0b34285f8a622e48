import { SignJWT } from 'jose';
import type { Server } from 'socket.io';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '@volspike/db/testing';
import type { TestDatabase } from '@volspike/db/testing';
import { connectClient, createUser, handshakeOutcome, startRealtimeServer, waitFor } from './realtime-helpers.js';
import type { RealtimeServer, RecordingClient } from './realtime-helpers.js';

/**
 * "Nothing arrived": a probe broadcast to every socket after the emits under test reaches each client behind
 * anything those emits sent it (one socket delivers in order), so once it is there the check is final.
 */
async function markerReached(srv: RealtimeServer, clients: RecordingClient[]): Promise<void> {
  (srv.realtime.io as unknown as Server).emit('test-marker', 1);
  await waitFor(() => clients.every((c) => c.of('test-marker').length > 0));
}

const triggered = (id: string) => ({
  id,
  symbol: 'BTCUSDT',
  alertType: 'PRICE_CROSS' as const,
  alertTypeName: 'Price' as const,
  threshold: 1,
  thresholdFormatted: '$1',
  currentValue: 2,
  currentValueFormatted: '$2',
  previousValue: 0.5,
  previousValueFormatted: '$0.5',
  crossedUp: true,
  direction: 'above' as const,
  timestamp: '2026-01-01T00:00:00.000Z',
});

describe('Socket.IO handshake', () => {
  let db: TestDatabase;
  let legacyOn: RealtimeServer;
  let legacyOff: RealtimeServer;
  let idOnly: RealtimeServer;
  let pro: { id: string; email: string };
  let banned: { id: string; email: string };
  const open: RecordingClient[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    legacyOn = await startRealtimeServer(db.prisma, { legacyIdTokens: true, legacyEmailTokens: true });
    legacyOff = await startRealtimeServer(db.prisma, { legacyIdTokens: false, legacyEmailTokens: false });
    idOnly = await startRealtimeServer(db.prisma, { legacyIdTokens: true, legacyEmailTokens: false });
    pro = await createUser(db.prisma, { email: 'pro@example.com', tier: 'pro' });
    banned = await createUser(db.prisma, { email: 'banned@example.com', tier: 'elite', status: 'BANNED' });
  });

  afterAll(async () => {
    for (const c of open) c.socket.close();
    await legacyOn?.close();
    await legacyOff?.close();
    await idOnly?.close();
    await db?.drop();
  });

  const keep = (c: RecordingClient) => {
    open.push(c);
    return c;
  };

  it('rejects a missing or empty token with "Authentication required"', async () => {
    expect(await handshakeOutcome(connectClient(legacyOn.url, {}))).toBe('Authentication required');
    expect(await handshakeOutcome(connectClient(legacyOn.url, { token: '' }))).toBe('Authentication required');
  });

  it('accepts a signed token and puts the socket in its tier and user rooms', async () => {
    const c = keep(await connectClient(legacyOff.url, { token: await legacyOff.auth.signToken(pro) }));
    expect(c.of('connected')[0]!.payload).toEqual({ tier: 'pro', refreshInterval: 300_000 });
    legacyOff.realtime.emitUserAlertTriggered(pro.id, triggered('ua-signed'));
    await waitFor(() => c.of('user-alert-triggered').length === 1);
  });

  it('rejects a signed token for an unknown or banned user, or with a wrong signature, as "Invalid token"', async () => {
    expect(
      await handshakeOutcome(
        connectClient(legacyOff.url, { token: await legacyOff.auth.signToken({ id: 'no-such-user' }) }),
      ),
    ).toBe('Invalid token');
    expect(
      await handshakeOutcome(connectClient(legacyOff.url, { token: await legacyOff.auth.signToken(banned) })),
    ).toBe('Invalid token');
    const forged = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(pro.id)
      .sign(new TextEncoder().encode('another-secret'));
    expect(await handshakeOutcome(connectClient(legacyOff.url, { token: forged }))).toBe('Invalid token');
  });

  it('with LEGACY_ID_TOKENS and LEGACY_EMAIL_TOKENS on (development), trusts an email or an id as before', async () => {
    const byEmail = keep(await connectClient(legacyOn.url, { token: pro.email }));
    expect(byEmail.of('connected')[0]!.payload).toEqual({ tier: 'pro', refreshInterval: 300_000 });
    const byId = keep(await connectClient(legacyOn.url, { token: pro.id }, { query: { method: 'id' } }));
    expect(byId.of('connected')[0]!.payload).toMatchObject({ tier: 'pro' });
    legacyOn.realtime.emitUserAlertTriggered(pro.id, triggered('ua-legacy'));
    await waitFor(
      () => byEmail.of('user-alert-triggered').length === 1 && byId.of('user-alert-triggered').length === 1,
    );
    expect(await handshakeOutcome(connectClient(legacyOn.url, { token: 'nobody@example.com' }))).toBe('Invalid token');
    expect(await handshakeOutcome(connectClient(legacyOn.url, { token: 'no-such-id' }))).toBe('Invalid token');
    // A mock token is never an identity (§6-42): guest rights.
    const mock = keep(await connectClient(legacyOn.url, { token: 'mock-token-1-123' }));
    expect(mock.of('connected')[0]!.payload).toEqual({ tier: 'free', refreshInterval: 900_000 });
  });

  it('with LEGACY_ID_TOKENS only (the production default), an id is its user and an email is a guest', async () => {
    const byId = keep(await connectClient(idOnly.url, { token: pro.id }, { query: { method: 'id' } }));
    expect(byId.of('connected')[0]!.payload).toEqual({ tier: 'pro', refreshInterval: 300_000 });
    const byEmail = keep(await connectClient(idOnly.url, { token: pro.email }));
    expect(byEmail.of('connected')[0]!.payload).toEqual({ tier: 'free', refreshInterval: 900_000 });
    idOnly.realtime.emitUserAlertTriggered(pro.id, triggered('ua-id-only'));
    await waitFor(() => byId.of('user-alert-triggered').length === 1);
    await markerReached(idOnly, [byEmail]);
    expect(byEmail.of('user-alert-triggered')).toEqual([]);
    expect(await handshakeOutcome(connectClient(idOnly.url, { token: banned.id }))).toBe('Invalid token');
  });

  it('with LEGACY_ID_TOKENS and LEGACY_EMAIL_TOKENS off, an email, id or mock token gets guest rights at most', async () => {
    const spoofs = [
      keep(await connectClient(legacyOff.url, { token: pro.email })),
      keep(await connectClient(legacyOff.url, { token: pro.id }, { query: { method: 'id' } })),
      keep(await connectClient(legacyOff.url, { token: 'mock-token-1-123' })),
    ];
    for (const s of spoofs) expect(s.of('connected')[0]!.payload).toEqual({ tier: 'free', refreshInterval: 900_000 });
    legacyOff.realtime.emitUserAlertTriggered(pro.id, triggered('ua-private'));
    legacyOff.realtime.emitOiAlert({
      id: 'oi',
      symbol: 'BTCUSDT',
      direction: 'UP',
      baseline: 1,
      current: 2,
      pctChange: 1,
      absChange: 1,
      priceChange: null,
      fundingRate: null,
      timeframe: '5 min',
      source: 'oi_realtime_poller',
      ts: new Date(),
      createdAt: new Date(),
    });
    await markerReached(legacyOff, spoofs);
    for (const s of spoofs) {
      expect(s.of('user-alert-triggered')).toEqual([]);
      expect(s.of('open-interest-alert')).toEqual([]);
    }
  });

  it('checks a legacy sessionId (user_sessions): a revoked or expired session is refused', async () => {
    const session = (deviceId: string, data: { isActive?: boolean; expiresAt?: Date }) =>
      db.prisma.userSession.create({
        data: { userId: pro.id, deviceId, tier: 'pro', expiresAt: new Date(Date.now() + 3_600_000), ...data },
      });
    const revoked = await session('hs-revoked', { isActive: false });
    expect(await handshakeOutcome(connectClient(idOnly.url, { token: pro.id, sessionId: revoked.id }))).toBe(
      'Session invalid: revoked',
    );
    const expired = await session('hs-expired', { expiresAt: new Date(Date.now() - 1000) });
    expect(await handshakeOutcome(connectClient(idOnly.url, { token: pro.id, sessionId: expired.id }))).toBe(
      'Session invalid: expired',
    );
    const live = await session('hs-live', {});
    keep(await connectClient(idOnly.url, { token: pro.id, sessionId: live.id }));
  });

  it('lets only admins join the debug feed when debug access is admin', async () => {
    const admin = await createUser(db.prisma, { email: 'root@example.com', tier: 'free', role: 'ADMIN' });
    const guest = keep(await connectClient(legacyOff.url, { token: 'guest' }));
    const adm = keep(await connectClient(legacyOff.url, { token: await legacyOff.auth.signToken(admin) }));
    expect(await guest.socket.emitWithAck('subscribe-debug')).toEqual({ ok: false });
    expect(await adm.socket.emitWithAck('subscribe-debug')).toEqual({ ok: true });
  });
});
