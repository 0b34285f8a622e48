// The fan-out bench's Socket.IO clients, in a worker thread of their own: 1000 users are 1000 machines, so
// their receipt of an alert must not wait behind the simulated exchange (which runs on the bench's main
// thread and sends every mark price of 550 symbols each second) or the bench's own garbage collection.
// Receipt times are Date.now() in the worker: the same wall clock as the main thread's send time.
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { Socket } from 'socket.io-client';
import { connectSocket } from './lib.js';

type ToWorker = { type: 'arm'; symbol: string; timeoutMs: number } | { type: 'close' };
type FromWorker =
  | { type: 'connected'; clients: number; failed: number }
  | { type: 'armed'; symbol: string }
  | { type: 'receipts'; symbol: string; receipts: number[] };

interface WorkerInput {
  url: string;
  token: string;
  count: number;
}

export interface FanoutClients {
  clients: number;
  /**
   * Listens for the OI alert of `symbol` on every client, then calls `send` and resolves with the receipt
   * times of the clients that got it within `timeoutMs`.
   */
  round(symbol: string, send: () => Promise<void>, timeoutMs: number): Promise<number[]>;
  close(): Promise<void>;
}

/** Starts the worker and connects `count` clients (50 at a time), each subscribed to the OI batch. */
export async function startFanoutClients(input: WorkerInput): Promise<FanoutClients> {
  const worker = new Worker(new URL('./fanout-worker.mjs', import.meta.url), { workerData: input });
  const next = <T extends FromWorker['type']>(type: T, timeoutMs: number) =>
    new Promise<Extract<FromWorker, { type: T }>>((resolve, reject) => {
      const timer = setTimeout(() => {
        worker.off('message', onMessage);
        reject(new Error(`fan-out worker: no '${type}' within ${timeoutMs} ms`));
      }, timeoutMs);
      const onMessage = (m: FromWorker) => {
        if (m.type !== type) return;
        clearTimeout(timer);
        worker.off('message', onMessage);
        resolve(m as Extract<FromWorker, { type: T }>);
      };
      worker.on('message', onMessage);
    });
  const failed = new Promise<never>((_, reject) => worker.once('error', reject));
  const connected = await Promise.race([next('connected', 300_000), failed]);
  const post = (m: ToWorker) => worker.postMessage(m);
  return {
    clients: connected.clients,
    async round(symbol, send, timeoutMs) {
      const armed = next('armed', 10_000);
      post({ type: 'arm', symbol, timeoutMs });
      await armed;
      const receipts = next('receipts', timeoutMs + 5_000);
      await send();
      return (await receipts).receipts;
    },
    async close() {
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      post({ type: 'close' });
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      await worker.terminate();
    },
  };
}

async function runWorker(input: WorkerInput, port: NonNullable<typeof parentPort>): Promise<void> {
  const send = (m: FromWorker) => port.postMessage(m);
  const clients: Socket[] = [];
  let failed = 0;
  for (let i = 0; i < input.count; i += 50) {
    const batch = await Promise.allSettled(
      // Each subscribes to the OI batch as soon as it is connected, as a many-symbol client does.
      Array.from({ length: Math.min(50, input.count - i) }, () =>
        connectSocket(input.url, input.token).then((s) => s.emit('subscribe-oi-batch')),
      ),
    );
    for (const b of batch) {
      if (b.status === 'fulfilled') clients.push(b.value);
      else failed++;
    }
  }
  send({ type: 'connected', clients: clients.length, failed });
  port.on('message', (m: ToWorker) => {
    if (m.type === 'close') {
      for (const c of clients) c.close();
      port.close();
      return;
    }
    const receipts: number[] = [];
    let pending = clients.length;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      send({ type: 'receipts', symbol: m.symbol, receipts });
    };
    const timer = setTimeout(finish, m.timeoutMs);
    for (const c of clients) {
      c.once('open-interest-alert', (a: { symbol: string }) => {
        if (a.symbol === m.symbol) receipts.push(Date.now());
        if (--pending === 0) finish();
      });
    }
    send({ type: 'armed', symbol: m.symbol });
  });
}

if (!isMainThread && parentPort) void runWorker(workerData as WorkerInput, parentPort);
