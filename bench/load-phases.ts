// The load phases on the kept (activity) stack: fan-out rounds with the stack at rest, then the ingest phase
// with the same clients attached and more rounds during it. Postgres' durability settings are recorded.
import { loadavg } from 'node:os';
import type { PrismaClient } from '@volspike/db';
import { createUser } from './users.js';
import { CONFIG, log } from './config.js';
import { fanoutStats, startFanout, type Fanout, type RoundResult } from './fanout.js';
import { runIngestLoad, runLiveStream } from './ingest-load.js';
import { percentile, round, sleep } from './lib.js';
import type { PeakMemory } from './memory.js';
import type { BenchStack } from './stack.js';

const MARKER_BASE = 900_000_000;
/** the stack's OI_UPDATE_TICK_MS (the backend's default) */
const OI_UPDATE_TICK_MS = 1000;

async function durability(prisma: PrismaClient): Promise<{ fsync: string | null; synchronousCommit: string | null }> {
  const show = async (name: string) =>
    prisma
      .$queryRawUnsafe<Record<string, string>[]>(`SHOW ${name}`)
      .then((r) => Object.values(r[0] ?? {})[0] ?? null)
      .catch(() => null);
  return { fsync: await show('fsync'), synchronousCommit: await show('synchronous_commit') };
}

async function rounds(
  fan: Fanout,
  stack: BenchStack,
  first: number,
  count: number,
  until?: () => boolean,
): Promise<RoundResult[]> {
  const out: RoundResult[] = [];
  for (let i = 0; i < count && (until === undefined || !until()); i++) {
    out.push(await fan.round(stack.apiUrl, stack.ingestKey, MARKER_BASE + first + i, i));
    await sleep(1500);
  }
  return out;
}

/** Rows of the ingest phase, its throughput and the fan-out rounds that ran meanwhile. */
async function ingestWithRounds(fan: Fanout, stack: BenchStack, prisma: PrismaClient, universeSize: number) {
  const count = () =>
    prisma.openInterestSnapshot.count({ where: { source: 'realtime', symbol: { startsWith: 'BENCH' } } });
  const before = await count();
  let done = false;
  const load = runIngestLoad({
    url: `${stack.apiUrl}/api/market/open-interest/ingest`,
    apiKey: stack.ingestKey,
    clients: CONFIG.ingestClients,
    seconds: CONFIG.ingestSec,
    batchSize: CONFIG.ingestBatch,
    symbolPrefix: 'BENCH',
    // A backfill of a universe-sized symbol set (its samples are two hours old: stored, not broadcast).
    symbolsPerClient: Math.ceil(universeSize / CONFIG.ingestClients),
  });
  // Beside it, the live samples of a universe-sized symbol set, each once a second (13 times what one IP's
  // budget lets the poller read, ≈ 33 a second): what the backend broadcasts to the batch clients meanwhile.
  const live = runLiveStream({
    url: `${stack.apiUrl}/api/market/open-interest/ingest`,
    apiKey: stack.ingestKey,
    symbols: universeSize,
    symbolPrefix: 'BENCHLIVE',
    seconds: CONFIG.ingestSec,
  });
  const both = Promise.all([load, live]).finally(() => {
    done = true;
  });
  await sleep(1000);
  const during = await rounds(fan, stack, 1000, 1000, () => done);
  const [result, liveResult] = await both;
  const rows = (await count()) - before;
  return { result, liveResult, rows, during };
}

/** The fan-out figures: both paths at rest, and both during the ingest phase. */
function socketFigures(fan: Fanout, idle: RoundResult[], during: RoundResult[]): Record<string, unknown> {
  const duringAll = during.flatMap((r) => [...r.perSymbol, ...r.batch].map((x) => x.at - r.sentAt));
  return {
    clients: fan.perSymbolClients + fan.batchClients,
    failedToConnect: fan.failed,
    perSymbol: { clients: fan.perSymbolClients, ...fanoutStats(idle, 'perSymbol', fan.batchClients) },
    batch: { clients: fan.batchClients, ...fanoutStats(idle, 'batch', fan.batchClients) },
    duringIngest: {
      p99Ms: percentile(duringAll, 99),
      p50Ms: percentile(duringAll, 50),
      rounds: during.length,
      /** per round: the POST's answer time (the round's batch waits behind the load's in the backend) */
      postMs: during.map((r) => r.postMs),
      perSymbol: fanoutStats(during, 'perSymbol', fan.batchClients),
      batch: fanoutStats(during, 'batch', fan.batchClients),
    },
    rounds: idle.length,
    postMs: idle.map((r) => r.postMs),
    /** per round: symbols sent, and symbols left out because the backend had sent them within the tick */
    roundSymbols: idle.map((r) => r.symbols),
    leftOut: idle.map((r) => r.leftOut),
    oiUpdateTickMs: OI_UPDATE_TICK_MS,
  };
}

export async function runLoadPhases(
  stack: BenchStack,
  prisma: PrismaClient,
  symbols: string[],
  peak: () => PeakMemory,
): Promise<{
  socket: Record<string, unknown>;
  ingest: Record<string, unknown>;
  /** the stack's VmHWM (MB) at the end of each phase: which phase raised the peak */
  peakByPhase: Record<string, number | null>;
  fanoutPid: number;
  close: () => Promise<void>;
}> {
  const token = await createUser(prisma, stack.jwtSecret, 'bench-pro@example.com', 'pro');
  const fan = await startFanout({
    url: stack.apiUrl,
    token,
    count: CONFIG.socketClients,
    symbols,
    holdMs: OI_UPDATE_TICK_MS + 200,
  });
  log(
    `fan-out: ${fan.perSymbolClients} per-symbol + ${fan.batchClients} batch clients (${fan.failed} failed) in pid ${fan.pid}`,
  );
  await sleep(2000);
  const peakByPhase: Record<string, number | null> = { clientsConnected: peak().stackMb };
  const idle = await rounds(fan, stack, 0, CONFIG.fanoutRounds);
  peakByPhase.fanoutAtRest = peak().stackMb;
  const load0 = loadavg()[0]!;
  const postgres = await durability(prisma);
  const phase = await ingestWithRounds(fan, stack, prisma, symbols.length).catch((err: unknown) => {
    log(`ingest phase failed: ${String(err)}`);
    return {
      error: err instanceof Error ? `${err.message}${err.cause ? ` (${String(err.cause)})` : ''}` : String(err),
    };
  });
  peakByPhase.ingest = peak().stackMb;
  if ('error' in phase) {
    const socket = { ...socketFigures(fan, idle, []), duringIngest: { error: phase.error } };
    return {
      socket,
      ingest: { error: phase.error, postgres },
      peakByPhase,
      fanoutPid: fan.pid,
      close: () => fan.close(),
    };
  }
  const { result, liveResult, rows, during } = phase;
  log(`ingest: ${rows} rows in ${result.seconds.toFixed(1)} s; ${during.length} fan-out rounds meanwhile`);
  const socket = socketFigures(fan, idle, during);
  const ingest = {
    samplesPerSec: Math.round(rows / result.seconds),
    rows,
    batches: result.batches,
    failedBatches: result.failedBatches,
    firstError: result.firstError,
    clients: CONFIG.ingestClients,
    batchSize: CONFIG.ingestBatch,
    /** the live stream beside the bulk load (its rows are in `rows`) */
    live: { symbols: symbols.length, ...liveResult },
    seconds: round(result.seconds, 1),
    postgres,
    loadAvg1mAtStart: round(load0),
  };
  return { socket, ingest, peakByPhase, fanoutPid: fan.pid, close: () => fan.close() };
}
