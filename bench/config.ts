// The bench's knobs, read once from the environment (and `--quick` on the command line). Quick mode shortens
// every phase so that a run finishes in a few minutes, for iteration; its numbers are not the record.
const QUICK = process.argv.includes('--quick') || process.env.BENCH_QUICK === '1';
/** `--load-only` / BENCH_LOAD_ONLY=1: only the activity stack's warm-up and the fan-out and ingest phases. */
const LOAD_ONLY = process.argv.includes('--load-only') || process.env.BENCH_LOAD_ONLY === '1';

function num(name: string, full: number, quick: number, min: number): number {
  const raw = process.env[name];
  const v = raw === undefined || raw === '' ? (QUICK ? quick : full) : Number(raw);
  if (!Number.isFinite(v) || v < min) throw new Error(`${name}: must be a number ≥ ${min} (got "${raw}")`);
  return v;
}

export type SchedulerMode = 'fixed' | 'activity';

export const CONFIG = {
  quick: QUICK,
  /** no fixed run and no OI window: the load phases on a warm activity stack (iterating on fan-out / ingest) */
  loadOnly: LOAD_ONLY,
  /** measured OI window per scheduler run, seconds */
  windowSec: num('BENCH_SECONDS', 120, 60, 20),
  /** liquid universe size out of the sim's 550 USDT perpetuals */
  symbols: num('BENCH_SYMBOLS', 450, 450, 30),
  simSymbols: 550,
  /** injected OI moves per scheduler run, spread over the universe's rank thirds */
  moves: num('BENCH_MOVES', 30, 30, 3),
  /** the seed of the move plan (symbols, times, directions) and of the sim */
  seed: num('BENCH_SEED', 42, 42, 0),
  /** size of an injected step, percent (a step: the sim's OI crosses the threshold at the injection instant) */
  movePct: 12,
  ingestSec: num('BENCH_INGEST_SECONDS', 10, 6, 1),
  ingestClients: num('BENCH_INGEST_CLIENTS', 8, 8, 1),
  ingestBatch: 500,
  socketClients: num('BENCH_SOCKET_CLIENTS', 1000, 1000, 2),
  /** fan-out rounds with the stack idle, and again during the ingest phase */
  fanoutRounds: num('BENCH_FANOUT_ROUNDS', 5, 3, 1),
  schedulers: ['fixed', 'activity'] as SchedulerMode[],
  /** OI_MAX_STALENESS_MS of the activity scheduler (its default) */
  maxStalenessMs: 30_000,
  /**
   * The alert rules of the run: a 30-second lookback (±15 s) at 5 % (any absolute size) ahead of the defaults. A fresh
   * stack has no 5-minute-old baseline for most symbols until the warm start has fetched their
   * openInterestHist (paced at 400 ms each: 3 minutes for 450 symbols), so the defaults alone would time
   * the warm start, not the scheduler. The defaults still run (and may alert) and are checked for false alerts.
   */
  timeframes: '30s:5%:900s:tol=15s:min=1,5m:3%:600s,15m:5%:900s,1h:10%:3600s,w60-30:5%:3600s',
  logLevel: process.env.LOG_LEVEL ?? 'warn',
  databaseUrl: process.env.DATABASE_URL || undefined,
  redisUrl: process.env.REDIS_URL || undefined,
};

export const OI_PATH = '/fapi/v1/openInterest';

export const log = (msg: string): void => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}`);
