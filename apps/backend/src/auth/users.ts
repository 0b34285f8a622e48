// Logic of `npm run users -- …` (src/users-cli.ts is the process shell): create/update users of a
// self-hosted install and print a signed token for the Socket.IO handshake and Bearer auth.
import { VolspikeError } from '@volspike/errors';
import { parseArgs } from 'node:util';
import type { PrismaClient } from '@volspike/db';
import { DEFAULT_TOKEN_TTL_SEC, TokenService } from './tokens.js';

export class UsageError extends VolspikeError<'USERS_CLI_USAGE'> {
  constructor(message: string) {
    super('USERS_CLI_USAGE', message);
  }
}

export const USERS_USAGE = [
  'usage:',
  '  npm run users -- add --email <email> --tier free|pro|elite [--admin] [--days <token lifetime, default 365>]',
  '  npm run users -- list',
  '  npm run users -- token --email <email> [--days <n>]',
].join('\n');

const TIERS = ['free', 'pro', 'elite'] as const;
const EMAIL_RE = /^[^\s@]+@[^\s@]+$/;

export type UsersCommand =
  | { kind: 'add'; email: string; tier: (typeof TIERS)[number]; admin: boolean; ttlSec: number }
  | { kind: 'token'; email: string; ttlSec: number }
  | { kind: 'list' };

export function parseUsersArgs(argv: string[]): UsersCommand {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        email: { type: 'string' },
        tier: { type: 'string' },
        admin: { type: 'boolean', default: false },
        days: { type: 'string' },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  const cmd = positionals[0];
  const days = values.days === undefined ? DEFAULT_TOKEN_TTL_SEC / 86400 : Number(values.days);
  if (!Number.isFinite(days) || days <= 0)
    throw new UsageError(`--days must be a positive number of days, got "${values.days}"`);
  const ttlSec = Math.round(days * 86400);
  if (cmd === 'list') return { kind: 'list' };
  if (cmd !== 'add' && cmd !== 'token') throw new UsageError(cmd ? `unknown command "${cmd}"` : 'missing command');
  const email = values.email?.trim().toLowerCase();
  if (!email || !EMAIL_RE.test(email))
    throw new UsageError(`--email must be an email address, got "${values.email ?? ''}"`);
  if (cmd === 'token') return { kind: 'token', email, ttlSec };
  const tier = values.tier as (typeof TIERS)[number] | undefined;
  if (!tier || !TIERS.includes(tier))
    throw new UsageError(`--tier must be one of free, pro, elite, got "${values.tier ?? ''}"`);
  return { kind: 'add', email, tier, admin: values.admin ?? false, ttlSec };
}

/** Runs one command; every line of output goes through `out`. */
export async function runUsersCommand(
  cmd: UsersCommand,
  deps: { prisma: PrismaClient; jwtSecret: string; out: (line: string) => void },
): Promise<void> {
  const tokens = new TokenService(deps.prisma, deps.jwtSecret);
  const { prisma, out } = deps;
  if (cmd.kind === 'list') {
    const users = await prisma.user.findMany({ orderBy: { createdAt: 'asc' } });
    if (users.length === 0) {
      out('no users');
      return;
    }
    out(
      ['id'.padEnd(26), 'email'.padEnd(32), 'tier'.padEnd(6), 'role'.padEnd(6), 'status'.padEnd(10), 'created'].join(
        '  ',
      ),
    );
    for (const u of users) {
      out(
        [
          u.id.padEnd(26),
          u.email.padEnd(32),
          u.tier.padEnd(6),
          u.role.padEnd(6),
          u.status.padEnd(10),
          u.createdAt.toISOString(),
        ].join('  '),
      );
    }
    return;
  }
  if (cmd.kind === 'token') {
    const user = await prisma.user.findUnique({ where: { email: cmd.email } });
    if (!user) throw new UsageError(`no user with email ${cmd.email}; create it with "add"`);
    out(await tokens.sign(user, { ttlSec: cmd.ttlSec }));
    return;
  }
  const existing = await prisma.user.findUnique({ where: { email: cmd.email } });
  const role = cmd.admin ? 'ADMIN' : 'USER';
  const user = await prisma.user.upsert({
    where: { email: cmd.email },
    create: { email: cmd.email, tier: cmd.tier, role, status: 'ACTIVE' },
    update: { tier: cmd.tier, role, status: 'ACTIVE' },
  });
  const token = await tokens.sign(user, { ttlSec: cmd.ttlSec });
  out(`${existing ? 'updated' : 'created'} user ${user.email} (id ${user.id}, tier ${user.tier}, role ${user.role})`);
  out(
    `token (valid ${Math.round(cmd.ttlSec / 86400)} days; Socket.IO auth.token and "Authorization: Bearer <token>"):`,
  );
  out(token);
}
