import { VolspikeError } from '@volspike/errors';
import { createBus, createMetrics } from '@volspike/runtime';
import type { Logger } from '@volspike/runtime';
import type { WeightBudget } from '@volspike/binance-client';
import { FIVE_MINUTES_MS } from '@volspike/oi-core';
import type { Env } from './env.js';
import { start } from './index.js';
import type { CycleResult } from './volume-cycle.js';

export class ReplayArgsError extends VolspikeError<'REPLAY_ARGS_INVALID'> {
  constructor(message: string) {
    super('REPLAY_ARGS_INVALID', message);
  }
}

/** `--at <ISO>` values → epoch ms, in the given order. Each must be a UTC 5-minute boundary (a cycle time). */
export function parseReplayArgs(argv: readonly string[]): { times: number[]; flushTimeoutMs: number } {
  const times: number[] = [];
  let flushTimeoutMs = 60_000;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[i + 1];
    if (a === '--at') {
      if (v === undefined) throw new ReplayArgsError('--at needs an ISO time, e.g. --at 2025-03-01T10:30:00Z');
      const t = Date.parse(v);
      if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(v) || Number.isNaN(t))
        throw new ReplayArgsError(`--at ${v}: not an ISO-8601 time with a zone (e.g. 2025-03-01T10:30:00Z)`);
      if (t % FIVE_MINUTES_MS !== 0)
        throw new ReplayArgsError(`--at ${v}: cycles run on 5-minute UTC boundaries (:00, :05 …)`);
      times.push(t);
      i++;
    } else if (a === '--flush-timeout-ms') {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0)
        throw new ReplayArgsError(`--flush-timeout-ms ${v ?? ''}: not a non-negative integer`);
      flushTimeoutMs = n;
      i++;
    } else throw new ReplayArgsError(`unknown argument ${a ?? ''}`);
  }
  if (times.length === 0) throw new ReplayArgsError('give at least one --at <ISO>');
  return { times, flushTimeoutMs };
}

/**
 * One cycle per time, in order, in one process: state (already alerted, initial minute) carries across,
 * candles are REST klines with endTime = the cycle time, and a cycle's deliveries are flushed before the
 * next cycle's candles are fetched. Returns the cycles and how many deliveries are still queued.
 */
export async function runReplay(p: {
  env: Env;
  times: readonly number[];
  logger: Logger;
  budget: WeightBudget;
  dataDir: string;
  replayDir?: string;
  flushTimeoutMs?: number;
  now?: () => number;
}): Promise<{ cycles: CycleResult[]; undelivered: number }> {
  const bus = createBus({ logger: p.logger.child({ component: 'bus' }) });
  const app = await start(
    p.env,
    { logger: p.logger, bus, budget: p.budget, dataDir: p.dataDir, metrics: createMetrics() },
    {
      mode: 'replay',
      schedule: false,
      ...(p.replayDir ? { replayDir: p.replayDir } : {}),
      ...(p.now ? { now: p.now } : {}),
    },
  );
  const cycles: CycleResult[] = [];
  try {
    for (const t of p.times) {
      const r = await app.runCycle(t);
      cycles.push(r.volume);
      await app.flush(p.flushTimeoutMs ?? 60_000);
    }
    return { cycles, undelivered: app.pending() };
  } finally {
    await app.stop();
    await bus.close();
  }
}
