import { describe, expect, it } from 'vitest';
import { IngestGate } from './ingest-gate.js';

/** A statement the test finishes by hand, recording when it started. */
function statement(log: string[], name: string) {
  let finish!: () => void;
  const done = new Promise<void>((r) => (finish = r));
  return {
    run: async () => {
      log.push(`start ${name}`);
      await done;
      return name;
    },
    finish,
  };
}

const settle = () => new Promise((r) => setImmediate(r));

describe('IngestGate', () => {
  it('runs at most `concurrency` statements, then the smallest waiting batch first (the oldest among equals)', async () => {
    const gate = new IngestGate({ concurrency: 2, maxWaitMs: 1000, now: () => 0 });
    const log: string[] = [];
    const s = Object.fromEntries(['a', 'b', 'c', 'd', 'e', 'f'].map((n) => [n, statement(log, n)]));
    const results = [
      gate.run(500, s.a!.run),
      gate.run(500, s.b!.run),
      gate.run(500, s.c!.run), // waits
      gate.run(40, s.d!.run), // waits, smallest
      gate.run(500, s.e!.run), // waits
      gate.run(40, s.f!.run), // waits, as small as d but later
    ];
    await settle();
    expect(log).toEqual(['start a', 'start b']);
    expect(gate.stats()).toMatchObject({ running: 2, waiting: 4 });
    s.a!.finish();
    await settle();
    s.b!.finish();
    await settle();
    expect(log).toEqual(['start a', 'start b', 'start d', 'start f']);
    s.d!.finish();
    await settle();
    expect(log.at(-1)).toBe('start c'); // the oldest of the 500-row batches
    for (const n of ['c', 'e', 'f']) s[n]!.finish();
    await settle();
    s.e!.finish();
    expect(await Promise.all(results)).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    expect(gate.stats()).toMatchObject({ running: 0, waiting: 0, admitted: 6 });
  });

  it('lets a batch that waited maxWaitMs go before smaller, newer ones (no starvation)', async () => {
    let now = 0;
    const gate = new IngestGate({ concurrency: 1, maxWaitMs: 1000, now: () => now });
    const log: string[] = [];
    const first = statement(log, 'first');
    const big = statement(log, 'big');
    const small = statement(log, 'small');
    const runs = [gate.run(10, first.run), gate.run(500, big.run)];
    now = 1500; // the 500-row batch has now waited 1.5 s
    runs.push(gate.run(10, small.run));
    await settle();
    first.finish();
    await settle();
    expect(log).toEqual(['start first', 'start big']);
    big.finish();
    small.finish();
    await Promise.all(runs);
    expect(log).toEqual(['start first', 'start big', 'start small']);
    expect(gate.stats().waitedMs).toBe(1500);
  });

  it('frees its slot when a statement fails', async () => {
    const gate = new IngestGate({ concurrency: 1, maxWaitMs: 1000 });
    await expect(gate.run(1, () => Promise.reject(new Error('unique violation')))).rejects.toThrow('unique violation');
    expect(await gate.run(1, () => Promise.resolve('next'))).toBe('next');
    expect(gate.stats()).toMatchObject({ running: 0, waiting: 0 });
  });

  it('tells its observer each admission with its wait, and each change of the counts', async () => {
    let now = 0;
    const events: string[] = [];
    const gate = new IngestGate({
      concurrency: 1,
      now: () => now,
      observer: {
        admitted: (waitedMs) => events.push(`admitted after ${waitedMs}`),
        changed: (running, waiting) => events.push(`${running} running, ${waiting} waiting`),
      },
    });
    const log: string[] = [];
    const a = statement(log, 'a');
    const b = statement(log, 'b');
    const results = [gate.run(10, a.run), gate.run(10, b.run)];
    await settle();
    now = 40;
    a.finish();
    await settle();
    b.finish();
    await Promise.all(results);
    expect(events).toEqual([
      '1 running, 0 waiting',
      'admitted after 0',
      '1 running, 1 waiting',
      '1 running, 0 waiting', // a's slot handed to b
      'admitted after 40',
      '0 running, 0 waiting',
    ]);
  });
});
