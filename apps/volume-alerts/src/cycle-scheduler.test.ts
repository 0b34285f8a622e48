import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '@volspike/runtime';
import { CycleScheduler } from './cycle-scheduler.js';

const T = (hhmmss: string): number => Date.parse(`2025-03-01T${hhmmss}Z`);
const iso = (t: number): string => new Date(t).toISOString().slice(11, 23);
const logger = createLogger({ name: 'test', level: 'silent' });

describe('CycleScheduler', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('runs on every 5-minute UTC boundary with the boundary as cycle time, without drift', async () => {
    vi.setSystemTime(T('10:03:17.400'));
    const seen: string[] = [];
    const s = new CycleScheduler({
      lastSlot: null,
      logger,
      runCycle: async () => {
        seen.push(iso(Date.now()));
        await vi.advanceTimersByTimeAsync(7_000); // a 7 s scan
      },
    });
    s.start();
    await vi.advanceTimersByTimeAsync(16 * 60_000);
    await s.stop();
    expect(seen).toEqual(['10:05:00.000', '10:10:00.000', '10:15:00.000']);
  });

  it('runs a boundary that passed during an overlong cycle at once, with that boundary as its time (no skipped :30)', async () => {
    vi.setSystemTime(T('10:24:59.000'));
    const times: string[] = [];
    let first = true;
    const s = new CycleScheduler({
      lastSlot: T('10:20:00.000'),
      logger,
      runCycle: async (t) => {
        times.push(`${iso(t)}@${iso(Date.now())}`);
        if (first) {
          first = false;
          await vi.advanceTimersByTimeAsync(5 * 60_000 + 20_000); // overruns the :30 boundary
        }
      },
    });
    s.start();
    await vi.advanceTimersByTimeAsync(6 * 60_000);
    await s.stop();
    expect(times.slice(0, 2)).toEqual(['10:25:00.000@10:25:00.000', '10:30:00.000@10:30:20.000']);
  });

  it('catches up the boundary a restart just missed (persisted last cycle)', async () => {
    vi.setSystemTime(T('11:00:40.000'));
    const times: number[] = [];
    const s = new CycleScheduler({ lastSlot: T('10:55:00.000'), logger, runCycle: async (t) => void times.push(t) });
    s.start();
    await vi.advanceTimersByTimeAsync(10);
    await s.stop();
    expect(times).toEqual([T('11:00:00.000')]);
  });
});
