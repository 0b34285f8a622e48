import { ROUTE_TABLE } from '@volspike/contracts';
import type { RouteName, RouteSpec } from '@volspike/contracts';
import { parseRetryAfter, sleep } from '@volspike/runtime';
import { BackendError } from './errors.js';
import { createBackendQueue } from './queue.js';
import type { BackendQueue, BackendQueueOptions } from './queue.js';
import { DEFAULT_TIMEOUT_MS, IDEMPOTENT_RETRY, NO_RETRY, ROUTE_TIMEOUTS_MS } from './policy.js';
import type { RetryPolicy } from './policy.js';
import type { ShadowSink, ShadowTarget } from './shadow-journal.js';
import type { CallControl, Delivery, ReadInput, ReadRouteName, ResultOf, WriteInput, WriteRouteName } from './types.js';
import { fillPath, joinUrl, setQuery } from './url.js';

export interface BackendClientOptions {
  /** `VOLSPIKE_API_URL`; a path prefix in it is kept (see joinUrl). */
  baseUrl: string;
  /** `VOLSPIKE_API_KEY`: sent as X-API-Key on every call (and added to queued deliveries at send time). */
  apiKey?: string | undefined;
  /**
   * Shadow mode: writes are recorded here instead of being sent (reads still go to the backend). Set from
   * `SHADOW=true` by the app's composition root; call sites never look at it.
   */
  shadow?: ShadowSink | null;
  /** The journal's `target` for this client's writes (default `backend`; volume-alerts' DEV client: `backend-dev`). */
  shadowTarget?: Extract<ShadowTarget, 'backend' | 'backend-dev'>;
  /** Per-route timeouts over the defaults. */
  timeoutsMs?: Partial<Record<RouteName, number>>;
  /** This client's timeout of routes without one of their own (default 10 s). */
  defaultTimeoutMs?: number;
  /** The policy of idempotent calls (default IDEMPOTENT_RETRY). */
  retry?: RetryPolicy;
  fetchImpl?: typeof fetch;
}

interface Prepared {
  name: RouteName;
  spec: RouteSpec;
  path: string;
  url: URL;
}

/**
 * The typed client of the backend's daemon-facing routes. Routes are called by their `ROUTE_TABLE` name:
 * method, path and schemas come from `@volspike/contracts`, so a route renamed or reshaped there fails the
 * typecheck here and at every call site. Answers are parsed with the route's response schema (the one the
 * backend is built against); a non-2xx is a {@link BackendError} with code BACKEND_HTTP, status and body.
 */
export class BackendClient {
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly opts: BackendClientOptions) {
    this.fetchImpl = opts.fetchImpl ?? fetch;
    joinUrl(opts.baseUrl, '/'); // a bad base URL fails at construction, not at the first call
  }

  /** True when writes are recorded instead of sent. */
  get shadowed(): boolean {
    return Boolean(this.opts.shadow);
  }

  /** The shadow target label of this client's writes. */
  get target(): Extract<ShadowTarget, 'backend' | 'backend-dev'> {
    return this.opts.shadowTarget ?? 'backend';
  }

  /**
   * A durable queue of this client's writes (an Outbox that stores route name + body, the key added at
   * send time), or, in shadow mode, the journal.
   */
  queue(opts: BackendQueueOptions): BackendQueue {
    return createBackendQueue(this, this.opts.shadow ?? null, opts);
  }

  /** The one place the key header is built. */
  headers(): Record<string, string> {
    return this.opts.apiKey ? { 'X-API-Key': this.opts.apiKey } : {};
  }

  /** The absolute URL of a route (path parameters filled, query set). */
  url(
    name: RouteName,
    params?: Record<string, string>,
    query?: Record<string, string | number | boolean | undefined>,
  ): URL {
    return this.prepare(name, params, query).url;
  }

  /** The route's method and filled path, as recorded in a shadow journal. */
  describe(name: RouteName, params?: Record<string, string>): { method: string; path: string } {
    const p = this.prepare(name, params, undefined);
    return { method: p.spec.method.toUpperCase(), path: p.path };
  }

  /** A GET route: retried by the idempotent policy, parsed by its response schema. Also sent in shadow mode. */
  async get<N extends ReadRouteName>(name: N, input: ReadInput<N> = {} as ReadInput<N>): Promise<ResultOf<N>> {
    const p = this.prepare(
      name,
      input.params as Record<string, string> | undefined,
      input.query as Record<string, string> | undefined,
    );
    const res = await this.exchange(p, undefined, undefined, input, input.retry ?? this.opts.retry ?? IDEMPOTENT_RETRY);
    return res.data as ResultOf<N>;
  }

  /**
   * A write route, sent now (no queue). Retried only when the route is idempotent and an idempotencyKey is
   * given. In shadow mode it is recorded and resolves `{ delivered: false }` without touching the backend.
   */
  async send<N extends WriteRouteName>(name: N, input: WriteInput<N>): Promise<Delivery<ResultOf<N>>> {
    const p = this.prepare(name, input.params as Record<string, string> | undefined, undefined);
    if (this.opts.shadow) {
      await this.opts.shadow.record({
        target: this.target,
        route: name,
        method: p.spec.method.toUpperCase(),
        path: p.path,
        body: input.body ?? null,
      });
      return { delivered: false, recordedIn: this.opts.shadow.where };
    }
    const policy =
      p.spec.idempotent && input.idempotencyKey ? (input.retry ?? this.opts.retry ?? IDEMPOTENT_RETRY) : NO_RETRY;
    const res = await this.exchange(p, input.body, input.idempotencyKey, input, policy);
    return { delivered: true, status: res.status, data: res.data as ResultOf<N> };
  }

  private prepare(
    name: RouteName,
    params: Record<string, string> | undefined,
    query: Record<string, string | number | boolean | undefined> | undefined,
  ): Prepared {
    const spec = (ROUTE_TABLE as Record<string, RouteSpec>)[name];
    if (!spec) throw new BackendError('BACKEND_BAD_CALL', String(name), `unknown backend route "${String(name)}"`);
    const path = fillPath(name, spec.path, params);
    const url = joinUrl(this.opts.baseUrl, path);
    setQuery(url, query);
    return { name, spec, path, url };
  }

  private async exchange(
    p: Prepared,
    body: unknown,
    idempotencyKey: string | undefined,
    ctl: CallControl,
    policy: RetryPolicy,
  ): Promise<{ status: number; data: unknown }> {
    for (let attempt = 0; ; attempt++) {
      let waitMs: number | null = null;
      try {
        return await this.attempt(p, body, idempotencyKey, ctl);
      } catch (err) {
        const e = err as BackendError;
        const delay = policy.delaysMs[attempt];
        const retryable =
          delay !== undefined &&
          ((e.code === 'BACKEND_HTTP' && e.status !== null && policy.statuses.includes(e.status)) ||
            (policy.network && (e.code === 'BACKEND_NETWORK' || e.code === 'BACKEND_TIMEOUT')));
        if (!retryable) throw err;
        const retryAfter = e.retryAfterMs;
        waitMs = retryAfter !== null ? Math.max(delay, Math.min(retryAfter, policy.maxRetryAfterMs)) : delay;
      }
      try {
        await sleep(waitMs, ctl.signal);
      } catch (cause) {
        throw new BackendError('BACKEND_ABORTED', p.name, `${p.name}: aborted`, { cause });
      }
    }
  }

  private async attempt(
    p: Prepared,
    body: unknown,
    idempotencyKey: string | undefined,
    ctl: CallControl,
  ): Promise<{ status: number; data: unknown }> {
    const timeoutMs =
      ctl.timeoutMs ??
      this.opts.timeoutsMs?.[p.name] ??
      ROUTE_TIMEOUTS_MS[p.name] ??
      this.opts.defaultTimeoutMs ??
      DEFAULT_TIMEOUT_MS;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = ctl.signal ? AbortSignal.any([ctl.signal, timeout]) : timeout;
    const headers: Record<string, string> = { accept: 'application/json', ...this.headers() };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (idempotencyKey) headers['idempotency-key'] = idempotencyKey;
    let res: Response;
    let text: string;
    try {
      res = await this.fetchImpl(p.url, {
        method: p.spec.method.toUpperCase(),
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal,
      });
      text = await res.text();
    } catch (err) {
      if (ctl.signal?.aborted) throw new BackendError('BACKEND_ABORTED', p.name, `${p.name}: aborted`, { cause: err });
      if (timeout.aborted)
        throw new BackendError('BACKEND_TIMEOUT', p.name, `${p.name}: no answer within ${timeoutMs} ms`, {
          cause: err,
        });
      const cause = (err as Error).cause as NodeJS.ErrnoException | undefined;
      throw new BackendError(
        'BACKEND_NETWORK',
        p.name,
        `${p.name}: ${(err as Error).message}${cause ? ` (${cause.code ?? cause.message})` : ''}`,
        { cause: err },
      );
    }
    return this.interpret(p, res, text);
  }

  private interpret(p: Prepared, res: Response, text: string): { status: number; data: unknown } {
    const json = parseJson(text);
    if (res.status < 200 || res.status > 299) {
      throw new BackendError(
        'BACKEND_HTTP',
        p.name,
        `${p.spec.method.toUpperCase()} ${p.path} answered ${res.status}${errorText(json, text)}`,
        {
          status: res.status,
          body: json.ok ? json.value : text,
          retryAfterMs: parseRetryAfter(res.headers.get('retry-after'), Date.now()),
        },
      );
    }
    const schema = p.spec.responses[res.status]?.schema;
    if (!schema) return { status: res.status, data: json.ok ? json.value : text };
    if (!json.ok)
      throw new BackendError('BACKEND_INVALID_RESPONSE', p.name, `${p.name}: the ${res.status} body is not JSON`, {
        status: res.status,
        body: text.slice(0, 500),
      });
    const parsed = schema.safeParse(json.value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new BackendError(
        'BACKEND_INVALID_RESPONSE',
        p.name,
        `${p.name}: the ${res.status} body does not match the contract (${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid'})`,
        { status: res.status, body: json.value },
      );
    }
    return { status: res.status, data: parsed.data };
  }
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  if (text === '') return { ok: false };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

function errorText(json: { ok: true; value: unknown } | { ok: false }, text: string): string {
  if (json.ok && json.value && typeof json.value === 'object' && 'error' in json.value)
    return `: ${String((json.value as { error: unknown }).error)}`;
  return text ? `: ${text.slice(0, 200)}` : '';
}
