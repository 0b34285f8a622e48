// The /__sim control API (JSON over HTTP, costs no weight): stats, OI ramps, volume spikes, prices,
// 24h volumes, fault injection, WS drop/silence, reset.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { FaultSchema } from './faults.js';
import { SimError } from './market.js';
import type { SimContext } from './server.js';

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

export async function handleControl(
  ctx: SimContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const route = `${req.method ?? 'GET'} ${url.pathname}`;
  const m = ctx.market;
  try {
    switch (route) {
      case 'GET /__sim/stats':
        return send(res, 200, ctx.stats());
      case 'GET /__sim/requests': {
        const path = url.searchParams.get('path');
        if (!path) throw new SimError('SIM_BAD_REQUEST', 'path is required, e.g. ?path=/fapi/v1/openInterest');
        return send(res, 200, { path, requests: ctx.requestLog(path) });
      }
      case 'GET /__sim/symbol': {
        const symbol = url.searchParams.get('symbol') ?? '';
        const st = m.state(symbol);
        return send(res, 200, {
          ...st.info,
          lastPrice: st.price,
          markPrice: st.markPrice(),
          openInterest: st.oi,
          quoteVolume24h: st.quoteVolume24h(m.now),
          hourQuoteVolume: m.hourVolumes(symbol),
          oiRamp: st.ramp,
        });
      }
      case 'GET /__sim/liquid': {
        const threshold = Number(url.searchParams.get('threshold') ?? '4000000');
        if (!Number.isFinite(threshold)) throw new SimError('SIM_BAD_REQUEST', 'threshold must be a number');
        return send(res, 200, { threshold, symbols: m.liquid(threshold) });
      }
      case 'POST /__sim/oi': {
        const b = parse(OiBody, await readJson(req));
        m.moveOpenInterest(b.symbol, b.changePct, b.rampSec);
        const st = m.state(b.symbol);
        return send(res, 200, {
          ok: true,
          symbol: b.symbol,
          openInterest: st.oi,
          target: st.ramp?.to ?? st.oi,
          rampEndsAt: st.ramp?.t1 ?? null,
        });
      }
      case 'POST /__sim/volume': {
        const b = parse(VolumeBody, await readJson(req));
        m.spikeVolume(b.symbol, b.ratio);
        return send(res, 200, { ok: true, symbol: b.symbol, ...m.hourVolumes(b.symbol) });
      }
      case 'POST /__sim/quote-volume': {
        const b = parse(QuoteVolumeBody, await readJson(req));
        m.setQuoteVolume24h(b.symbol, b.quoteVolume24h);
        return send(res, 200, { ok: true, symbol: b.symbol, quoteVolume24h: m.quoteVolume24h(b.symbol) });
      }
      case 'POST /__sim/price': {
        const b = parse(PriceBody, await readJson(req));
        m.setPrice(b.symbol, b.price);
        return send(res, 200, { ok: true, symbol: b.symbol, price: b.price });
      }
      case 'POST /__sim/faults': {
        const b = parse(FaultSchema, await readJson(req));
        ctx.faults.add(b);
        return send(res, 200, { ok: true, pending: ctx.faults.pending() });
      }
      case 'DELETE /__sim/faults':
        ctx.faults.clear();
        return send(res, 200, { ok: true });
      case 'POST /__sim/ws/drop': {
        const b = parse(DropBody, await readJson(req));
        return send(res, 200, { ok: true, dropped: ctx.hub.drop(b.mode) });
      }
      case 'POST /__sim/ws/silence': {
        const b = parse(SilenceBody, await readJson(req));
        ctx.hub.silence(b.ms, Date.now());
        return send(res, 200, { ok: true, silentUntil: Date.now() + b.ms });
      }
      case 'POST /__sim/reset':
        ctx.reset();
        return send(res, 200, { ok: true });
      default:
        return send(res, 404, { error: `unknown control route ${route}` });
    }
  } catch (err) {
    if (err instanceof SimError) return send(res, 400, { error: err.message });
    throw err;
  }
}
