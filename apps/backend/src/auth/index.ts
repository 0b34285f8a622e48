import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { PrismaClient } from '@volspike/db';
import type { Logger } from '@volspike/runtime';
import { withAuthKind } from '../http/route-auth.js';
import { TokenService, looksLikeJwt } from './tokens.js';
import { unsignedKind, userByEmail, userById } from './legacy.js';
import type { AuthUser, TokenFailure, TokenResult } from './tokens.js';

export type { AuthUser, Tier, Role, TokenResult, TokenFailure } from './tokens.js';
export { normaliseTier, looksLikeJwt, DEFAULT_TOKEN_TTL_SEC, TOKEN_ISSUER, TOKEN_AUDIENCE } from './tokens.js';

/** Cookie that carries a debug-page token for browsers (set by `/debug?token=…`). */
export const DEBUG_TOKEN_COOKIE = 'volspike_debug_token';

/** What a Bearer or Socket.IO token amounts to. `anonymous`: not an identity here (guest rights at most). */
export type Resolution =
  | { kind: 'user'; user: AuthUser; via: 'jwt' | 'legacy-id' | 'legacy-email' }
  | { kind: 'refused'; failure: TokenFailure }
  | { kind: 'anonymous' };

export interface Auth {
  signToken(user: { id: string }, opts?: { ttlSec?: number; sessionId?: string }): Promise<string>;
  /** The user a signed token names, or null for anything else (bad signature, raw id, unknown user, banned). */
  verifyToken(token: string): Promise<AuthUser | null>;
  /** Same as verifyToken, with the reason when refused. */
  checkToken(token: string): Promise<TokenResult>;
  /**
   * Any token: signed (always); a bare user id when LEGACY_ID_TOKENS; an email only on the Socket.IO handshake
   * and only when LEGACY_EMAIL_TOKENS (development). Everything else is anonymous.
   */
  resolve(token: string, transport: 'rest' | 'socket'): Promise<Resolution>;
  /** Why a legacy session id (`user_sessions`) cannot be used by this user, or null when it can. */
  sessionProblem(sessionId: string, userId: string): Promise<string | null>;
  /** Bearer token (see resolve); sets res.locals.user. Legacy 401/403/404 bodies (§1.2). */
  requireUser: RequestHandler;
  /** Sets res.locals.user when a valid Bearer token is present; anything else continues anonymously. */
  optionalUser: RequestHandler;
  /** `public`: everyone. `admin`: a signed Bearer token (or the debug cookie) of an ADMIN user, else 401/403. */
  requireDebugAccess(mode: 'public' | 'admin'): RequestHandler;
  readonly legacyIdTokens: boolean;
  readonly legacyEmailTokens: boolean;
}

export interface AuthOptions {
  prisma: PrismaClient;
  jwtSecret: string;
  /** LEGACY_ID_TOKENS */
  legacyIdTokens: boolean;
  /** LEGACY_EMAIL_TOKENS (refused in production by the env schema) */
  legacyEmailTokens: boolean;
  logger: Logger;
  /** Called for every request or handshake identified by a bare user id (the metric of LEGACY_ID_TOKENS). */
  onLegacyIdToken?: (transport: 'rest' | 'socket') => void;
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

/** How a token is resolved (kept apart from createAuth so that each stays short). */
function resolver(opts: AuthOptions, tokens: TokenService): Auth['resolve'] {
  return async (token, transport) => {
    const via = (result: TokenResult, how: 'jwt' | 'legacy-id' | 'legacy-email'): Resolution =>
      result.ok ? { kind: 'user', user: result.user, via: how } : { kind: 'refused', failure: result };
    if (looksLikeJwt(token)) return via(await tokens.verify(token), 'jwt');
    const kind = unsignedKind(token);
    if (kind === 'id' && opts.legacyIdTokens) {
      opts.onLegacyIdToken?.(transport);
      return via(await userById(opts.prisma, token), 'legacy-id');
    }
    if (kind === 'email' && transport === 'socket' && opts.legacyEmailTokens)
      return via(await userByEmail(opts.prisma, token), 'legacy-email');
    return { kind: 'anonymous' };
  };
}

export function createAuth(opts: AuthOptions): Auth {
  const tokens = new TokenService(opts.prisma, opts.jwtSecret);
  const log = opts.logger.child({ component: 'auth' });
  const resolve = resolver(opts, tokens);

  /** Sets res.locals.user or answers with the legacy failure body. `signedOnly`: unsigned tokens are refused. */
  async function authenticate(token: string | null, res: Response, next: NextFunction, signedOnly = false) {
    if (!token) {
      res.status(401).json({ error: 'Missing or invalid authorization header' });
      return;
    }
    let r: Resolution;
    try {
      r = signedOnly && !looksLikeJwt(token) ? { kind: 'anonymous' } : await resolve(token, 'rest');
    } catch (err) {
      log.warn({ err }, 'authentication error');
      res.status(401).json({ error: 'Authentication error' });
      return;
    }
    if (r.kind === 'user') {
      res.locals.user = r.user;
      next();
      return;
    }
    const failure = FAILURE_RESPONSES[r.kind === 'refused' ? r.failure.code : 'INVALID_TOKEN'];
    res.status(failure.status).json(failure.body(r.kind === 'refused' ? r.failure : { code: 'INVALID_TOKEN' }));
  }

  const optionalUser: RequestHandler = withAuthKind('optionalBearer', (req, res, next) => {
    const token = bearerToken(req);
    if (!token) return next();
    resolve(token, 'rest').then(
      (r) => {
        if (r.kind === 'user') res.locals.user = r.user;
        next();
      },
      (err: unknown) => {
        log.warn({ err }, 'optional authentication failed; continuing anonymously');
        next();
      },
    );
  });

  function requireDebugAccess(mode: 'public' | 'admin'): RequestHandler {
    if (mode === 'public') return withAuthKind('debug', (_req, _res, next) => next());
    return withAuthKind('debug', (req, res, next) => {
      const token = bearerToken(req) ?? readCookie(req.headers.cookie, DEBUG_TOKEN_COOKIE);
      const admin = () => {
        if ((res.locals.user as AuthUser).role === 'ADMIN') return next();
        res.status(403).json({ error: 'Admin access required' });
      };
      void authenticate(token, res, admin, true);
    });
  }

  return {
    legacyIdTokens: opts.legacyIdTokens,
    legacyEmailTokens: opts.legacyEmailTokens,
    signToken: (user, signOpts) => tokens.sign(user, signOpts),
    verifyToken: async (token) => {
      const r = await tokens.verify(token);
      return r.ok ? r.user : null;
    },
    checkToken: (token) => tokens.verify(token),
    resolve,
    sessionProblem: (sessionId, userId) => tokens.legacySessionProblem(sessionId, userId),
    requireUser: withAuthKind('bearer', (req, res, next) => void authenticate(bearerToken(req), res, next)),
    optionalUser,
    requireDebugAccess,
  };
}
