// Socket.IO handshake (CONTRACTS.md §3.2) with the §6-42 fix: only `guest` and signed tokens are trusted
// unless SOCKET_LEGACY_TOKEN_AUTH is on; an unsigned email/id token then gets guest rights at most.
import { VolspikeError } from '@volspike/errors';
import type { Auth, AuthUser, Tier } from '../auth/index.js';
import { looksLikeJwt } from '../auth/index.js';

export interface SocketIdentity {
  userId: string;
  tier: Tier;
  role: 'USER' | 'ADMIN';
  guest: boolean;
  /** How the identity was established (for logs and stats). */
  via: 'guest' | 'jwt' | 'legacy' | 'downgraded';
}

/** Error message sent to the client as `connect_error`. */
export class HandshakeError extends VolspikeError<'HANDSHAKE_REJECTED'> {
  constructor(message: string) {
    super('HANDSHAKE_REJECTED', message);
  }
}

export function guestIdentity(socketId: string, via: SocketIdentity['via'] = 'guest'): SocketIdentity {
  return { userId: `guest-${socketId}`, tier: 'free', role: 'USER', guest: true, via };
}

function fromUser(user: AuthUser, via: SocketIdentity['via']): SocketIdentity {
  return { userId: user.id, tier: user.tier, role: user.role, guest: false, via };
}

export async function identify(
  handshake: { auth?: Record<string, unknown> | undefined; query?: Record<string, unknown> | undefined },
  socketId: string,
  deps: { auth: Auth; legacyTokenAuth: boolean },
): Promise<SocketIdentity> {
  const token = handshake.auth?.token;
  if (typeof token !== 'string' || token.trim() === '') throw new HandshakeError('Authentication required');
  if (token === 'guest') return guestIdentity(socketId);

  let identity: SocketIdentity;
  if (looksLikeJwt(token)) {
    const result = await deps.auth.checkToken(token);
    if (!result.ok)
      throw new HandshakeError(
        result.code === 'SESSION_INVALID' ? `Session invalid: ${result.reason}` : 'Invalid token',
      );
    identity = fromUser(result.user, 'jwt');
  } else if (deps.legacyTokenAuth) {
    const method = typeof handshake.query?.method === 'string' ? handshake.query.method : undefined;
    const user = await deps.auth.findLegacyUser(token, method);
    if (!user) throw new HandshakeError('Invalid token');
    identity = fromUser(user, 'legacy');
  } else {
    return guestIdentity(socketId, 'downgraded');
  }

  // Legacy clients may also send the NextAuth session id; when they do, it must be a live session.
  const sessionId = handshake.auth?.sessionId;
  if (typeof sessionId === 'string' && sessionId !== '') {
    const reason = await deps.auth.sessionProblem(sessionId, identity.userId);
    if (reason) throw new HandshakeError(`Session invalid: ${reason}`);
  }
  return identity;
}
