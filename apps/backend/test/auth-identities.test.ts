// Which tokens name a user (issue 18 §2): our signed tokens (iss/aud/exp), the legacy backend's signed tokens
// (sub + sessionId → user_sessions), bare user ids under LEGACY_ID_TOKENS, and never an email over REST.
import express from 'express';
import { SignJWT, decodeJwt } from 'jose';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@volspike/db/testing';
import { TOKEN_AUDIENCE, TOKEN_ISSUER, createAuth, type Auth } from '../src/auth/index.js';
import { JWT_SECRET, createUser, silentLogger } from './realtime-helpers.js';

const key = new TextEncoder().encode(JWT_SECRET);
const bearer = (t: string) => ({ Authorization: `Bearer ${t}` });

/** A token as the legacy backend signs it: HS256 with the shared secret, `sub` and `sessionId`, no iss/aud. */
function legacyToken(sub: string, sessionId: string, secret = key): Promise<string> {
  return new SignJWT({ sessionId })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(sub)
    .setIssuedAt()
    .sign(secret);
}

describe('token identities', () => {
  let db: TestDatabase;
  const users: Record<string, { id: string; email: string }> = {};
  const counted: string[] = [];
  let withIds: express.Express;
  let withoutIds: express.Express;
  let auth: Auth;

  function appOf(a: Auth): express.Express {
    const app = express();
    app.get('/me', a.requireUser, (_req, res) => {
      res.json(res.locals.user);
    });
    app.get('/maybe', a.optionalUser, (_req, res) => {
      res.json({ user: res.locals.user ?? null });
    });
    app.get('/admin', a.requireDebugAccess('admin'), (_req, res) => {
      res.json({ ok: true });
    });
    return app;
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    const base = { prisma: db.prisma, jwtSecret: JWT_SECRET, legacyEmailTokens: false, logger: silentLogger() };
    auth = createAuth({ ...base, legacyIdTokens: true, onLegacyIdToken: (t) => counted.push(t) });
    withIds = appOf(auth);
    withoutIds = appOf(createAuth({ ...base, legacyIdTokens: false }));
    users.pro = await createUser(db.prisma, { email: 'id-pro@example.com', tier: 'pro' });
    users.admin = await createUser(db.prisma, { email: 'id-admin@example.com', tier: 'elite', role: 'ADMIN' });
    users.banned = await createUser(db.prisma, { email: 'id-banned@example.com', tier: 'pro', status: 'BANNED' });
  });

  afterAll(async () => {
    await db?.drop();
  });

  describe('tokens we sign', () => {
    it('carry iss, aud and exp', async () => {
      const claims = decodeJwt(await auth.signToken(users.pro!, { ttlSec: 60 }));
      expect(claims).toMatchObject({ sub: users.pro!.id, iss: TOKEN_ISSUER, aud: TOKEN_AUDIENCE });
      expect(claims.exp).toBe((claims.iat ?? 0) + 60);
    });

    it.each([
      ['another audience', { iss: TOKEN_ISSUER, aud: 'someone-else', exp: true }],
      ['another issuer', { iss: 'someone-else', aud: TOKEN_AUDIENCE, exp: true }],
      ['no expiry', { iss: TOKEN_ISSUER, aud: TOKEN_AUDIENCE, exp: false }],
      ['no iss, aud or session (our tokens from before iss/aud)', { exp: true }],
    ])('refuses a token with %s', async (_name, c: { iss?: string; aud?: string; exp: boolean }) => {
      let jwt = new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(users.pro!.id).setIssuedAt();
      if (c.iss) jwt = jwt.setIssuer(c.iss);
      if (c.aud) jwt = jwt.setAudience(c.aud);
      if (c.exp) jwt = jwt.setExpirationTime('1h');
      const res = await request(withIds)
        .get('/me')
        .set(bearer(await jwt.sign(key)));
      expect([res.status, res.body]).toEqual([401, { error: 'Invalid token' }]);
    });
  });

  describe('tokens the legacy backend signed (sessionId → user_sessions)', () => {
    let seq = 0;
    const session = (userId: string, data: { isActive?: boolean; invalidatedAt?: Date; expiresAt?: Date } = {}) =>
      db.prisma.userSession.create({
        data: {
          userId,
          deviceId: `device-${++seq}`,
          tier: 'pro',
          expiresAt: new Date(Date.now() + 3_600_000),
          ...data,
        },
      });

    it('accepts one whose session is live', async () => {
      const s = await session(users.pro!.id);
      const res = await request(withIds)
        .get('/me')
        .set(bearer(await legacyToken(users.pro!.id, s.id)));
      expect([res.status, res.body.id]).toEqual([200, users.pro!.id]);
    });

    it.each([
      ['deactivated', { isActive: false }, 'revoked', 'Session revoked'],
      ['invalidated', { invalidatedAt: new Date() }, 'revoked', 'Session revoked'],
      ['expired', { expiresAt: new Date(Date.now() - 1000) }, 'expired', 'Session expired'],
    ])('refuses one whose session is %s with the legacy body', async (_n, data, reason, error) => {
      const s = await session(users.pro!.id, data);
      const res = await request(withIds)
        .get('/me')
        .set(bearer(await legacyToken(users.pro!.id, s.id)));
      expect([res.status, res.body]).toEqual([401, { error, code: 'SESSION_INVALID', reason }]);
    });

    it("refuses one naming another user's session, an unknown session, or signed with another secret", async () => {
      const theirs = await session(users.admin!.id);
      const other = await request(withIds)
        .get('/me')
        .set(bearer(await legacyToken(users.pro!.id, theirs.id)));
      expect(other.body).toEqual({ error: 'Session not found', code: 'SESSION_INVALID', reason: 'not_found' });
      const unknown = await request(withIds)
        .get('/me')
        .set(bearer(await legacyToken(users.pro!.id, 'nope')));
      expect(unknown.status).toBe(401);
      const mine = await session(users.pro!.id);
      const forged = await legacyToken(users.pro!.id, mine.id, new TextEncoder().encode('not-the-shared-secret'));
      expect((await request(withIds).get('/me').set(bearer(forged))).body).toEqual({ error: 'Invalid token' });
    });
  });

  describe('unsigned tokens', () => {
    it('takes a bare id as its user with LEGACY_ID_TOKENS, with the legacy 404/403, and counts each', async () => {
      counted.length = 0;
      expect((await request(withIds).get('/me').set(bearer(users.pro!.id))).body).toMatchObject({ tier: 'pro' });
      expect((await request(withIds).get('/me').set(bearer('cunknown000'))).body).toEqual({ error: 'User not found' });
      expect((await request(withIds).get('/me').set(bearer(users.banned!.id))).status).toBe(403);
      expect(counted).toEqual(['rest', 'rest', 'rest']);
    });

    it('gives a bare id nothing without LEGACY_ID_TOKENS', async () => {
      const res = await request(withoutIds).get('/me').set(bearer(users.pro!.id));
      expect([res.status, res.body]).toEqual([401, { error: 'Invalid token' }]);
      expect((await request(withoutIds).get('/maybe').set(bearer(users.pro!.id))).body).toEqual({ user: null });
    });

    it('never takes an email or a mock token over REST', async () => {
      for (const t of [users.pro!.email, 'mock-token-1-1700000000']) {
        expect((await request(withIds).get('/me').set(bearer(t))).body).toEqual({ error: 'Invalid token' });
        expect((await request(withIds).get('/maybe').set(bearer(t))).body).toEqual({ user: null });
      }
    });

    it('opens the admin debug pages only to a signed admin token, not to an admin id', async () => {
      expect((await request(withIds).get('/admin').set(bearer(users.admin!.id))).status).toBe(401);
      const signed = await auth.signToken(users.admin!);
      expect((await request(withIds).get('/admin').set(bearer(signed))).status).toBe(200);
    });
  });
});
