// Socket.IO handshake (docs/legacy-contracts.md §3.2) with the §6-42 fix: `guest`, signed tokens, bare user ids while
// LEGACY_ID_TOKENS is on; an email is an identity only with LEGACY_EMAIL_TOKENS (never in production).
import { VolspikeError } from '@volspike/errors';
import type { Auth, AuthUser, Tier } from '../auth/index.js';

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

/**
 * The identity of a handshake. `guest` → guest. A signed token → its user, or refused. A bare user id → that user
 * when LEGACY_ID_TOKENS (refused when unknown, as before). An email → that user only when LEGACY_EMAIL_TOKENS
 * (development). Anything else, and any unsigned token whose switch is off, → guest rights (`downgraded`).
 */
export async function identify(
  handshake: { auth?: Record<string, unknown> | undefined; query?: Record<string, unknown> | undefined },
  socketId: string,
  deps: { auth: Auth },
): Promise<SocketIdentity> {
  const token = handshake.auth?.token;
  if (typeof token !== 'string' || token.trim() === '') throw new HandshakeError('Authentication required');
  if (token === 'guest') return guestIdentity(socketId);

  const r = await deps.auth.resolve(token.trim(), 'socket');
  if (r.kind === 'anonymous') return guestIdentity(socketId, 'downgraded');
  if (r.kind === 'refused')
    throw new HandshakeError(
      r.failure.code === 'SESSION_INVALID' ? `Session invalid: ${r.failure.reason}` : 'Invalid token',
    );
  const identity = fromUser(r.user, r.via === 'jwt' ? 'jwt' : 'legacy');

  // Legacy clients may also send their session id (`user_sessions`); when they do, it must be a live session.
  const sessionId = handshake.auth?.sessionId;
  if (typeof sessionId === 'string' && sessionId !== '') {
    const reason = await deps.auth.sessionProblem(sessionId, identity.userId);
    if (reason) throw new HandshakeError(`Session invalid: ${reason}`);
  }
  return identity;
}
