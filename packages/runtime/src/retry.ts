import { VolspikeError } from '@volspike/errors';
export interface BackoffOptions {
  /** Delay for attempt 0. Default 500 ms. */
  baseMs?: number;
  /** Cap on the exponential delay. Default 30 000 ms. */
  maxMs?: number;
  /** Fraction of the delay that is randomised, 0..1. Default 0.5 ("equal jitter"). */
  jitter?: number;
  /** Source of randomness in [0, 1). Default Math.random. */
  random?: () => number;
}

/**
 * Exponential backoff with a cap and jitter. `attempt` is 0-based (the number of failures so far
 * minus one): the un-jittered delay is `min(maxMs, baseMs * 2^attempt)`, and the result lies in
 * `[delay * (1 - jitter), delay]`, so it never exceeds `maxMs`.
 */
export function backoffDelay(attempt: number, opts: BackoffOptions = {}): number {
  const baseMs = Math.max(0, opts.baseMs ?? 500);
  const maxMs = Math.max(0, opts.maxMs ?? 30_000);
  const jitter = Math.min(1, Math.max(0, opts.jitter ?? 0.5));
  const random = opts.random ?? Math.random;
  const n = Number.isFinite(attempt) ? Math.max(0, Math.floor(attempt)) : 0;
  // 2^n overflows to Infinity for large n; min() keeps it at the cap.
  const capped = Math.min(maxMs, baseMs * 2 ** Math.min(n, 1024));
  const r = Math.min(1, Math.max(0, random()));
  return Math.round(capped * (1 - jitter + jitter * r));
}

/** Error rejected by {@link sleep} when its signal aborts. */
export class AbortedError extends VolspikeError<'ABORTED'> {
  constructor(cause?: unknown) {
    super('ABORTED', 'Operation aborted', { cause });
    // The DOM name, so code that checks `err.name === 'AbortError'` (fetch, undici) treats it alike.
    this.name = 'AbortError';
  }
}

/** Resolves after `ms`; rejects with {@link AbortedError} as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(new AbortedError(signal.reason));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new AbortedError(signal?.reason));
    };
    const timer = setTimeout(
      () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      },
      Math.max(0, ms),
    );
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
