// `npm run bench` (`-- --quick` for a short iteration run): the whole stack against the simulated exchange on
// loopback, twice — OI_SCHEDULER=fixed, then activity — with the same seeded moves, then the fan-out and
// ingest phases on the activity stack. Writes bench/results/latest.json and prints a table of targets. It
// reports, it does not judge: it exits 0 even when a target is missed. Every wait is bounded.
import { cpus, loadavg } from 'node:os';
import { createLogger } from '@volspike/runtime';
import { CONFIG, log } from './config.js';
import { round } from './lib.js';
import { runLoadPhases } from './load-phases.js';
import { planMoves } from './moves.js';
import { report } from './report.js';
import { benchStackFlags } from './stack.js';
import { rankedUniverse, runScheduler, type SchedulerRun } from './scheduler-run.js';

type Json = Record<string, unknown>;

function combine(fixed: Json, activity: Json, seed: number): Json {
  const p99 = (r: Json) => ((r.alerts as Json).latencyMs as { p99: number | null }).p99;
  const f = p99(fixed);
  const a = p99(activity);
  const rest = (r: Json) => r.rest as { rejected429: number; banned418: number };
  return {
    // the default scheduler's figures at the top; both runs under oi.byScheduler
    oi: { ...(activity.oi as Json), byScheduler: { fixed: fixed.oi, activity: activity.oi } },
    alerts: {
      seed,
      fixed: fixed.alerts,
      activity: activity.alerts,
      p99Ratio: f !== null && a !== null && a > 0 ? round(f / a, 2) : null,
    },
    rest: {
      rejected429: rest(fixed).rejected429 + rest(activity).rejected429,
      banned418: rest(fixed).banned418 + rest(activity).banned418,
      byScheduler: { fixed: fixed.rest, activity: activity.rest },
    },
    runs: {
      fixed: { warmUpSec: fixed.warmUpSec, loadAvg: fixed.loadAvg },
      activity: { warmUpSec: activity.warmUpSec, loadAvg: activity.loadAvg },
    },
  };
}

function memoryFigures(fixed: SchedulerRun | null, activity: SchedulerRun): Json {
  const peakA = activity.memory();
  const peakF = fixed?.memory() ?? { stackMb: null, embeddedDatabaseMb: null };
  const peaks = [peakA.stackMb, peakF.stackMb].filter((v): v is number => v !== null);
  const db = [peakA.embeddedDatabaseMb, peakF.embeddedDatabaseMb].filter((v): v is number => v !== null);
  return {
    peakRssMb: peaks.length ? Math.max(...peaks) : null,
    embeddedDatabasePeakMb: db.length ? Math.max(...db) : null,
    byScheduler: { fixed: peakF, activity: peakA },
    measuredAs:
      'VmHWM of the stack process, sampled every second over all phases of its run; child processes (the embedded database) separately',
    nodeFlags: benchStackFlags(),
  };
}

async function main(): Promise<void> {
  const started = Date.now();
  const loadStart = loadavg();
  const logger = createLogger({ name: 'bench', level: CONFIG.logLevel });
  const results: Json = {};
  const open: SchedulerRun[] = [];
  const closers: (() => Promise<void>)[] = [];
  try {
    const ranked = await rankedUniverse();
    const moves = planMoves({
      ranked,
      count: CONFIG.moves,
      windowMs: CONFIG.windowSec * 1000,
      seed: CONFIG.seed,
      movePct: CONFIG.movePct,
      exclude: ['USDCUSDT'],
    });
    log(
      `${ranked.length} liquid symbols; ${moves.length} moves planned (seed ${CONFIG.seed}); ${CONFIG.quick ? 'QUICK mode' : 'full run'}`,
    );
    const fixed = CONFIG.loadOnly ? null : await runScheduler('fixed', moves, logger, false);
    const activity = await runScheduler('activity', CONFIG.loadOnly ? [] : moves, logger, true);
    open.push(activity);
    if (fixed) Object.assign(results, combine(fixed.results, activity.results, CONFIG.seed));
    else results.runs = { activity: activity.results };
    const afterWindow = activity.memory().stackMb;
    const phases = await runLoadPhases(activity.stack, activity.prisma, ranked, () => activity.memory()).catch(
      (err: unknown) => {
        log(`load phases failed: ${String(err)}`);
        return { socket: { error: String(err) }, ingest: { error: String(err) }, close: async () => undefined };
      },
    );
    closers.push(phases.close);
    results.socket = phases.socket;
    results.ingest = phases.ingest;
    results.memory = {
      ...memoryFigures(fixed, activity),
      activityByPhase: { window: afterWindow, ...('peakByPhase' in phases ? phases.peakByPhase : {}) },
    };
    const exit = activity.stack.exit();
    if (exit) results.stackExited = { ...exit, during: 'fan-out / ingest phases (activity stack)' };
  } catch (err) {
    console.error('[bench] failed:', err);
    results.error = err instanceof Error ? err.message : String(err);
  } finally {
    for (const c of [...closers, ...open.map((r) => r.stop)])
      await c().catch((err: unknown) => console.error('[bench] cleanup failed:', err));
  }
  results.run = {
    at: new Date().toISOString(),
    quick: CONFIG.quick,
    loadOnly: CONFIG.loadOnly,
    windowSec: CONFIG.windowSec,
    symbols: CONFIG.symbols,
    moves: CONFIG.moves,
    timeframes: CONFIG.timeframes,
    database: CONFIG.databaseUrl ? 'external' : 'embedded',
    bus: CONFIG.redisUrl ? 'redis' : 'memory',
    node: process.version,
    cores: cpus().length,
    wallSec: Math.round((Date.now() - started) / 1000),
    loadAvg: { start: loadStart.map((v) => round(v)), end: loadavg().map((v) => round(v)) },
  };
  report(results);
}

await main();
// sockets, pools or timers of a failed component must not keep the bench alive
process.exit(0);
