// The fan-out clients, in a process of their own (1000 users are 1000 machines: their receipt must not wait
// behind the bench's simulated exchange or its load generators). Half join a per-symbol room spread over the
// universe (`subscribe-symbol`) and listen to `open-interest-update` for their symbol; half take the batch
// subscription (`subscribe-oi-batch`, `open-interest-updates`). The parent arms a round with a marker OI
// value, ingests it, and gets back every client's receipt time (same machine clock) and the server's
// emission time (`timestamp` of the payload). Driven over IPC by bench/fanout.ts.
import type { Socket } from 'socket.io-client';
import { connectSocket } from './lib.js';

export interface FanoutStart {
  url: string;
  token: string;
  count: number;
  symbols: string[];
}
export type ToChild = { type: 'arm'; marker: number; symbols: string[]; timeoutMs: number } | { type: 'close' };
export interface Receipt {
  at: number;
  emittedAt: number;
}
export type FromChild =
  | { type: 'connected'; perSymbol: number; batch: number; failed: number }
  | { type: 'armed'; marker: number }
  | { type: 'receipts'; marker: number; perSymbol: Receipt[]; batch: Receipt[]; expectedPerSymbol: number };

interface Update {
  symbol: string;
  openInterest: number;
  timestamp: string;
}

interface Clients {
  perSymbol: [Socket, string][];
  batch: Socket[];
  failed: number;
}

async function connectAll(input: FanoutStart): Promise<Clients> {
  const perSymbol: [Socket, string][] = [];
  const batch: Socket[] = [];
  let failed = 0;
  for (let i = 0; i < input.count; i += 50) {
    const group = Array.from({ length: Math.min(50, input.count - i) }, (_, j) => i + j);
    const settled = await Promise.allSettled(
      group.map(async (k) => {
        const s = await connectSocket(input.url, input.token);
        const symbol = input.symbols[Math.floor(k / 2) % input.symbols.length]!;
        if (k % 2 === 0) s.emit('subscribe-symbol', symbol);
        else s.emit('subscribe-oi-batch');
        return [k, s, symbol] as const;
      }),
    );
    for (const r of settled) {
      if (r.status === 'rejected') failed++;
      else if (r.value[0] % 2 === 0) perSymbol.push([r.value[1], r.value[2]]);
      else batch.push(r.value[1]);
    }
  }
  return { perSymbol, batch, failed };
}

/** Listens on every client for the marker, then reports the receipts (or what arrived by the timeout). */
function armRound(c: Clients, m: Extract<ToChild, { type: 'arm' }>, send: (m: FromChild) => void): void {
  const { marker } = m;
  const inRound = new Set(m.symbols);
  const mine = c.perSymbol.filter(([, symbol]) => inRound.has(symbol));
  const perSymbol: Receipt[] = [];
  const batch: Receipt[] = [];
  const cleanups: (() => void)[] = [];
  let pending = mine.length + c.batch.length;
  const finish = () => {
    clearTimeout(timer);
    for (const f of cleanups) f();
    send({ type: 'receipts', marker, perSymbol, batch, expectedPerSymbol: mine.length });
  };
  const timer = setTimeout(finish, m.timeoutMs);
  const got = (list: Receipt[], timestamp: string) => {
    list.push({ at: Date.now(), emittedAt: Date.parse(timestamp) });
    if (--pending === 0) finish();
  };
  for (const [s, symbol] of mine) {
    const on = (u: Update) => {
      if (u.symbol !== symbol || u.openInterest !== marker) return;
      s.off('open-interest-update', on);
      got(perSymbol, u.timestamp);
    };
    s.on('open-interest-update', on);
    cleanups.push(() => s.off('open-interest-update', on));
  }
  for (const s of c.batch) {
    const on = (b: { updates: Update[]; timestamp: string }) => {
      if (!b.updates.some((u) => u.openInterest === marker)) return;
      s.off('open-interest-updates', on);
      got(batch, b.timestamp);
    };
    s.on('open-interest-updates', on);
    cleanups.push(() => s.off('open-interest-updates', on));
  }
  send({ type: 'armed', marker });
}

async function main(): Promise<void> {
  const send = (m: FromChild) => process.send?.(m);
  const input = JSON.parse(process.env.BENCH_FANOUT_INPUT ?? 'null') as FanoutStart | null;
  if (!input) throw new Error('BENCH_FANOUT_INPUT is not set (this process is started by bench/fanout.ts)');
  const clients = await connectAll(input);
  send({ type: 'connected', perSymbol: clients.perSymbol.length, batch: clients.batch.length, failed: clients.failed });
  process.on('message', (m: ToChild) => {
    if (m.type === 'arm') armRound(clients, m, send);
    else {
      for (const [s] of clients.perSymbol) s.close();
      for (const s of clients.batch) s.close();
      process.exit(0);
    }
  });
}

void main();
