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
  /** client w sends the symbols `${symbolPrefix}${w}X${k}USDT`, k < batchSize ([A-Z0-9] only) */
  symbolPrefix: string;
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

/**
 * The body of one client's batches, split around the values that change per batch. Item k is
 * `{"symbol":…,"openInterest":<base+k+b>,"openInterestUsd":null,"markPrice":null,"ts":"<ts>"}`.
 */
function bodyPieces(symbolPrefix: string, w: number, batchSize: number): { before: string[]; middle: string } {
  const before = Array.from(
    { length: batchSize },
    (_, k) => `${k === 0 ? '{"data":[' : ','}{"symbol":"${symbolPrefix}${w}X${k}USDT","openInterest":`,
  );
  return { before, middle: ',"openInterestUsd":null,"markPrice":null,"ts":"' };
}

function buildBody(p: { before: string[]; middle: string }, b: number, ts: string): string {
  let s = '';
  for (let k = 0; k < p.before.length; k++) s += `${p.before[k]}${1000 + k + b}${p.middle}${ts}"}`;
  return `${s}],"timestamp":"${ts}","totalSymbols":${p.before.length},"source":"realtime"}`;
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

/** Runs the load for `seconds` (each loop finishes its batch in flight) and counts what was sent. */
export async function runIngestLoad(opts: IngestLoadOptions): Promise<IngestLoadResult> {
  if (!/^[A-Z0-9]*$/.test(opts.symbolPrefix)) throw new Error('symbolPrefix: [A-Z0-9] only');
  if (opts.clients < 1 || opts.batchSize < 1 || opts.seconds <= 0) throw new Error('clients, batchSize, seconds > 0');
  const url = new URL(opts.url);
  const agent = new Agent({ keepAlive: true, maxSockets: opts.clients });
  const headers = { 'x-api-key': opts.apiKey };
  const startTs = opts.startTs ?? Date.now() - 2 * 3_600_000;
  const run = Date.now().toString(36);
  let batches = 0;
  let failed = 0;
  let firstError: string | null = null;
  const started = Date.now();
  const end = started + opts.seconds * 1000;

  const client = async (w: number): Promise<void> => {
    const pieces = bodyPieces(opts.symbolPrefix, w, opts.batchSize);
    for (let b = 0; Date.now() < end; b++) {
      const ts = new Date(startTs + b * BATCH_STEP_MS).toISOString();
      const body = Buffer.from(buildBody(pieces, b, ts));
      batches++;
      try {
        const r = await post(url, agent, { ...headers, 'idempotency-key': `bench-${run}-${w}-${b}` }, body);
        if (r.status !== 200) {
          failed++;
          firstError ??= `HTTP ${r.status}: ${r.text.slice(0, 200)}`;
        }
      } catch (err) {
        failed++;
        firstError ??= (err as Error).message;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: opts.clients }, (_, w) => client(w)));
  } finally {
    agent.destroy();
  }
  return { batches, failedBatches: failed, seconds: (Date.now() - started) / 1000, firstError };
}
