import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import type { PrismaClient } from '@volspike/db';

export type Tier = 'free' | 'pro' | 'elite';
export type Role = 'USER' | 'ADMIN';

export interface AuthUser {
  id: string;
  email: string;
  tier: Tier;
  role: Role;
}

/** Why a token was refused; each maps to one legacy REST body (CONTRACTS.md §1.2). */
export type TokenFailure =
  | { code: 'INVALID_TOKEN' }
  | { code: 'INVALID_PAYLOAD' }
  | { code: 'SESSION_INVALID'; reason: string }
  | { code: 'USER_NOT_FOUND' }
  | { code: 'ACCOUNT_BANNED' }
  | { code: 'ACCOUNT_SUSPENDED' };

export type TokenResult = { ok: true; user: AuthUser } | ({ ok: false } & TokenFailure);

export const DEFAULT_TOKEN_TTL_SEC = 365 * 24 * 3600;

/** Users' `tier` column is free text in the legacy schema; anything unknown is treated as free. */
export function normaliseTier(tier: string | null | undefined): Tier {
  return tier === 'pro' || tier === 'elite' ? tier : 'free';
}

export function toAuthUser(row: { id: string; email: string; tier: string; role: string }): AuthUser {
  return { id: row.id, email: row.email, tier: normaliseTier(row.tier), role: row.role === 'ADMIN' ? 'ADMIN' : 'USER' };
}

/** A compact JWS has three base64url parts; raw user ids, emails and `mock-token-…` strings do not. */
export function looksLikeJwt(token: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token);
}

/** Signs and checks HS256 tokens whose `sub` is a user id, and loads the user they name. */
export class TokenService {
  private readonly key: Uint8Array;

  constructor(
    private readonly prisma: PrismaClient,
    jwtSecret: string,
  ) {
    if (!jwtSecret) throw new Error('TokenService needs a non-empty JWT secret');
    this.key = new TextEncoder().encode(jwtSecret);
  }

  async sign(user: { id: string }, opts: { ttlSec?: number; sessionId?: string } = {}): Promise<string> {
    const jwt = new SignJWT(opts.sessionId ? { sessionId: opts.sessionId } : {})
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(user.id)
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + (opts.ttlSec ?? DEFAULT_TOKEN_TTL_SEC));
    return jwt.sign(this.key);
  }

  /** Full check: signature (HS256 only), expiry, optional `sessionId` claim, user exists and is active. */
  async verify(token: string): Promise<TokenResult> {
    if (!looksLikeJwt(token)) return { ok: false, code: 'INVALID_TOKEN' };
    let payload: { sub?: unknown; sessionId?: unknown };
    try {
      ({ payload } = await jwtVerify(token, this.key, { algorithms: ['HS256'] }));
    } catch (err) {
      if (err instanceof joseErrors.JOSEError) return { ok: false, code: 'INVALID_TOKEN' };
      throw err;
    }
    if (typeof payload.sub !== 'string' || payload.sub.length === 0) return { ok: false, code: 'INVALID_PAYLOAD' };
    if (payload.sessionId !== undefined) {
      const reason = await this.sessionProblem(String(payload.sessionId), payload.sub);
      if (reason) return { ok: false, code: 'SESSION_INVALID', reason };
    }
    const row = await this.prisma.user.findUnique({ where: { id: payload.sub } });
    if (!row) return { ok: false, code: 'USER_NOT_FOUND' };
    if (row.status === 'BANNED') return { ok: false, code: 'ACCOUNT_BANNED' };
    if (row.status === 'SUSPENDED') return { ok: false, code: 'ACCOUNT_SUSPENDED' };
    return { ok: true, user: toAuthUser(row) };
  }

  /** Returns why a session is unusable, or null when it is valid for this user. */
  async sessionProblem(sessionId: string, userId: string): Promise<string | null> {
    const session = await this.prisma.tokenSession.findUnique({ where: { id: sessionId } });
    if (!session || session.userId !== userId) return 'not_found';
    if (session.revokedAt) return 'revoked';
    if (session.expiresAt.getTime() <= Date.now()) return 'expired';
    return null;
  }
}
