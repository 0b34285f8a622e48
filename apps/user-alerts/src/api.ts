/** Minimal JSON client for the backend's daemon routes: the key travels only in the X-API-Key header. */
export class ApiError extends Error {
  constructor(
    readonly code: 'API_HTTP' | 'API_NETWORK' | 'API_INVALID_RESPONSE',
    message: string,
    readonly status: number | null = null,
    readonly body: unknown = null,
  ) {
    super(message);
    this.name = 'ApiError';
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

  /** Any HTTP status resolves (the caller decides); network errors and timeouts reject with ApiError. */
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
      throw new ApiError(
        'API_NETWORK',
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
