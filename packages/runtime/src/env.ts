import { VolspikeError } from '@volspike/errors';
import { z } from 'zod';

/** Thrown by {@link loadEnv}: `message` is one line naming the bad variable. */
export class EnvError extends VolspikeError<'ENV_INVALID'> {
  readonly variable: string;
  readonly issues: readonly z.core.$ZodIssue[];
  constructor(message: string, variable: string, issues: readonly z.core.$ZodIssue[], cause?: unknown) {
    super('ENV_INVALID', message, { cause });
    this.variable = variable;
    this.issues = issues;
  }
}

type Source = Record<string, string | undefined>;

const SECRET_NAME = /KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL/i;

function shownValue(variable: string, raw: string | undefined): string {
  if (raw === undefined) return '';
  if (SECRET_NAME.test(variable)) return ' (<redacted>)';
  // A password in a URL (SMTP_URL, DATABASE_URL, …) is not echoed either.
  const oneLine = raw.replace(/\s+/g, ' ').replace(/(\/\/[^/@\s:]*:)[^/@\s]*@/, '$1<redacted>@');
  return ` (${oneLine.length > 60 ? `${oneLine.slice(0, 57)}...` : oneLine})`;
}

function describe(issue: z.core.$ZodIssue, source: Source): { variable: string; text: string } {
  const variable = issue.path.map(String).join('.');
  const top = issue.path[0];
  const raw = typeof top === 'string' ? normalise(source[top]) : undefined;
  const message = issue.message.replace(/\s+/g, ' ').trim();
  if (!variable) return { variable: '', text: message };
  if (raw === undefined && issue.code === 'invalid_type') return { variable, text: `${variable} is required` };
  return { variable, text: `${variable}${shownValue(variable, raw)} ${message}` };
}

function normalise(v: string | undefined): string | undefined {
  return v === undefined || v.trim() === '' ? undefined : v;
}

/**
 * Parses `source` (default `process.env`) with `schema` once. Empty strings count as unset.
 * Throws {@link EnvError} with a single line such as
 * `Invalid environment: PORT (abc) must be an integer`.
 */
export function loadEnv<S extends z.ZodType>(schema: S, source: Source = process.env): z.infer<S> {
  const cleaned: Source = {};
  for (const [k, v] of Object.entries(source)) cleaned[k] = normalise(v);
  const result = schema.safeParse(cleaned);
  if (result.success) return result.data;
  const issues = result.error.issues;
  const first = issues[0];
  if (!first) throw new EnvError('Invalid environment', '', issues, result.error);
  const { variable, text } = describe(first, source);
  const others = [
    ...new Set(
      issues
        .slice(1)
        .map((i) => i.path.map(String).join('.'))
        .filter((v) => v && v !== variable),
    ),
  ];
  const more = others.length > 0 ? ` (also invalid: ${others.join(', ')})` : '';
  throw new EnvError(`Invalid environment: ${text}${more}`, variable, issues, result.error);
}

const raw = z.string().optional();

function unset(v: string | undefined): v is undefined {
  return v === undefined || v.trim() === '';
}

function required(ctx: z.core.$RefinementCtx<unknown>): never {
  ctx.addIssue({ code: 'custom', message: 'is required' });
  return z.NEVER;
}

function bounds(kind: 'an integer' | 'a number', opts: { min?: number; max?: number } | undefined) {
  return (n: number, ctx: z.core.$RefinementCtx<unknown>): number => {
    if (opts?.min !== undefined && n < opts.min) {
      ctx.addIssue({
        code: 'custom',
        message:
          opts.max !== undefined
            ? `must be ${kind} between ${opts.min} and ${opts.max}`
            : `must be at least ${opts.min}`,
      });
      return z.NEVER;
    }
    if (opts?.max !== undefined && n > opts.max) {
      ctx.addIssue({
        code: 'custom',
        message:
          opts.min !== undefined
            ? `must be ${kind} between ${opts.min} and ${opts.max}`
            : `must be at most ${opts.max}`,
      });
      return z.NEVER;
    }
    return n;
  };
}

function intSchema(
  def: number | undefined,
  opts?: { min?: number; max?: number },
  what: 'an integer' | 'a port (0-65535)' = 'an integer',
): z.ZodType<number> {
  const check = bounds('an integer', opts);
  return raw.transform((v, ctx) => {
    if (unset(v)) return def === undefined ? required(ctx) : def;
    const t = v.trim().replace(/_/g, '');
    if (!/^[-+]?\d+$/.test(t)) {
      ctx.addIssue({ code: 'custom', message: `must be ${what}` });
      return z.NEVER;
    }
    const n = Number(t);
    if (!Number.isSafeInteger(n)) {
      ctx.addIssue({ code: 'custom', message: `must be ${what}` });
      return z.NEVER;
    }
    return check(n, ctx);
  });
}

function bool(def: boolean): z.ZodType<boolean> {
  return raw.transform((v, ctx) => {
    if (unset(v)) return def;
    const t = v.trim().toLowerCase();
    if (t === 'true' || t === '1') return true;
    if (t === 'false' || t === '0') return false;
    ctx.addIssue({ code: 'custom', message: 'must be true, false, 1 or 0' });
    return z.NEVER;
  });
}

function num(def: number | undefined, opts?: { min?: number; max?: number }): z.ZodType<number> {
  const check = bounds('a number', opts);
  return raw.transform((v, ctx) => {
    if (unset(v)) return def === undefined ? required(ctx) : def;
    const t = v.trim().replace(/_/g, '');
    const n = Number(t);
    if (t === '' || !Number.isFinite(n)) {
      ctx.addIssue({ code: 'custom', message: 'must be a number' });
      return z.NEVER;
    }
    return check(n, ctx);
  });
}

/** An optional number: unset → undefined (e.g. a retention that applies only when the operator sets it). */
function optionalNum(opts?: { min?: number; max?: number }): z.ZodType<number | undefined> {
  const inner = num(0, opts);
  return raw.transform((v, ctx) => {
    if (unset(v)) return undefined;
    const r = inner.safeParse(v);
    if (r.success) return r.data;
    for (const issue of r.error.issues) ctx.addIssue({ code: 'custom', message: issue.message });
    return z.NEVER;
  });
}

function port(def: number): z.ZodType<number> {
  return intSchema(def, { min: 0, max: 65535 }, 'a port (0-65535)');
}

function url(): z.ZodType<string | undefined>;
function url(def: string): z.ZodType<string>;
function url(def?: string): z.ZodType<string | undefined> {
  return raw.transform((v, ctx) => {
    if (unset(v)) return def;
    const t = v.trim();
    try {
      new URL(t);
      return t;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be an absolute URL' });
      return z.NEVER;
    }
  });
}

function str(): z.ZodType<string | undefined>;
function str(def: string): z.ZodType<string>;
function str(def?: string): z.ZodType<string | undefined> {
  return raw.transform((v) => (unset(v) ? def : v.trim()));
}

function list(def: string[]): z.ZodType<string[]> {
  return raw.transform((v) => {
    if (unset(v)) return [...def];
    return v
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
  });
}

function enumOf<T extends string>(values: readonly T[], def: T): z.ZodType<T> {
  return raw.transform((v, ctx) => {
    if (unset(v)) return def;
    const t = v.trim();
    const hit = values.find((x) => x === t) ?? values.find((x) => x.toLowerCase() === t.toLowerCase());
    if (hit !== undefined) return hit;
    ctx.addIssue({ code: 'custom', message: `must be one of ${values.join(', ')}` });
    return z.NEVER;
  });
}

/**
 * zod schema builders for environment variables. Each accepts `undefined` (or an empty string) and
 * then yields its default; a builder without a default reports "is required".
 */
export const env = {
  bool,
  int: (def: number | undefined, opts?: { min?: number; max?: number }) => intSchema(def, opts),
  num,
  optionalNum,
  port,
  url,
  str,
  list,
  enumOf,
};

// Env fragments every app reads with the same names and defaults: spread them into an app's
// `z.object({...})` where the variables stood (their order decides which bad variable is named first).

/** Backend target of a daemon: `VOLSPIKE_API_URL` (default http://127.0.0.1:3001) and its `VOLSPIKE_API_KEY` (X-API-Key). */
export const backendTargetEnv = {
  VOLSPIKE_API_URL: url('http://127.0.0.1:3001'),
  VOLSPIKE_API_KEY: str(),
};

/** `REDIS_URL`: unset → in-process bus (and in-process weight budget). */
export const busEnv = {
  REDIS_URL: url(),
};

/**
 * Shadow mode (docs/shadow-and-compare.md): `SHADOW=true` → the daemon works as usual but delivers nothing
 * (backend writes, Telegram); what it would have sent is appended to `${SHADOW_DIR}/<app>-<YYYY-MM-DD>.jsonl`.
 */
export const shadowEnv = {
  SHADOW: bool(false),
  SHADOW_DIR: str('.data/shadow'),
};

/** What every process reads for itself: `DATA_DIR` (default .data), `LOG_LEVEL` (info), `LOG_PRETTY` (false). */
export const processEnv = {
  DATA_DIR: str('.data'),
  LOG_LEVEL: str('info'),
  LOG_PRETTY: bool(false),
};
