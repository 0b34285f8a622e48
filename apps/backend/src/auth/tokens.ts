import { SignJWT, jwtVerify, errors as joseErrors, type JWTPayload } from 'jose';
import type { PrismaClient } from '@volspike/db';

export type Tier = 'free' | 'pro' | 'elite';
export type Role = 'USER' | 'ADMIN';

export interface AuthUser {
  id: string;
  email: string;
  tier: Tier;
  role: Role;
}

/** Why a token was refused; each maps to one legacy REST body (docs/legacy-contracts.md §1.2). */
export type TokenFailure =
  | { code: 'INVALID_TOKEN' }
  | { code: 'INVALID_PAYLOAD' }
  | { code: 'SESSION_INVALID'; reason: string }
  | { code: 'USER_NOT_FOUND' }
  | { code: 'ACCOUNT_BANNED' }
  | { code: 'ACCOUNT_SUSPENDED' };

export type TokenResult = { ok: true; user: AuthUser } | ({ ok: false } & TokenFailure);

export const DEFAULT_TOKEN_TTL_SEC = 365 * 24 * 3600;
/** `iss` of the tokens this backend signs (checked on every token that carries an `iss`). */
export const TOKEN_ISSUER = 'volspike-market-data';
/** `aud` of the tokens this backend signs: Bearer auth and the Socket.IO handshake. */
export const TOKEN_AUDIENCE = 'volspike-api';

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
      .setIssuer(TOKEN_ISSUER)
      .setAudience(TOKEN_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + (opts.ttlSec ?? DEFAULT_TOKEN_TTL_SEC));
    return jwt.sign(this.key);
  }

  /**
   * Full check: signature (HS256 only), then by issuer:
   * - ours (`iss` = TOKEN_ISSUER): `aud` = TOKEN_AUDIENCE and `exp` required; an optional `sessionId` must be live;
   * - no `iss`: signed by the legacy backend with the shared JWT_SECRET; only with a `sessionId` naming a live
   *   `user_sessions` row of the same user (our own tokens from before iss/aud were added have no session
   *   and are refused: re-issue them with `npm run users -- token`);
   * then the user must exist and be active.
   */
  async verify(token: string): Promise<TokenResult> {
    if (!looksLikeJwt(token)) return { ok: false, code: 'INVALID_TOKEN' };
    const payload = await this.verifySignature(token);
    if (!payload) return { ok: false, code: 'INVALID_TOKEN' };
    if (typeof payload.sub !== 'string' || payload.sub.length === 0) return { ok: false, code: 'INVALID_PAYLOAD' };
    const sessionId = payload.sessionId === undefined ? undefined : String(payload.sessionId);
    if (payload.iss === undefined && sessionId === undefined) return { ok: false, code: 'INVALID_TOKEN' };
    if (sessionId !== undefined) {
      const reason =
        payload.iss === undefined
          ? await this.legacySessionProblem(sessionId, payload.sub)
          : await this.sessionProblem(sessionId, payload.sub);
      if (reason) return { ok: false, code: 'SESSION_INVALID', reason };
    }
    const row = await this.prisma.user.findUnique({ where: { id: payload.sub } });
    if (!row) return { ok: false, code: 'USER_NOT_FOUND' };
    if (row.status === 'BANNED') return { ok: false, code: 'ACCOUNT_BANNED' };
    if (row.status === 'SUSPENDED') return { ok: false, code: 'ACCOUNT_SUSPENDED' };
    return { ok: true, user: toAuthUser(row) };
  }

  /** The payload of a token with a good HS256 signature, unexpired, and (when it has an `iss`) ours in iss/aud/exp. */
  private async verifySignature(token: string): Promise<JWTPayload | null> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.key, { algorithms: ['HS256'] }));
    } catch (err) {
      if (err instanceof joseErrors.JOSEError) return null;
      throw err;
    }
    if (payload.iss === undefined) return payload;
    const aud = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    const ours = payload.iss === TOKEN_ISSUER && aud.includes(TOKEN_AUDIENCE) && payload.exp !== undefined;
    return ours ? payload : null;
  }

  /**
   * Why a legacy session (`user_sessions`, docs/legacy-contracts.md §1.2) cannot be used by this user — `not_found`, `revoked`
   * (isActive false or invalidatedAt set), `expired` (expiresAt passed) — or null when it can.
   */
  async legacySessionProblem(sessionId: string, userId: string): Promise<string | null> {
    const session = await this.prisma.userSession.findUnique({ where: { id: sessionId } });
    if (!session || session.userId !== userId) return 'not_found';
    if (!session.isActive || session.invalidatedAt) return 'revoked';
    if (session.expiresAt.getTime() <= Date.now()) return 'expired';
    return null;
  }

  /** Returns why one of our sessions is unusable, or null when it is valid for this user. */
  async sessionProblem(sessionId: string, userId: string): Promise<string | null> {
    const session = await this.prisma.tokenSession.findUnique({ where: { id: sessionId } });
    if (!session || session.userId !== userId) return 'not_found';
    if (session.revokedAt) return 'revoked';
    if (session.expiresAt.getTime() <= Date.now()) return 'expired';
    return null;
  }
}
