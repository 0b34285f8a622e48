import { describe, expect, it, vi } from 'vitest';
import { AbortedError, backoffDelay, sleep } from './retry.js';

describe('backoffDelay', () => {
  it.each([
    [0, 100],
    [1, 200],
    [2, 400],
    [3, 800],
    [4, 1000],
    [50, 1000],
    [5000, 1000],
  ])('attempt %i without jitter waits %i ms (doubling, capped)', (attempt, expected) => {
    expect(backoffDelay(attempt, { baseMs: 100, maxMs: 1000, jitter: 0 })).toBe(expected);
  });

  it('keeps jittered delays within [delay*(1-jitter), delay]', () => {
    expect(backoffDelay(2, { baseMs: 100, maxMs: 1000, jitter: 0.5, random: () => 0 })).toBe(200);
    expect(backoffDelay(2, { baseMs: 100, maxMs: 1000, jitter: 0.5, random: () => 0.999999 })).toBe(400);
    expect(backoffDelay(9, { baseMs: 100, maxMs: 1000, jitter: 1, random: () => 0.25 })).toBe(250);
  });

  it('never exceeds the cap, even with jitter', () => {
    for (let a = 0; a < 40; a++) expect(backoffDelay(a, { baseMs: 500, maxMs: 30_000 })).toBeLessThanOrEqual(30_000);
  });

  it('treats negative or non-finite attempts as attempt 0', () => {
    expect(backoffDelay(-3, { baseMs: 100, jitter: 0 })).toBe(100);
    expect(backoffDelay(Number.NaN, { baseMs: 100, jitter: 0 })).toBe(100);
  });
});

describe('sleep', () => {
  it('resolves after the delay', async () => {
    vi.useFakeTimers();
    try {
      let done = false;
      const p = sleep(1000).then(() => (done = true));
      await vi.advanceTimersByTimeAsync(999);
      expect(done).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      await p;
      expect(done).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });

  it('rejects with AbortedError as soon as the signal aborts', async () => {
    const ac = new AbortController();
    const p = sleep(60_000, ac.signal);
    ac.abort();
    await expect(p).rejects.toBeInstanceOf(AbortedError);
    await expect(sleep(10, AbortSignal.abort())).rejects.toMatchObject({ code: 'ABORTED' });
  });
});
