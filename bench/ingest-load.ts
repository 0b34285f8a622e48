// Load generator of the ingest benchmark: `clients` concurrent loops, each POSTing realtime OI batches of
// `batchSize` samples for its own symbols (like poller shards) to `POST /api/market/open-interest/ingest`
// with an Idempotency-Key, as the oi-poller does. Bodies are built by concatenating pre-serialized pieces
// and sent over keep-alive sockets with node:http, so the generator costs little CPU next to the server it
// measures (they share the machine).
import { Agent, request } from 'node:http';

export interface IngestLoadOptions {
  /** the ingest endpoint, e.g. http://127.0.0.1:3001/api/market/open-interest/ingest */
  url: string;
  apiKey: string;
  clients: number;
  seconds: number;
  batchSize: number;
  /** client w sends the symbols `${symbolPrefix}${w}X${k}USDT`, k < symbolsPerClient ([A-Z0-9] only) */
  symbolPrefix: string;
  /**
   * Symbols of each client (default batchSize: one sample per symbol per batch). Fewer: a batch holds several
   * samples of each symbol, 1 ms apart (at most BATCH_STEP_MS per symbol per batch).
   */
  symbolsPerClient?: number;
  /** time of the first batch (default: now − 2 h, inside the backend's 3 h native-resolution window) */
  startTs?: number;
}

export interface IngestLoadResult {
  /** batches sent (answered or not) */
  batches: number;
  /** batches not answered with 200 (status, network error or timeout) */
  failedBatches: number;
  /** wall time from the first request to the last answer */
  seconds: number;
  /** what went wrong with the first failed batch (status and body start, or the network error) */
  firstError: string | null;
}

const REQUEST_TIMEOUT_MS = 30_000;
/** each client's batches are this far apart in sample time, so every (symbol, ts) is new */
const BATCH_STEP_MS = 100;

interface Pieces {
  before: string[];
  middle: string;
  /** item k's offset (ms) from the batch's time: its round over the client's symbols */
  offsetMs: number[];
  symbols: number;
}

/**
 * The body of one client's batches, split around the values that change per batch. Item k is
 * `{"symbol":…,"openInterest":<base+k+b>,"openInterestUsd":null,"markPrice":null,"ts":"<ts + offset>"}`.
 */
function bodyPieces(symbolPrefix: string, w: number, batchSize: number, symbols: number): Pieces {
  const before = Array.from(
    { length: batchSize },
    (_, k) => `${k === 0 ? '{"data":[' : ','}{"symbol":"${symbolPrefix}${w}X${k % symbols}USDT","openInterest":`,
  );
  const offsetMs = Array.from({ length: batchSize }, (_, k) => Math.floor(k / symbols));
  return { before, middle: ',"openInterestUsd":null,"markPrice":null,"ts":"', offsetMs, symbols };
}

function buildBody(p: Pieces, b: number, batchTs: number): string {
  const tsOf = new Map<number, string>();
  let s = '';
  for (let k = 0; k < p.before.length; k++) {
    const offset = p.offsetMs[k]!;
    let ts = tsOf.get(offset);
    if (ts === undefined) tsOf.set(offset, (ts = new Date(batchTs + offset).toISOString()));
    s += `${p.before[k]}${1000 + k + b}${p.middle}${ts}"}`;
  }
  return `${s}],"timestamp":"${new Date(batchTs).toISOString()}","totalSymbols":${p.symbols},"source":"realtime"}`;
}

function post(
  url: URL,
  agent: Agent,
  headers: Record<string, string>,
  body: Buffer,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: { ...headers, 'content-type': 'application/json', 'content-length': String(body.length) },
        timeout: REQUEST_TIMEOUT_MS,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** Counts the batches sent and the failed ones, keeping what went wrong with the first failure. */
class Tally {
  batches = 0;
  failed = 0;
  firstError: string | null = null;
  private readonly started = Date.now();

  /** Sends one batch through `post` and counts its outcome (never throws). */
  async send(post: () => Promise<{ status: number; text: string }>): Promise<void> {
    this.batches++;
    try {
      const r = await post();
      if (r.status !== 200) this.fail(`HTTP ${r.status}: ${r.text.slice(0, 200)}`);
    } catch (err) {
      this.fail((err as Error).message);
    }
  }

  private fail(message: string): void {
    this.failed++;
    this.firstError ??= message;
  }

  result(): IngestLoadResult {
    const { batches, failed, firstError } = this;
    return { batches, failedBatches: failed, seconds: (Date.now() - this.started) / 1000, firstError };
  }
}

/** Runs the load for `seconds` (each loop finishes its batch in flight) and counts what was sent. */
export async function runIngestLoad(opts: IngestLoadOptions): Promise<IngestLoadResult> {
  if (!/^[A-Z0-9]*$/.test(opts.symbolPrefix)) throw new Error('symbolPrefix: [A-Z0-9] only');
  if (opts.clients < 1 || opts.batchSize < 1 || opts.seconds <= 0) throw new Error('clients, batchSize, seconds > 0');
  const symbols = Math.min(opts.batchSize, opts.symbolsPerClient ?? opts.batchSize);
  if (symbols < 1 || Math.ceil(opts.batchSize / symbols) > BATCH_STEP_MS)
    throw new Error(`symbolsPerClient: 1 … batchSize, at most ${BATCH_STEP_MS} samples of a symbol per batch`);
  const url = new URL(opts.url);
  const agent = new Agent({ keepAlive: true, maxSockets: opts.clients });
  const headers = { 'x-api-key': opts.apiKey };
  const startTs = opts.startTs ?? Date.now() - 2 * 3_600_000;
  const run = Date.now().toString(36);
  const tally = new Tally();
  const end = Date.now() + opts.seconds * 1000;

  const client = async (w: number): Promise<void> => {
    const pieces = bodyPieces(opts.symbolPrefix, w, opts.batchSize, symbols);
    for (let b = 0; Date.now() < end; b++) {
      const body = Buffer.from(buildBody(pieces, b, startTs + b * BATCH_STEP_MS));
      await tally.send(() => post(url, agent, { ...headers, 'idempotency-key': `bench-${run}-${w}-${b}` }, body));
    }
  };
  try {
    await Promise.all(Array.from({ length: opts.clients }, (_, w) => client(w)));
  } finally {
    agent.destroy();
  }
  return tally.result();
}

export interface LiveStreamOptions {
  url: string;
  apiKey: string;
  /** symbols `${symbolPrefix}${k}USDT`, k < symbols, each sent once a second at the current time */
  symbols: number;
  symbolPrefix: string;
  seconds: number;
  /** batches a second (default 10: a tenth of the symbols every 100 ms) */
  batchesPerSec?: number;
}

/**
 * A universe's live samples beside the bulk load: every symbol once a second, stamped now (what the backend
 * broadcasts; the bulk load's samples are hours old, a backfill, stored but not broadcast). Batches go out on
 * a fixed schedule, not waiting for the previous answer: a live publisher does not slow down with the backend.
 */
export async function runLiveStream(opts: LiveStreamOptions): Promise<IngestLoadResult> {
  if (!/^[A-Z0-9]*$/.test(opts.symbolPrefix)) throw new Error('symbolPrefix: [A-Z0-9] only');
  const perSec = opts.batchesPerSec ?? 10;
  const url = new URL(opts.url);
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  const run = Date.now().toString(36);
  const started = Date.now();
  const tally = new Tally();
  const inFlight: Promise<void>[] = [];
  for (let b = 0; Date.now() < started + opts.seconds * 1000; b++) {
    const ts = new Date().toISOString();
    const items: string[] = [];
    for (let k = b % perSec; k < opts.symbols; k += perSec)
      items.push(
        `{"symbol":"${opts.symbolPrefix}${k}USDT","openInterest":${1000 + b},"openInterestUsd":null,"markPrice":null,"ts":"${ts}"}`,
      );
    const body = Buffer.from(`{"data":[${items.join(',')}],"source":"realtime"}`);
    inFlight.push(
      tally.send(() =>
        post(url, agent, { 'x-api-key': opts.apiKey, 'idempotency-key': `bench-live-${run}-${b}` }, body),
      ),
    );
    const next = started + ((b + 1) * 1000) / perSec;
    await new Promise((r) => setTimeout(r, Math.max(0, next - Date.now())));
  }
  try {
    await Promise.all(inFlight);
  } finally {
    agent.destroy();
  }
  return tally.result();
}
