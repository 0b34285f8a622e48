import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { PrismaClient } from '@volspike/db';
import type { Logger } from '@volspike/runtime';
import { TokenService, toAuthUser } from './tokens.js';
import type { AuthUser, TokenFailure, TokenResult } from './tokens.js';

export type { AuthUser, Tier, Role, TokenResult, TokenFailure } from './tokens.js';
export { normaliseTier, looksLikeJwt, DEFAULT_TOKEN_TTL_SEC } from './tokens.js';

/** Cookie that carries a debug-page token for browsers (set by `/debug?token=…`). */
export const DEBUG_TOKEN_COOKIE = 'volspike_debug_token';

export interface Auth {
  signToken(user: { id: string }, opts?: { ttlSec?: number; sessionId?: string }): Promise<string>;
  /** The user a signed token names, or null for anything else (bad signature, raw id, unknown user, banned). */
  verifyToken(token: string): Promise<AuthUser | null>;
  /** Same as verifyToken, with the reason when refused. */
  checkToken(token: string): Promise<TokenResult>;
  /**
   * Legacy unsigned handshake token (email, or user id; `method: 'id'` forces id). Only the Socket.IO
   * handshake calls this, and only when SOCKET_LEGACY_TOKEN_AUTH is on. REST never accepts it (§6-43).
   */
  findLegacyUser(token: string, method?: string): Promise<AuthUser | null>;
  /** Why a session id cannot be used by this user (`not_found`, `revoked`, `expired`), or null when it can. */
  sessionProblem(sessionId: string, userId: string): Promise<string | null>;
  /** Bearer HS256 JWT (sub = user id); sets res.locals.user. Legacy 401/403/404 bodies (§1.2). */
  requireUser: RequestHandler;
  /** Sets res.locals.user when a valid Bearer token is present; anything else continues anonymously. */
  optionalUser: RequestHandler;
  /** `public`: everyone. `admin`: Bearer (or the debug cookie) of an ADMIN user, else 401/403. */
  requireDebugAccess(mode: 'public' | 'admin'): RequestHandler;
  readonly legacyTokens: boolean;
}

const FAILURE_RESPONSES: Record<
  TokenFailure['code'],
  { status: number; body: (f: TokenFailure) => Record<string, unknown> }
> = {
  INVALID_TOKEN: { status: 401, body: () => ({ error: 'Invalid token' }) },
  INVALID_PAYLOAD: { status: 401, body: () => ({ error: 'Invalid token payload' }) },
  SESSION_INVALID: {
    status: 401,
    body: (f) => {
      const reason = f.code === 'SESSION_INVALID' ? f.reason : 'unknown';
      return { error: `Session ${reason === 'not_found' ? 'not found' : reason}`, code: 'SESSION_INVALID', reason };
    },
  },
  USER_NOT_FOUND: { status: 404, body: () => ({ error: 'User not found' }) },
  ACCOUNT_BANNED: { status: 403, body: () => ({ error: 'Account banned' }) },
  ACCOUNT_SUSPENDED: { status: 403, body: () => ({ error: 'Account suspended' }) },
};

/** `Authorization: Bearer <t>` → t; anything else → null. */
export function bearerToken(req: Request): string | null {
  const header = req.headers.authorization;
  if (typeof header !== 'string') return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m?.[1] ?? null;
}

export function readCookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    try {
      return decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      return null;
    }
  }
  return null;
}

export function createAuth(opts: {
  prisma: PrismaClient;
  jwtSecret: string;
  legacyTokens: boolean;
  logger: Logger;
}): Auth {
  const tokens = new TokenService(opts.prisma, opts.jwtSecret);
  const log = opts.logger.child({ component: 'auth' });

  async function authenticate(token: string | null, res: Response, next: NextFunction): Promise<void> {
    if (!token) {
      res.status(401).json({ error: 'Missing or invalid authorization header' });
      return;
    }
    let result: TokenResult;
    try {
      result = await tokens.verify(token);
    } catch (err) {
      log.warn({ err }, 'authentication error');
      res.status(401).json({ error: 'Authentication error' });
      return;
    }
    if (!result.ok) {
      const failure = FAILURE_RESPONSES[result.code];
      res.status(failure.status).json(failure.body(result));
      return;
    }
    res.locals.user = result.user;
    next();
  }

  const requireUser: RequestHandler = (req, res, next) => {
    void authenticate(bearerToken(req), res, next);
  };

  const optionalUser: RequestHandler = (req, res, next) => {
    const token = bearerToken(req);
    if (!token) {
      next();
      return;
    }
    tokens.verify(token).then(
      (result) => {
        if (result.ok) res.locals.user = result.user;
        next();
      },
      (err: unknown) => {
        log.warn({ err }, 'optional authentication failed; continuing anonymously');
        next();
      },
    );
  };

  function requireDebugAccess(mode: 'public' | 'admin'): RequestHandler {
    if (mode === 'public') return (_req, _res, next) => next();
    return (req, res, next) => {
      const token = bearerToken(req) ?? readCookie(req.headers.cookie, DEBUG_TOKEN_COOKIE);
      void authenticate(token, res, () => {
        const user = res.locals.user as AuthUser;
        if (user.role !== 'ADMIN') {
          res.status(403).json({ error: 'Admin access required' });
          return;
        }
        next();
      });
    };
  }

  async function findLegacyUser(token: string, method?: string): Promise<AuthUser | null> {
    const byId = method === 'id' || !token.includes('@');
    const row = byId
      ? await opts.prisma.user.findUnique({ where: { id: token } })
      : await opts.prisma.user.findUnique({ where: { email: token } });
    if (!row || row.status !== 'ACTIVE') return null;
    return toAuthUser(row);
  }

  return {
    legacyTokens: opts.legacyTokens,
    signToken: (user, signOpts) => tokens.sign(user, signOpts),
    verifyToken: async (token) => {
      const r = await tokens.verify(token);
      return r.ok ? r.user : null;
    },
    checkToken: (token) => tokens.verify(token),
    findLegacyUser,
    sessionProblem: (sessionId, userId) => tokens.sessionProblem(sessionId, userId),
    requireUser,
    optionalUser,
    requireDebugAccess,
  };
}
