// One typed method per Binance USDⓈ-M endpoint we use. Every call goes through the WeightBudget,
// reconciles it from X-MBX-USED-WEIGHT-1M (errors included) and validates the body with zod.
import { Agent, request, type Dispatcher } from 'undici';
import type { z } from 'zod';
import type { Logger } from '@volspike/runtime';
import { backoffDelay, sleep } from '@volspike/runtime';
import { BinanceError } from './errors.js';
import {
  binanceErrorBodySchema,
  exchangeInfoSchema,
  klineSchema,
  openInterestHistPointSchema,
  openInterestSchema,
  premiumIndexSchema,
  ticker24hSchema,
  tickerPriceSchema,
  type ExchangeInfo,
  type Kline,
  type KlineInterval,
  type OpenInterest,
  type OpenInterestHistPeriod,
  type OpenInterestHistPoint,
  type PremiumIndex,
  type Ticker24h,
  type TickerPrice,
} from './schemas.js';
import type { WeightBudget } from './weight-budget.js';
import { ENDPOINT_WEIGHTS, klinesWeight } from './weights.js';

export interface BinanceRestClientOptions {
  baseUrl: string;
  budget: WeightBudget;
  component: string;
  logger: Logger;
  timeoutMs?: number;
  maxRetries?: number;
  userAgent?: string;
  /** Backoff between retries (ms): base and cap. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** undici dispatcher; default: a keep-alive Agent with at most `maxConnections` sockets per origin. */
  dispatcher?: Dispatcher;
  /** Default 16: a budget release of hundreds of requests must not open hundreds of sockets at once. */
  maxConnections?: number;
}

type Query = Record<string, string | number | undefined>;

interface CallSpec {
  path: string;
  query?: Query;
  weight: number;
  /** Endpoints whose used-weight header is documented as inaccurate (/fapi/v2/ticker/price). */
  skipReconcile?: boolean;
}

const BAN_FALLBACK_MS = 120_000;
const MAX_BAN_MS = 3 * 24 * 3600 * 1000;

export class BinanceRestClient {
  private readonly opts: Required<
    Omit<BinanceRestClientOptions, 'logger' | 'budget' | 'dispatcher' | 'maxConnections'>
  > & { budget: WeightBudget; dispatcher: Dispatcher };
  private readonly ownsDispatcher: boolean;
  private readonly log: Logger;
  private readonly rootLog: Logger;

  constructor(opts: BinanceRestClientOptions) {
    this.opts = {
      baseUrl: opts.baseUrl.replace(/\/+$/, ''),
      budget: opts.budget,
      component: opts.component,
      timeoutMs: opts.timeoutMs ?? 10_000,
      maxRetries: opts.maxRetries ?? 3,
      userAgent: opts.userAgent ?? 'volspike-binance-client',
      retryBaseMs: opts.retryBaseMs ?? 500,
      retryMaxMs: opts.retryMaxMs ?? 15_000,
      dispatcher: opts.dispatcher ?? new Agent({ connections: opts.maxConnections ?? 16, keepAliveTimeout: 30_000 }),
    };
    this.ownsDispatcher = opts.dispatcher === undefined;
    this.rootLog = opts.logger;
    this.log = opts.logger.child({ component: opts.component, client: 'binance-rest' });
  }

  /** Same connection settings and budget, requests accounted to another component. */
  withComponent(component: string): BinanceRestClient {
    return new BinanceRestClient({ ...this.opts, component, logger: this.rootLog });
  }

  get component(): string {
    return this.opts.component;
  }

  /** Closes the connection pool (only when this client created it; clients from withComponent share it). */
  async close(): Promise<void> {
    if (this.ownsDispatcher) await this.opts.dispatcher.close();
  }

  // --- endpoints -------------------------------------------------------------------------------

  async exchangeInfo(): Promise<ExchangeInfo> {
    return (await this.exchangeInfoRawParsed()).parsed;
  }

  /** Binance's bytes (for the proxy), after validating them like exchangeInfo(). */
  async exchangeInfoRaw(): Promise<{ body: string; json: unknown }> {
    const { body, json } = await this.exchangeInfoRawParsed();
    return { body, json };
  }

  ticker24hr(): Promise<Ticker24h[]>;
  ticker24hr(symbol: string): Promise<Ticker24h>;
  async ticker24hr(symbol?: string): Promise<Ticker24h | Ticker24h[]> {
    if (symbol === undefined)
      return this.get(
        { path: '/fapi/v1/ticker/24hr', weight: ENDPOINT_WEIGHTS.ticker24hrAll },
        ticker24hSchema.array(),
      );
    return this.get(
      { path: '/fapi/v1/ticker/24hr', query: { symbol }, weight: ENDPOINT_WEIGHTS.ticker24hrSymbol },
      ticker24hSchema,
    );
  }

  async klines(p: {
    symbol: string;
    interval: KlineInterval;
    limit?: number;
    startTime?: number;
    endTime?: number;
  }): Promise<Kline[]> {
    const query: Query = {
      symbol: p.symbol,
      interval: p.interval,
      limit: p.limit,
      startTime: p.startTime,
      endTime: p.endTime,
    };
    return this.get({ path: '/fapi/v1/klines', query, weight: klinesWeight(p.limit) }, klineSchema.array());
  }

  async openInterest(symbol: string): Promise<OpenInterest> {
    return this.get(
      { path: '/fapi/v1/openInterest', query: { symbol }, weight: ENDPOINT_WEIGHTS.openInterest },
      openInterestSchema,
    );
  }

  premiumIndex(): Promise<PremiumIndex[]>;
  premiumIndex(symbol: string): Promise<PremiumIndex>;
  async premiumIndex(symbol?: string): Promise<PremiumIndex | PremiumIndex[]> {
    if (symbol === undefined)
      return this.get(
        { path: '/fapi/v1/premiumIndex', weight: ENDPOINT_WEIGHTS.premiumIndexAll },
        premiumIndexSchema.array(),
      );
    return this.get(
      { path: '/fapi/v1/premiumIndex', query: { symbol }, weight: ENDPOINT_WEIGHTS.premiumIndexSymbol },
      premiumIndexSchema,
    );
  }

  tickerPrice(): Promise<TickerPrice[]>;
  tickerPrice(symbol: string): Promise<TickerPrice>;
  async tickerPrice(symbol?: string): Promise<TickerPrice | TickerPrice[]> {
    if (symbol === undefined)
      return this.get(
        { path: '/fapi/v2/ticker/price', weight: ENDPOINT_WEIGHTS.tickerPriceAll, skipReconcile: true },
        tickerPriceSchema.array(),
      );
    return this.get(
      {
        path: '/fapi/v2/ticker/price',
        query: { symbol },
        weight: ENDPOINT_WEIGHTS.tickerPriceSymbol,
        skipReconcile: true,
      },
      tickerPriceSchema,
    );
  }

  async openInterestHist(p: {
    symbol: string;
    period: OpenInterestHistPeriod;
    limit?: number;
    startTime?: number;
    endTime?: number;
  }): Promise<OpenInterestHistPoint[]> {
    const query: Query = {
      symbol: p.symbol,
      period: p.period,
      limit: p.limit,
      startTime: p.startTime,
      endTime: p.endTime,
    };
    return this.get(
      { path: '/futures/data/openInterestHist', query, weight: ENDPOINT_WEIGHTS.openInterestHist },
      openInterestHistPointSchema.array(),
    );
  }

  // --- transport -------------------------------------------------------------------------------

  private async exchangeInfoRawParsed(): Promise<{ body: string; json: unknown; parsed: ExchangeInfo }> {
    const spec: CallSpec = { path: '/fapi/v1/exchangeInfo', weight: ENDPOINT_WEIGHTS.exchangeInfo };
    return this.withRetries(spec, async () => {
      const body = await this.send(spec);
      const json = parseJson(body, spec.path);
      return { body, json, parsed: validate(exchangeInfoSchema, json, spec.path) };
    });
  }

  private async get<S extends z.ZodType>(spec: CallSpec, schema: S): Promise<z.infer<S>> {
    return this.withRetries(spec, async () => validate(schema, parseJson(await this.send(spec), spec.path), spec.path));
  }

  private async withRetries<T>(spec: CallSpec, attemptFn: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.opts.budget.schedule(this.opts.component, spec.weight, attemptFn);
      } catch (err) {
        const e =
          err instanceof BinanceError
            ? err
            : new BinanceError('BINANCE_NETWORK', errMessage(err), { cause: err, path: spec.path });
        if (!retriable(e) || attempt >= this.opts.maxRetries) {
          this.log.debug({ err: e, path: spec.path, attempt }, 'binance request failed');
          throw e;
        }
        let delay = backoffDelay(attempt, { baseMs: this.opts.retryBaseMs, maxMs: this.opts.retryMaxMs });
        if (e.code === 'BINANCE_RATE_LIMITED') {
          // The budget is paused for everyone; this request goes again once the pause is over.
          const until = this.opts.budget.pausedUntil();
          delay = Math.max(
            until !== null ? until - Date.now() + 5 + Math.floor(Math.random() * 50) : 0,
            e.retryAfterMs ?? 0,
            0,
          );
        }
        this.log.debug(
          { path: spec.path, code: e.code, status: e.status, attempt, delayMs: delay },
          'retrying binance request',
        );
        await sleep(delay);
      }
    }
  }

  /** One HTTP attempt; runs inside budget.schedule(). Returns the body of a 2xx, throws BinanceError otherwise. */
  private async send(spec: CallSpec): Promise<string> {
    const url = this.opts.baseUrl + spec.path + queryString(spec.query);
    const startedAt = Date.now();
    let status: number;
    let headers: Record<string, string | string[] | undefined>;
    let body: string;
    try {
      const res = await request(url, {
        method: 'GET',
        dispatcher: this.opts.dispatcher,
        headers: { 'user-agent': this.opts.userAgent, accept: 'application/json' },
        signal: AbortSignal.timeout(this.opts.timeoutMs),
        headersTimeout: this.opts.timeoutMs,
        bodyTimeout: this.opts.timeoutMs,
      });
      status = res.statusCode;
      headers = res.headers;
      body = await res.body.text();
    } catch (err) {
      throw transportError(err, spec.path);
    }
    const used = headerNumber(headers['x-mbx-used-weight-1m']);
    if (used !== null && !spec.skipReconcile) this.opts.budget.reconcile(used, startedAt);
    else if (used === null) this.opts.budget.noteUnreportedResponse(startedAt);
    if (status >= 200 && status < 300) return body;
    throw this.statusError(status, headers, body, spec.path);
  }

  private statusError(
    status: number,
    headers: Record<string, string | string[] | undefined>,
    body: string,
    path: string,
  ): BinanceError {
    const parsed = parseErrorBody(body);
    const msg = parsed?.msg ?? body.slice(0, 200);
    const base = { status, path, ...(parsed ? { binanceCode: parsed.code } : {}) };
    const retryAfterSec = headerNumber(headers['retry-after']);
    if (status === 418) {
      const now = Date.now();
      const until =
        retryAfterSec !== null ? now + retryAfterSec * 1000 : (bannedUntil(msg, now) ?? now + BAN_FALLBACK_MS);
      const clamped = Math.min(until, now + MAX_BAN_MS);
      this.opts.budget.pause(clamped, '418');
      this.log.error({ path, until: new Date(clamped).toISOString(), msg }, 'Binance banned this IP (418)');
      return new BinanceError('BINANCE_IP_BANNED', `IP banned (418): ${msg}`, { ...base, retryAfterMs: clamped - now });
    }
    if (status === 429) {
      const now = Date.now();
      const windowMs = 60_000;
      const until = retryAfterSec !== null ? now + retryAfterSec * 1000 : now + (windowMs - (now % windowMs));
      this.opts.budget.pause(until, '429');
      return new BinanceError('BINANCE_RATE_LIMITED', `rate limited (429): ${msg}`, {
        ...base,
        retryAfterMs: until - now,
      });
    }
    if (status === 403) this.log.error({ path, msg }, 'Binance WAF refused the request (403); not retried');
    if (status === 408) return new BinanceError('BINANCE_TIMEOUT', `Binance timed out (408): ${msg}`, base);
    if (status >= 500)
      return new BinanceError('BINANCE_SERVER_ERROR', `Binance server error (${status}): ${msg}`, base);
    return new BinanceError(
      'BINANCE_BAD_REQUEST',
      `Binance rejected ${path} (${status}${parsed ? ` ${parsed.code}` : ''}): ${msg}`,
      base,
    );
  }
}

function retriable(e: BinanceError): boolean {
  return (
    e.code === 'BINANCE_RATE_LIMITED' ||
    e.code === 'BINANCE_SERVER_ERROR' ||
    e.code === 'BINANCE_NETWORK' ||
    e.code === 'BINANCE_TIMEOUT'
  );
}

function queryString(q: Query | undefined): string {
  if (!q) return '';
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined) p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
}

function headerNumber(v: string | string[] | undefined): number | null {
  const s = Array.isArray(v) ? v[0] : v;
  if (s === undefined || s.trim() === '') return null;
  const n = Number(s);
  return Number.isFinite(n) && n >= 0 ? n : null;
}

function bannedUntil(msg: string, now: number): number | null {
  const m = /banned until (\d{12,})/i.exec(msg);
  if (!m) return null;
  const t = Number(m[1]);
  return t > now ? t : null;
}

function parseErrorBody(body: string): { code: number; msg: string } | null {
  try {
    const r = binanceErrorBodySchema.safeParse(JSON.parse(body));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}

function parseJson(body: string, path: string): unknown {
  try {
    return JSON.parse(body);
  } catch (err) {
    throw new BinanceError(
      'BINANCE_INVALID_RESPONSE',
      `invalid JSON from ${path}: ${JSON.stringify(body.slice(0, 80))}`,
      { cause: err, path, status: 200 },
    );
  }
}

function validate<S extends z.ZodType>(schema: S, json: unknown, path: string): z.infer<S> {
  const r = schema.safeParse(json);
  if (r.success) return r.data;
  const first = r.error.issues[0];
  const where = first ? `${first.path.join('.') || '(root)'}: ${first.message}` : 'invalid';
  throw new BinanceError('BINANCE_INVALID_RESPONSE', `unexpected response from ${path} at ${where}`, {
    cause: r.error,
    path,
    status: 200,
  });
}

function transportError(err: unknown, path: string): BinanceError {
  const e = err as { name?: string; code?: string } | null;
  const name = e?.name ?? '';
  const code = e?.code ?? '';
  if (
    name === 'TimeoutError' ||
    name === 'AbortError' ||
    code === 'UND_ERR_HEADERS_TIMEOUT' ||
    code === 'UND_ERR_BODY_TIMEOUT' ||
    code === 'UND_ERR_CONNECT_TIMEOUT'
  ) {
    return new BinanceError('BINANCE_TIMEOUT', `request to ${path} timed out`, { cause: err, path });
  }
  return new BinanceError('BINANCE_NETWORK', `request to ${path} failed: ${errMessage(err)}`, { cause: err, path });
}

function errMessage(err: unknown): string {
  return err instanceof Error
    ? `${err.message}${(err as { code?: string }).code ? ` (${(err as { code?: string }).code})` : ''}`
    : String(err);
}
