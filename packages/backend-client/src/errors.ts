import { VolspikeError } from '@volspike/errors';

/** Stable codes of {@link BackendError} (as undici's `UND_ERR_*`: match on the code, not the message). */
export type BackendErrorCode =
  /** The backend answered a non-2xx status; `status` and `body` carry the answer. */
  | 'BACKEND_HTTP'
  /** A 2xx whose body does not match the route's response schema (or is not JSON). */
  | 'BACKEND_INVALID_RESPONSE'
  /** No answer within the call's timeout. */
  | 'BACKEND_TIMEOUT'
  /** Connection refused/reset, DNS, TLS… (`cause` has the detail). */
  | 'BACKEND_NETWORK'
  /** The caller's signal aborted the call (shutdown). */
  | 'BACKEND_ABORTED'
  /** A call the route table does not allow (unknown route, a body on a GET, a missing path parameter). */
  | 'BACKEND_BAD_CALL';

/** Every failure of a backend call. `status`/`body` are set for BACKEND_HTTP (body: parsed JSON, else text). */
export class BackendError extends VolspikeError<BackendErrorCode> {
  readonly route: string;
  readonly status: number | null;
  readonly body: unknown;
  /** A BACKEND_HTTP answer's Retry-After, in ms (null when absent). */
  readonly retryAfterMs: number | null;

  constructor(
    code: BackendErrorCode,
    route: string,
    message: string,
    opts: { status?: number; body?: unknown; cause?: unknown; retryAfterMs?: number | null } = {},
  ) {
    super(code, message, { cause: opts.cause });
    this.route = route;
    this.status = opts.status ?? null;
    this.body = opts.body ?? null;
    this.retryAfterMs = opts.retryAfterMs ?? null;
  }

  /** True for failures worth retrying later (timeouts, network, 408/429/5xx); false for 4xx and bad calls. */
  get transient(): boolean {
    if (this.code === 'BACKEND_TIMEOUT' || this.code === 'BACKEND_NETWORK') return true;
    return (
      this.code === 'BACKEND_HTTP' && this.status !== null && (this.status >= 500 || [408, 429].includes(this.status))
    );
  }
}
