// The /__sim control API (JSON over HTTP, costs no weight): stats, OI ramps, volume spikes, prices,
// 24h volumes, fault injection, WS drop/silence, reset.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { FaultSchema } from './faults.js';
import { SimError } from './market.js';
import type { SimContext } from './sim-context.js';

const MAX_BODY = 64 * 1024;

const SymbolBody = z.object({ symbol: z.string().min(1) });
const OiBody = SymbolBody.extend({ changePct: z.number(), rampSec: z.number().min(0).default(0) });
const VolumeBody = SymbolBody.extend({ ratio: z.number().min(0) });
const QuoteVolumeBody = SymbolBody.extend({ quoteVolume24h: z.number().min(0) });
const PriceBody = SymbolBody.extend({ price: z.number().positive() });
const SilenceBody = z.object({ ms: z.number().int().min(0).max(86_400_000) });
const DropBody = z.object({ mode: z.enum(['close', 'terminate']).default('close') });

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > MAX_BODY) throw new SimError('SIM_BAD_REQUEST', `body larger than ${MAX_BODY} bytes`);
    chunks.push(b);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new SimError('SIM_BAD_REQUEST', 'body is not valid JSON');
  }
}

function parse<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const r = schema.safeParse(body);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new SimError(
      'SIM_BAD_REQUEST',
      issue ? `${issue.path.join('.') || 'body'}: ${issue.message}` : 'invalid body',
    );
  }
  return r.data;
}

type Handler = (ctx: SimContext, req: IncomingMessage, url: URL) => Promise<[number, unknown]> | [number, unknown];

const ok = (body: Record<string, unknown> = {}): [number, unknown] => [200, { ok: true, ...body }];

function symbolView(ctx: SimContext, url: URL): [number, unknown] {
  const m = ctx.market;
  const symbol = url.searchParams.get('symbol') ?? '';
  const st = m.state(symbol);
  return [
    200,
    {
      ...st.info,
      lastPrice: st.price,
      markPrice: st.markPrice(),
      openInterest: st.oi,
      quoteVolume24h: st.quoteVolume24h(m.now),
      hourQuoteVolume: m.hourVolumes(symbol),
      oiRamp: st.ramp,
      tradedContracts: st.tradedContracts,
    },
  ];
}

async function moveOi(ctx: SimContext, req: IncomingMessage): Promise<[number, unknown]> {
  const b = parse(OiBody, await readJson(req));
  ctx.market.moveOpenInterest(b.symbol, b.changePct, b.rampSec);
  const st = ctx.market.state(b.symbol);
  return ok({ symbol: b.symbol, openInterest: st.oi, target: st.ramp?.to ?? st.oi, rampEndsAt: st.ramp?.t1 ?? null });
}

const ROUTES: Record<string, Handler> = {
  'GET /__sim/stats': (ctx) => [200, ctx.stats()],
  'GET /__sim/requests': (ctx, _req, url) => {
    const path = url.searchParams.get('path');
    if (!path) throw new SimError('SIM_BAD_REQUEST', 'path is required, e.g. ?path=/fapi/v1/openInterest');
    return [200, { path, requests: ctx.requestLog(path) }];
  },
  'GET /__sim/symbol': (ctx, _req, url) => symbolView(ctx, url),
  'GET /__sim/liquid': (ctx, _req, url) => {
    const threshold = Number(url.searchParams.get('threshold') ?? '4000000');
    if (!Number.isFinite(threshold)) throw new SimError('SIM_BAD_REQUEST', 'threshold must be a number');
    return [200, { threshold, symbols: ctx.market.liquid(threshold) }];
  },
  'POST /__sim/oi': (ctx, req) => moveOi(ctx, req),
  'POST /__sim/volume': async (ctx, req) => {
    const b = parse(VolumeBody, await readJson(req));
    ctx.market.spikeVolume(b.symbol, b.ratio);
    return ok({ symbol: b.symbol, ...ctx.market.hourVolumes(b.symbol) });
  },
  'POST /__sim/quote-volume': async (ctx, req) => {
    const b = parse(QuoteVolumeBody, await readJson(req));
    ctx.market.setQuoteVolume24h(b.symbol, b.quoteVolume24h);
    return ok({ symbol: b.symbol, quoteVolume24h: ctx.market.quoteVolume24h(b.symbol) });
  },
  'POST /__sim/price': async (ctx, req) => {
    const b = parse(PriceBody, await readJson(req));
    ctx.market.setPrice(b.symbol, b.price);
    return ok({ symbol: b.symbol, price: b.price });
  },
  'POST /__sim/faults': async (ctx, req) => {
    ctx.faults.add(parse(FaultSchema, await readJson(req)));
    return ok({ pending: ctx.faults.pending() });
  },
  'DELETE /__sim/faults': (ctx) => {
    ctx.faults.clear();
    return ok();
  },
  'POST /__sim/ws/drop': async (ctx, req) => ok({ dropped: ctx.hub.drop(parse(DropBody, await readJson(req)).mode) }),
  'POST /__sim/ws/silence': async (ctx, req) => {
    const b = parse(SilenceBody, await readJson(req));
    ctx.hub.silence(b.ms, Date.now());
    return ok({ silentUntil: Date.now() + b.ms });
  },
  'POST /__sim/reset': (ctx) => {
    ctx.reset();
    return ok();
  },
};

export async function handleControl(
  ctx: SimContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const route = `${req.method ?? 'GET'} ${url.pathname}`;
  const handler = ROUTES[route];
  if (!handler) return send(res, 404, { error: `unknown control route ${route}` });
  try {
    const [status, body] = await handler(ctx, req, url);
    send(res, status, body);
  } catch (err) {
    if (err instanceof SimError) return send(res, 400, { error: err.message });
    throw err;
  }
}
