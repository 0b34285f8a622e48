import express from 'express';
import { SignJWT } from 'jose';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '@volspike/db/testing';
import type { TestDatabase } from '@volspike/db/testing';
import { DEBUG_TOKEN_COOKIE, createAuth } from '../src/auth/index.js';
import type { Auth } from '../src/auth/index.js';
import { JWT_SECRET, createUser, silentLogger } from './realtime-helpers.js';

describe('Bearer auth middleware (docs/legacy-contracts.md §1.2, without the §6-43 shortcuts)', () => {
  let db: TestDatabase;
  let auth: Auth;
  let app: express.Express;
  const users: Record<string, { id: string; email: string }> = {};

  beforeAll(async () => {
    db = await createTestDatabase();
    auth = createAuth({
      prisma: db.prisma,
      jwtSecret: JWT_SECRET,
      legacyIdTokens: false,
      legacyEmailTokens: false,
      logger: silentLogger(),
    });
    users.pro = await createUser(db.prisma, { email: 'pro@example.com', tier: 'pro' });
    users.admin = await createUser(db.prisma, { email: 'admin@example.com', tier: 'elite', role: 'ADMIN' });
    users.banned = await createUser(db.prisma, { email: 'b@example.com', tier: 'pro', status: 'BANNED' });
    users.suspended = await createUser(db.prisma, { email: 's@example.com', tier: 'pro', status: 'SUSPENDED' });
    app = express();
    app.get('/me', auth.requireUser, (_req, res) => {
      res.json(res.locals.user);
    });
    app.get('/maybe', auth.optionalUser, (_req, res) => {
      res.json({ user: res.locals.user ?? null });
    });
    app.get('/admin', auth.requireDebugAccess('admin'), (_req, res) => {
      res.json({ ok: true });
    });
    app.get('/public', auth.requireDebugAccess('public'), (_req, res) => {
      res.json({ ok: true });
    });
  });

  afterAll(async () => {
    await db?.drop();
  });

  const bearer = (t: string) => ({ Authorization: `Bearer ${t}` });

  it('accepts a signed token and exposes the user with tier and role', async () => {
    const res = await request(app)
      .get('/me')
      .set(bearer(await auth.signToken(users.pro!)));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ id: users.pro!.id, email: 'pro@example.com', tier: 'pro', role: 'USER' });
  });

  it.each([
    ['no header', undefined, 401, { error: 'Missing or invalid authorization header' }],
    ['a Basic header', 'Basic abc', 401, { error: 'Missing or invalid authorization header' }],
    ['a raw user id', 'Bearer RAWID', 401, { error: 'Invalid token' }],
    ['a mock token', 'Bearer mock-token-1-1700000000', 401, { error: 'Invalid token' }],
    ['garbage JWT', 'Bearer aaa.bbb.ccc', 401, { error: 'Invalid token' }],
  ])('answers %s with the legacy body', async (_name, header, status, body) => {
    const req = request(app).get('/me');
    const res = await (header ? req.set('Authorization', header.replace('RAWID', users.pro!.id)) : req);
    expect(res.status).toBe(status);
    expect(res.body).toEqual(body);
  });

  it('refuses tokens signed with another secret, with alg none, or expired', async () => {
    const other = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(users.pro!.id)
      .sign(new TextEncoder().encode('not-the-secret'));
    const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: users.pro!.id })).toString('base64url')}.`;
    const expired = await auth.signToken(users.pro!, { ttlSec: -10 });
    for (const t of [other, none, expired]) {
      const res = await request(app).get('/me').set(bearer(t));
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ error: 'Invalid token' });
    }
  });

  it('answers 401 "Invalid token payload" for a signed token without sub', async () => {
    const t = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(JWT_SECRET));
    const res = await request(app).get('/me').set(bearer(t));
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: 'Invalid token payload' });
  });

  it('answers 404 for an unknown user and 403 for banned or suspended accounts', async () => {
    expect(
      (
        await request(app)
          .get('/me')
          .set(bearer(await auth.signToken({ id: 'ghost' })))
      ).body,
    ).toEqual({ error: 'User not found' });
    const banned = await request(app)
      .get('/me')
      .set(bearer(await auth.signToken(users.banned!)));
    expect([banned.status, banned.body]).toEqual([403, { error: 'Account banned' }]);
    const suspended = await request(app)
      .get('/me')
      .set(bearer(await auth.signToken(users.suspended!)));
    expect([suspended.status, suspended.body]).toEqual([403, { error: 'Account suspended' }]);
  });

  it('checks the sessionId claim against the token_sessions table', async () => {
    const session = await db.prisma.tokenSession.create({
      data: { userId: users.pro!.id, expiresAt: new Date(Date.now() - 1000) },
    });
    const res = await request(app)
      .get('/me')
      .set(bearer(await auth.signToken(users.pro!, { sessionId: session.id })));
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: 'Session expired', code: 'SESSION_INVALID', reason: 'expired' });
  });

  it('optionalUser continues anonymously on a bad token and sets the user on a good one', async () => {
    expect((await request(app).get('/maybe').set(bearer('junk'))).body).toEqual({ user: null });
    expect(
      (
        await request(app)
          .get('/maybe')
          .set(bearer(await auth.signToken(users.pro!)))
      ).body.user,
    ).toMatchObject({ tier: 'pro' });
  });

  it('admin debug access needs an ADMIN token (header or debug cookie); public needs nothing', async () => {
    expect((await request(app).get('/public')).status).toBe(200);
    expect((await request(app).get('/admin')).status).toBe(401);
    const nonAdmin = await request(app)
      .get('/admin')
      .set(bearer(await auth.signToken(users.pro!)));
    expect([nonAdmin.status, nonAdmin.body]).toEqual([403, { error: 'Admin access required' }]);
    expect(
      (
        await request(app)
          .get('/admin')
          .set(bearer(await auth.signToken(users.admin!)))
      ).status,
    ).toBe(200);
    const cookie = `${DEBUG_TOKEN_COOKIE}=${encodeURIComponent(await auth.signToken(users.admin!))}`;
    expect((await request(app).get('/admin').set('Cookie', cookie)).status).toBe(200);
  });

  it('verifyToken returns the user for a signed token and null for a legacy one', async () => {
    expect(await auth.verifyToken(await auth.signToken(users.admin!))).toMatchObject({ role: 'ADMIN', tier: 'elite' });
    expect(await auth.verifyToken(users.admin!.id)).toBeNull();
    expect(await auth.verifyToken('admin@example.com')).toBeNull();
  });
});
