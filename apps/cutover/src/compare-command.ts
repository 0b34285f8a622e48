import { VolspikeError } from '@volspike/errors';
import pg from 'pg';
import { compareSides } from './compare.js';
import type { CompareResult } from './compare.js';
import type { Env } from './env.js';
import { readLegacy } from './legacy-source.js';
import { formatReport } from './report.js';
import { readShadow } from './shadow-source.js';

export const USAGE = `usage: npm run cutover -- compare --since <ISO> [--until <ISO>] [--shadow-dir DIR]
  compares, hour by hour, what the legacy scripts delivered (DATABASE_URL) with what the shadow daemons
  would have sent (the journals in --shadow-dir, default $SHADOW_DIR or .data/shadow) over [since, until)
  (until defaults to now). Exit 0: they agree within the stated tolerances; 1: a difference; 2: usage or
  connection error.`;

export class UsageError extends VolspikeError<'CUTOVER_USAGE'> {
  constructor(message: string) {
    super('CUTOVER_USAGE', message);
  }
}

export interface CompareArgs {
  since: number;
  until: number;
  shadowDir: string | null;
}

function isoArg(name: string, v: string | undefined): number {
  if (v === undefined || v.startsWith('--')) throw new UsageError(`${name} needs an ISO-8601 time`);
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new UsageError(`${name}: "${v}" is not an ISO-8601 time`);
  return t;
}

/** `compare --since X [--until Y] [--shadow-dir D]` → its values; anything else is a UsageError. */
export function parseCompareArgs(argv: string[], now: number): CompareArgs {
  const [command, ...rest] = argv;
  if (command !== 'compare') throw new UsageError(command ? `unknown command "${command}"` : 'no command given');
  let since: number | null = null;
  let until = now;
  let shadowDir: string | null = null;
  for (let i = 0; i < rest.length; i += 2) {
    const flag = rest[i];
    const value = rest[i + 1];
    if (flag === '--since') since = isoArg('--since', value);
    else if (flag === '--until') until = isoArg('--until', value);
    else if (flag === '--shadow-dir') {
      if (!value || value.startsWith('--')) throw new UsageError('--shadow-dir needs a directory');
      shadowDir = value;
    } else throw new UsageError(`unknown option "${String(flag)}"`);
  }
  if (since === null) throw new UsageError('--since is required');
  if (!(since < until)) throw new UsageError('--since must be before --until');
  return { since, until, shadowDir };
}

/** Reads both sides and compares them; throws on connection or read errors (the CLI exits 2). */
export async function runCompare(
  env: Env,
  args: CompareArgs,
): Promise<{ exitCode: 0 | 1; report: string; result: CompareResult }> {
  if (!env.DATABASE_URL) throw new UsageError('DATABASE_URL must point at the live database');
  const client = new pg.Client({ connectionString: env.DATABASE_URL });
  await client.connect();
  try {
    const window = { since: args.since, until: args.until };
    const legacy = await readLegacy(client, window);
    const shadow = await readShadow(args.shadowDir ?? env.SHADOW_DIR, window);
    const result = compareSides(legacy, shadow, {
      enter: env.OI_LIQUID_ENTER_QUOTE_24H,
      exit: env.OI_LIQUID_EXIT_QUOTE_24H,
    });
    return { exitCode: result.agree ? 0 : 1, report: formatReport(result, window), result };
  } finally {
    await client.end();
  }
}
