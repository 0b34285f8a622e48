// Bench users, created with the backend's own users code (a module of its own: the fan-out process does not load it).
import type { PrismaClient } from '@volspike/db';
import { runUsersCommand } from '../apps/backend/src/auth/users.js';

/** A user of `tier` created with the backend's users code; resolves to its signed token. */
export async function createUser(
  prisma: PrismaClient,
  jwtSecret: string,
  email: string,
  tier: 'free' | 'pro' | 'elite',
): Promise<string> {
  const lines: string[] = [];
  await runUsersCommand(
    { kind: 'add', email, tier, admin: false, ttlSec: 86_400 },
    { prisma, jwtSecret, out: (l) => lines.push(l) },
  );
  return lines[lines.length - 1]!;
}
