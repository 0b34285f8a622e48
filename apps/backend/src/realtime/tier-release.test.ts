import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FREE_PERIOD_MS, PRO_PERIOD_MS, TierReleaseQueue, nextBoundary, releasesImmediately } from './tier-release.js';

const t = (iso: string) => Date.parse(iso);

describe('nextBoundary', () => {
  it.each([
    ['2026-01-01T10:07:13.250Z', PRO_PERIOD_MS, '2026-01-01T10:10:00.000Z'],
    ['2026-01-01T10:10:00.000Z', PRO_PERIOD_MS, '2026-01-01T10:15:00.000Z'],
    ['2026-01-01T10:59:59.999Z', PRO_PERIOD_MS, '2026-01-01T11:00:00.000Z'],
    ['2026-01-01T10:07:13.250Z', FREE_PERIOD_MS, '2026-01-01T10:15:00.000Z'],
    ['2026-01-01T10:46:00.000Z', FREE_PERIOD_MS, '2026-01-01T11:00:00.000Z'],
    ['2026-01-01T23:50:00.000Z', FREE_PERIOD_MS, '2026-01-02T00:00:00.000Z'],
  ])('after %s with period %i is %s (UTC)', (now, period, expected) => {
    expect(new Date(nextBoundary(t(now), period)).toISOString()).toBe(expected);
  });
});

describe('releasesImmediately', () => {
  it.each([
    ['2026-01-01T10:00:00.000Z', true, true],
    ['2026-01-01T10:05:00.000Z', true, false],
    ['2026-01-01T10:07:00.000Z', false, false],
    ['2026-01-01T10:45:30.000Z', true, true],
    ['2026-01-01T10:50:00.000Z', true, false],
  ])('an alert at %s: pro %s, free %s', (at, pro, free) => {
    expect(releasesImmediately(new Date(at), PRO_PERIOD_MS)).toBe(pro);
    expect(releasesImmediately(new Date(at), FREE_PERIOD_MS)).toBe(free);
  });
});

describe('TierReleaseQueue', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('releases everything queued exactly at the next 15-minute boundary, not a millisecond before', () => {
    vi.setSystemTime(t('2026-01-01T10:07:13.000Z'));
    const released: { at: number; items: string[] }[] = [];
    const q = new TierReleaseQueue<string>(
      FREE_PERIOD_MS,
      (items) => released.push({ at: Date.now(), items }),
      Date.now,
    );
    q.push('a');
    vi.advanceTimersByTime(60_000);
    q.push('b');
    expect(q.nextReleaseAt()).toBe(t('2026-01-01T10:15:00.000Z'));
    vi.advanceTimersByTime(t('2026-01-01T10:14:59.999Z') - Date.now());
    expect(released).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(released).toEqual([{ at: t('2026-01-01T10:15:00.000Z'), items: ['a', 'b'] }]);
    expect(q.size()).toBe(0);
  });

  it('arms no timer while empty and re-arms for the following boundary after a release', () => {
    vi.setSystemTime(t('2026-01-01T10:01:00.000Z'));
    const released: number[] = [];
    const q = new TierReleaseQueue<number>(PRO_PERIOD_MS, () => released.push(Date.now()), Date.now);
    expect(vi.getTimerCount()).toBe(0);
    q.push(1);
    vi.advanceTimersByTime(4 * 60_000);
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(2 * 60_000);
    q.push(2);
    vi.advanceTimersByTime(5 * 60_000);
    expect(released.map((x) => new Date(x).toISOString())).toEqual([
      '2026-01-01T10:05:00.000Z',
      '2026-01-01T10:10:00.000Z',
    ]);
  });

  it('does not release early when the timer fires before the injected clock reaches the boundary', () => {
    // Why: the legacy 1 s tick could miss second == 0 and slip a whole period; here an early timer re-arms
    // for the remainder and still releases at the boundary.
    vi.setSystemTime(t('2026-01-01T10:03:00.000Z'));
    let skew = 0;
    const released: number[] = [];
    const q = new TierReleaseQueue<number>(
      PRO_PERIOD_MS,
      () => released.push(Date.now() - skew),
      () => Date.now() - skew,
    );
    q.push(1);
    skew = 500; // the wall clock as seen through `now` falls 500 ms behind the timers
    vi.advanceTimersByTime(2 * 60_000);
    expect(released).toEqual([]);
    vi.advanceTimersByTime(500);
    expect(released).toEqual([t('2026-01-01T10:05:00.000Z')]);
  });

  it('stop() drops the queue and its timer', () => {
    vi.setSystemTime(t('2026-01-01T10:03:00.000Z'));
    const release = vi.fn();
    const q = new TierReleaseQueue<number>(PRO_PERIOD_MS, release, Date.now);
    q.push(1);
    q.stop();
    vi.advanceTimersByTime(10 * 60_000);
    expect(release).not.toHaveBeenCalled();
    expect(vi.getTimerCount()).toBe(0);
  });
});
