// Unsigned identities of the legacy frontend (docs/legacy-contracts.md §1.2, §3.2): a bare user id (LEGACY_ID_TOKENS) and, in
// development only, an email address (LEGACY_EMAIL_TOKENS). Neither proves anything; both are counted.
import type { PrismaClient } from '@volspike/db';
import { toAuthUser } from './tokens.js';
import type { TokenResult } from './tokens.js';

/** A user id as the legacy frontend sends it (cuid or similar): letters, digits, `_` and `-`, no `@`, no dots. */
const BARE_ID_RE = /^[A-Za-z0-9_-]{1,64}$/;

export type UnsignedKind = 'id' | 'email' | 'mock' | 'other';

/** What an unsigned token looks like. `mock-token-…` is never an identity (§6-43). */
export function unsignedKind(token: string): UnsignedKind {
  if (token.startsWith('mock-token-')) return 'mock';
  if (token.includes('@')) return 'email';
  return BARE_ID_RE.test(token) ? 'id' : 'other';
}

/** The user a bare id names, with the legacy REST failures (404 unknown, 403 banned/suspended). */
export async function userById(prisma: PrismaClient, id: string): Promise<TokenResult> {
  const row = await prisma.user.findUnique({ where: { id } });
  if (!row) return { ok: false, code: 'USER_NOT_FOUND' };
  if (row.status === 'BANNED') return { ok: false, code: 'ACCOUNT_BANNED' };
  if (row.status === 'SUSPENDED') return { ok: false, code: 'ACCOUNT_SUSPENDED' };
  return { ok: true, user: toAuthUser(row) };
}

/** The active user with this email (LEGACY_EMAIL_TOKENS, development only), or null. */
export async function userByEmail(prisma: PrismaClient, email: string): Promise<TokenResult> {
  const row = await prisma.user.findUnique({ where: { email } });
  if (!row || row.status !== 'ACTIVE') return { ok: false, code: 'USER_NOT_FOUND' };
  return { ok: true, user: toAuthUser(row) };
}
