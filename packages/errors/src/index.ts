/**
 * The one error base of the workspace. Every error class of every package and app extends it, so a caller
 * can branch on a stable `code` (as undici's `UND_ERR_*`) instead of on a message or a class name.
 *
 * Codes are SCREAMING_SNAKE_CASE, prefixed by their area (`BINANCE_…`, `DB_…`, `OUTBOX_…`); a code, once
 * shipped, keeps its meaning. This package has no dependencies and no side effects: a pure package such as
 * `@volspike/oi-core` may depend on it.
 */
export class VolspikeError<Code extends string = string> extends Error {
  readonly code: Code;

  constructor(code: Code, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    // `new.target.name` names the subclass (`BinanceError`, `OutboxError`) without each one setting it.
    this.name = new.target.name;
  }
}

/** `e` is one of our errors, optionally with this exact `code`. */
export function isVolspikeError<C extends string = string>(e: unknown, code?: C): e is VolspikeError<C> {
  return e instanceof VolspikeError && (code === undefined || e.code === code);
}

/** The `code` of any error-like value (ours, Node's `ENOENT`, undici's `UND_ERR_*`), or undefined. */
export function errorCode(e: unknown): string | undefined {
  if (typeof e !== 'object' || e === null || !('code' in e)) return undefined;
  const code = (e as { code: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}
