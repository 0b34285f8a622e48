// Answers one REST request: injected faults first, then the weight/data limits (429, 418), then the
// endpoint's body (optionally mangled by a body fault). Every answer carries the used-weight header.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HTML_ERROR_PAGE, stripFields } from './faults.js';
import type { Fault } from './faults.js';
import { SimRejection } from './rest.js';
import type { Endpoint } from './rest.js';
import type { SimContext } from './sim-context.js';

type Headers = Record<string, string | number>;

export function json(res: ServerResponse, status: number, body: unknown, headers: Headers = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

const weightMsg = (limit: number): string =>
  `Too much request weight used; current limit is ${limit} request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API.`;
const banMsg = (until: number): string =>
  `Way too much request weight used; IP banned until ${until}. Please use WebSocket Streams for live updates to avoid bans.`;

/** An injected status fault (0 = drop the connection, 429, 418, 500, 503…). */
function answerStatusFault(ctx: SimContext, req: IncomingMessage, res: ServerResponse, f: Fault, h: Headers): void {
  const now = ctx.opts.clock();
  const status = f.status ?? 0;
  if (status === 0) {
    req.socket.destroy();
  } else if (status === 429) {
    ctx.counters.rejected429++;
    const retry = f.retryAfterSec ?? Math.max(1, Math.ceil((Math.floor(now / 60_000) * 60_000 + 60_000 - now) / 1000));
    json(res, 429, { code: -1003, msg: weightMsg(ctx.opts.weightLimitPerMin) }, { ...h, 'Retry-After': retry });
  } else if (status === 418) {
    ctx.counters.banned418++;
    const until = now + (f.banMs ?? ctx.opts.banMs);
    json(res, 418, { code: -1003, msg: banMsg(until) }, { ...h, 'Retry-After': Math.ceil((until - now) / 1000) });
  } else if (status === 500) {
    json(res, 500, { code: -1000, msg: 'An unknown error occured while processing the request.' }, h);
  } else {
    json(res, status, { code: -1001, msg: 'Service Unavailable.' }, h);
  }
}

/** Charges the request; answers 429/418 and returns null when the limiter refuses it. */
function charge(ctx: SimContext, endpoint: Endpoint, ip: string, url: URL, res: ServerResponse): Headers | null {
  const now = ctx.opts.clock();
  const weight = endpoint.weight(url.searchParams);
  const verdict = endpoint.dataLimit ? ctx.limiter.chargeData(ip, now) : ctx.limiter.charge(ip, weight, now);
  const c = ctx.counters;
  c.weightByPath[url.pathname] = (c.weightByPath[url.pathname] ?? 0) + weight;
  const headers = { 'X-MBX-USED-WEIGHT-1M': verdict.used };
  if (verdict.kind === '429') {
    c.rejected429++;
    const msg = endpoint.dataLimit
      ? `Too many requests; current limit is ${ctx.opts.dataLimitPer5m} requests per 5 MINUTE.`
      : weightMsg(ctx.opts.weightLimitPerMin);
    json(res, 429, { code: -1003, msg }, { ...headers, 'Retry-After': verdict.retryAfterSec });
    return null;
  }
  if (verdict.kind === '418') {
    c.banned418++;
    json(res, 418, { code: -1003, msg: banMsg(verdict.until) }, { ...headers, 'Retry-After': verdict.retryAfterSec });
    return null;
  }
  return headers;
}

/** The endpoint's body, or the malformed one a body fault asks for. */
function answerBody(ctx: SimContext, res: ServerResponse, url: URL, body: unknown, f: Fault | null, h: Headers): void {
  if (f?.body === 'html') {
    res.writeHead(f.status ?? 200, { 'Content-Type': 'text/html', ...h });
    res.end(HTML_ERROR_PAGE);
  } else if (f?.body === 'truncated') {
    const text = JSON.stringify(body);
    const cut = text.slice(0, Math.max(1, Math.floor(text.length / 2)));
    res.writeHead(f.status ?? 200, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(cut),
      ...h,
    });
    res.end(cut);
  } else if (f?.body === 'missing-fields') {
    json(res, f.status ?? 200, stripFields(body), h);
  } else {
    json(res, 200, body, h);
    const symbol = url.searchParams.get('symbol');
    if (symbol) ctx.logRequest(url.pathname, symbol, ctx.opts.clock());
  }
}

export function serveRest(
  ctx: SimContext,
  endpoints: Record<string, Endpoint>,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): void {
  const path = url.pathname;
  const ip = req.socket.remoteAddress ?? 'unknown';
  const c = ctx.counters;
  c.requests[path] = (c.requests[path] ?? 0) + 1;
  c.requestsByClient[ip] = (c.requestsByClient[ip] ?? 0) + 1;
  const used = { 'X-MBX-USED-WEIGHT-1M': ctx.limiter.used(ip, ctx.opts.clock()) };
  const endpoint = endpoints[path];
  const fault = ctx.faults.take(path);
  if (fault && fault.status !== undefined && fault.status !== 200 && fault.body === undefined)
    return answerStatusFault(ctx, req, res, fault, used);
  if (!endpoint) return json(res, 404, { code: -1000, msg: `Not found: ${path}` }, used);
  if (req.method !== 'GET')
    return json(res, 405, { code: -1000, msg: `Method ${req.method ?? ''} not allowed on ${path}` }, used);
  const headers = charge(ctx, endpoint, ip, url, res);
  if (!headers) return;
  let body: unknown;
  try {
    body = endpoint.handle(url.searchParams, ctx.market);
  } catch (err) {
    if (err instanceof SimRejection) return json(res, err.status, { code: err.binanceCode, msg: err.message }, headers);
    throw err;
  }
  answerBody(ctx, res, url, body, fault ?? null, headers);
}
