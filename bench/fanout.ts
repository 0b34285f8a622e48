// Fan-out: the clients of bench/fanout-process.ts (a separate process) and the rounds that time them. A round
// ingests one realtime batch whose OI is a marker value, for a sixth of the universe (about what the poller
// publishes every 2 s; the per-symbol clients of those symbols expect it) less the symbols the backend sent
// within the last tick (the stack's poller keeps publishing; a symbol's second value within its tick waits for
// the tick by design), and times each client's receipt from the moment the batch leaves for the backend
// (loopback: the backend's receipt of the data; it is sent by the clients' process, whose event loop is idle
// between hand-overs, not by the bench's, which runs the load generators); the time from the emission
// (`timestamp` of the payload) is reported beside it.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { percentile } from './lib.js';
import type { FanoutStart, FromChild, Receipt, ToChild } from './fanout-process.js';

export interface RoundResult {
  sentAt: number;
  /** symbols in the round, and those left out because the backend had sent them within the last tick */
  symbols: number;
  leftOut: number;
  postMs: number;
  perSymbol: Receipt[];
  batch: Receipt[];
  expectedPerSymbol: number;
  /** per-symbol clients left out of the round: their symbol was sent by the stack's poller meanwhile */
  heldByTick: number;
}

export interface Fanout {
  pid: number;
  perSymbolClients: number;
  batchClients: number;
  failed: number;
  /** round `k` (0, 1, …) sends the symbols whose index ≡ k (mod 6) */
  round(api: string, apiKey: string, marker: number, k: number): Promise<RoundResult>;
  close(): Promise<void>;
}

function waitFor<T extends FromChild['type']>(
  child: ChildProcess,
  type: T,
  timeoutMs: number,
): Promise<Extract<FromChild, { type: T }>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.off('message', on);
      reject(new Error(`fan-out process: no '${type}' within ${timeoutMs} ms`));
    }, timeoutMs);
    const on = (m: FromChild) => {
      if (m.type !== type) return;
      clearTimeout(timer);
      child.off('message', on);
      resolve(m as Extract<FromChild, { type: T }>);
    };
    child.on('message', on);
  });
}

export async function startFanout(input: FanoutStart): Promise<Fanout> {
  const entry = fileURLToPath(new URL('./fanout-process.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, BENCH_FANOUT_INPUT: JSON.stringify(input) },
  });
  const c = await waitFor(child, 'connected', 300_000);
  const send = (m: ToChild) => child.send(m);
  return {
    pid: child.pid!,
    perSymbolClients: c.perSymbol,
    batchClients: c.batch,
    failed: c.failed,
    async round(api, apiKey, marker, k) {
      const planned = input.symbols.filter((_, i) => i % 6 === k % 6);
      const armed = waitFor(child, 'armed', 10_000);
      send({ type: 'arm', marker, symbols: planned, timeoutMs: 10_000, holdMs: input.holdMs });
      const { symbols } = await armed;
      const receipts = waitFor(child, 'receipts', 20_000);
      const ts = new Date(Date.now() + 5000).toISOString(); // newer than any poll of the next seconds
      const data = symbols.map((symbol) => ({
        symbol,
        openInterest: marker,
        openInterestUsd: null,
        markPrice: null,
        ts,
      }));
      // POSTed by the clients' process (see there): sentAt is when the request left, postMs its answer's time.
      const posted = waitFor(child, 'posted', 30_000);
      send({
        type: 'post',
        url: `${api}/api/market/open-interest/ingest`,
        headers: { 'X-API-Key': apiKey, 'Idempotency-Key': `bench-fanout-${randomBytes(8).toString('hex')}` },
        body: JSON.stringify({ data, source: 'realtime' }),
      });
      const { sentAt, postMs, status, error } = await posted;
      if (status !== 200) throw new Error(`fan-out round: the ingest answered ${status || (error ?? 'nothing')}`);
      const r = await receipts;
      return {
        sentAt,
        symbols: symbols.length,
        leftOut: planned.length - symbols.length,
        postMs,
        perSymbol: r.perSymbol,
        batch: r.batch,
        expectedPerSymbol: r.expectedPerSymbol,
        heldByTick: r.heldByTick,
      };
    },
    async close() {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      send({ type: 'close' });
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

/** p50/p99/max over rounds, from the send (receipt by the backend) and from the tick's emission, plus losses. */
export function fanoutStats(rounds: readonly RoundResult[], path: 'perSymbol' | 'batch', batchClients: number) {
  const fromReceipt = rounds.flatMap((r) => r[path].map((x) => x.at - r.sentAt));
  const fromEmit = rounds.flatMap((r) => r[path].map((x) => x.at - x.emittedAt));
  return {
    p50Ms: percentile(fromReceipt, 50),
    p99Ms: percentile(fromReceipt, 99),
    maxMs: fromReceipt.length ? Math.max(...fromReceipt) : null,
    fromEmission: { p50Ms: percentile(fromEmit, 50), p99Ms: percentile(fromEmit, 99) },
    received: fromReceipt.length,
    expected: rounds.reduce((a, r) => a + (path === 'perSymbol' ? r.expectedPerSymbol : batchClients), 0),
    ...(path === 'perSymbol' ? { heldByTick: rounds.reduce((a, r) => a + r.heldByTick, 0) } : {}),
  };
}
