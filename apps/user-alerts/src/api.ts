import { VolspikeError } from '@volspike/errors';
/** Minimal JSON client for the backend's daemon routes: the key travels only in the X-API-Key header. */
export class BackendCallError extends VolspikeError<'BACKEND_HTTP' | 'BACKEND_NETWORK' | 'BACKEND_INVALID_RESPONSE'> {
  constructor(
    code: BackendCallError['code'],
    message: string,
    readonly status: number | null = null,
    readonly body: unknown = null,
    cause?: unknown,
  ) {
    super(code, message, { cause });
  }
}

export interface ApiResponse {
  status: number;
  body: unknown;
}

export class BackendApi {
  constructor(
    private readonly opts: { baseUrl: string; apiKey: string | undefined; timeoutMs: number; fetchImpl?: typeof fetch },
  ) {}

  /** Any HTTP status resolves (the caller decides); network errors and timeouts reject with BackendCallError. */
  async request(method: 'GET' | 'POST', path: string, body?: unknown): Promise<ApiResponse> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.opts.apiKey) headers['x-api-key'] = this.opts.apiKey;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await (this.opts.fetchImpl ?? fetch)(new URL(path, this.opts.baseUrl), {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.opts.timeoutMs),
      });
    } catch (err) {
      const e = err as Error;
      const cause = (e.cause as Error | undefined)?.message;
      throw new BackendCallError(
        'BACKEND_NETWORK',
        `${method} ${path}: ${e.name === 'TimeoutError' ? 'timeout' : e.message}${cause ? ` (${cause})` : ''}`,
      );
    }
    const text = await res.text().catch(() => '');
    let parsed: unknown = null;
    if (text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    return { status: res.status, body: parsed };
  }
}
