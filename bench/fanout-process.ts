// The fan-out clients, in a process of their own (1000 users are 1000 machines: their receipt must not wait
// behind the bench's simulated exchange or its load generators). Half take the per-symbol feed of one symbol
// spread over the universe (`subscribe-symbol` + `subscribe-oi-symbols`: `open-interest-update` of that symbol
// only, as a trader's symbol page would) and listen to `open-interest-update`; half take the batch
// subscription (`subscribe-oi-batch`, `open-interest-updates`). The parent arms a round with a marker OI
// value, ingests it, and gets back every client's receipt time (same machine clock) and the server's
// emission time (`timestamp` of the payload). Driven over IPC by bench/fanout.ts.
//
// The round's batch is POSTed from here too, not from the bench's process: that one runs the simulated exchange
// and the ingest load generators, and its event loop delayed the request's departure by up to tens of
// milliseconds after the moment taken as the backend's receipt. This process is idle between hand-overs.
import { Agent, request } from 'node:http';
import type { Socket } from 'socket.io-client';
import { Decoder, Encoder } from 'socket.io-parser';
import { connectSocket } from './lib.js';

/**
 * 1000 users are 1000 machines, each decoding its own messages; here one process holds them all and would
 * decode each of them in turn (500 batch payloads per round), so the last client's receipt would time the
 * bench's own JSON parsing. The OI update events are therefore handed to the handlers as their raw JSON text
 * (the marker is found in it); every other packet is decoded as usual. The server's work is unchanged.
 */
const RAW_EVENTS = ['open-interest-update', 'open-interest-updates'];
class RawOiDecoder extends Decoder {
  override add(obj: unknown): void {
    if (typeof obj === 'string') {
      for (const event of RAW_EVENTS) {
        const head = `2["${event}",`; // socket.io EVENT packet (type 2, default namespace) inside an engine.io message
        if (obj.startsWith(head)) {
          this.emitReserved('decoded', { type: 2, nsp: '/', data: [event, obj.slice(head.length, -1)] });
          return;
        }
      }
    }
    super.add(obj);
  }
}

export interface FanoutStart {
  url: string;
  token: string;
  count: number;
  symbols: string[];
  /** a round leaves out the symbols the backend sent less than this ago (its per-symbol tick, and a margin) */
  holdMs: number;
}
export type ToChild =
  | { type: 'arm'; marker: number; symbols: string[]; timeoutMs: number; holdMs: number }
  | { type: 'post'; url: string; headers: Record<string, string>; body: string }
  | { type: 'close' };
export interface Receipt {
  at: number;
  emittedAt: number;
}
export type FromChild =
  | { type: 'connected'; perSymbol: number; batch: number; failed: number }
  | { type: 'armed'; marker: number; symbols: string[] }
  /** `sentAt`: the moment the request was handed to the socket (epoch ms) */
  | { type: 'posted'; sentAt: number; status: number; postMs: number; error?: string }
  | {
      type: 'receipts';
      marker: number;
      perSymbol: Receipt[];
      batch: Receipt[];
      expectedPerSymbol: number;
      /** per-symbol clients whose symbol the backend sent between the arming and the marker (see armRound) */
      heldByTick: number;
    };

interface Update {
  symbol: string;
  openInterest: number;
  timestamp: string;
}

interface Clients {
  perSymbol: [Socket, string][];
  batch: Socket[];
  failed: number;
  /** when each symbol last arrived on the batch feed (of the first batch client) */
  lastSeen: Map<string, number>;
}

async function connectAll(input: FanoutStart): Promise<Clients> {
  const perSymbol: [Socket, string][] = [];
  const batch: Socket[] = [];
  let failed = 0;
  for (let i = 0; i < input.count; i += 50) {
    const group = Array.from({ length: Math.min(50, input.count - i) }, (_, j) => i + j);
    const settled = await Promise.allSettled(
      group.map(async (k) => {
        const s = await connectSocket(input.url, input.token, { Encoder, Decoder: RawOiDecoder });
        const symbol = input.symbols[Math.floor(k / 2) % input.symbols.length]!;
        if (k % 2 === 0) {
          s.emit('subscribe-symbol', symbol);
          await s.emitWithAck('subscribe-oi-symbols');
        } else await s.emitWithAck('subscribe-oi-batch');
        return [k, s, symbol] as const;
      }),
    );
    for (const r of settled) {
      if (r.status === 'rejected') failed++;
      else if (r.value[0] % 2 === 0) perSymbol.push([r.value[1], r.value[2]]);
      else batch.push(r.value[1]);
    }
  }
  const lastSeen = new Map<string, number>();
  batch[0]?.on('open-interest-updates', (raw: string) => {
    const now = Date.now();
    for (const u of (JSON.parse(raw) as { updates: Update[] }).updates) lastSeen.set(u.symbol, now);
  });
  return { perSymbol, batch, failed, lastSeen };
}

/** The emission time in a raw OI update payload (every `timestamp` of one hand-over is the same). */
function timestampIn(raw: string): string {
  const at = raw.indexOf('"timestamp":"') + '"timestamp":"'.length;
  return raw.slice(at, raw.indexOf('"', at));
}

/**
 * Listens on every client for the marker, then reports the receipts (or what arrived by the timeout). The round
 * leaves out the symbols the backend sent less than `holdMs` ago (the stack's own poller publishes meanwhile): a
 * second value of a symbol within its tick waits for the tick by design (OI_UPDATE_TICK_MS), which would time
 * that rate bound, not the fan-out.
 */
function armRound(c: Clients, m: Extract<ToChild, { type: 'arm' }>, send: (m: FromChild) => void): void {
  const { marker } = m;
  const now = Date.now();
  const symbols = m.symbols.filter((s) => now - (c.lastSeen.get(s) ?? Number.NEGATIVE_INFINITY) > m.holdMs);
  const inRound = new Set(symbols);
  const mine = c.perSymbol.filter(([, symbol]) => inRound.has(symbol));
  const perSymbol: Receipt[] = [];
  const batch: Receipt[] = [];
  const cleanups: (() => void)[] = [];
  let pending = mine.length + c.batch.length;
  let heldByTick = 0;
  const finish = () => {
    clearTimeout(timer);
    for (const f of cleanups) f();
    send({ type: 'receipts', marker, perSymbol, batch, expectedPerSymbol: mine.length - heldByTick, heldByTick });
  };
  const timer = setTimeout(finish, m.timeoutMs);
  const got = (list: Receipt[], timestamp: string) => {
    list.push({ at: Date.now(), emittedAt: Date.parse(timestamp) });
    if (--pending === 0) finish();
  };
  const markerText = `"openInterest":${marker},`;
  for (const [s, symbol] of mine) {
    // The stack's poller keeps publishing: a value of this symbol that arrives after the arming and before the
    // marker (its publish landed while the round was being posted) makes the marker wait for the symbol's tick
    // by design, so this client's receipt would time that bound, not the fan-out: it is counted, not timed.
    const on = (raw: string) => {
      if (!raw.includes(`"symbol":"${symbol}"`)) return;
      s.off('open-interest-update', on);
      if (raw.includes(markerText)) got(perSymbol, timestampIn(raw));
      else {
        heldByTick++;
        if (--pending === 0) finish();
      }
    };
    s.on('open-interest-update', on);
    cleanups.push(() => s.off('open-interest-update', on));
  }
  for (const s of c.batch) {
    const on = (raw: string) => {
      if (!raw.includes(markerText)) return;
      s.off('open-interest-updates', on);
      got(batch, timestampIn(raw));
    };
    s.on('open-interest-updates', on);
    cleanups.push(() => s.off('open-interest-updates', on));
  }
  send({ type: 'armed', marker, symbols });
}

const agent = new Agent({ keepAlive: true, maxSockets: 1 });

/** POSTs the body and reports when it left (taken as the backend's receipt: loopback) and how long the answer took. */
function post(m: Extract<ToChild, { type: 'post' }>, send: (m: FromChild) => void): void {
  const body = Buffer.from(m.body);
  const req = request(m.url, {
    method: 'POST',
    agent,
    headers: { 'content-type': 'application/json', 'content-length': String(body.length), ...m.headers },
  });
  let sentAt = Date.now();
  const fail = (err: Error) =>
    send({ type: 'posted', sentAt, status: 0, postMs: Date.now() - sentAt, error: err.message });
  req.on('error', fail);
  req.on('response', (res) => {
    res.resume();
    res.on('end', () => send({ type: 'posted', sentAt, status: res.statusCode ?? 0, postMs: Date.now() - sentAt }));
    res.on('error', fail);
  });
  sentAt = Date.now();
  req.end(body);
}

async function main(): Promise<void> {
  const send = (m: FromChild) => process.send?.(m);
  const input = JSON.parse(process.env.BENCH_FANOUT_INPUT ?? 'null') as FanoutStart | null;
  if (!input) throw new Error('BENCH_FANOUT_INPUT is not set (this process is started by bench/fanout.ts)');
  const clients = await connectAll(input);
  send({ type: 'connected', perSymbol: clients.perSymbol.length, batch: clients.batch.length, failed: clients.failed });
  process.on('message', (m: ToChild) => {
    if (m.type === 'arm') armRound(clients, m, send);
    else if (m.type === 'post') post(m, send);
    else {
      for (const [s] of clients.perSymbol) s.close();
      for (const s of clients.batch) s.close();
      process.exit(0);
    }
  });
}

void main();
