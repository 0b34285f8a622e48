import { describe, expect, it } from 'vitest';
import {
  cycleTimeFor,
  delayToNextBoundary,
  isMiddleHour,
  isTopOfHour,
  legacyWaitSeconds,
  nextFiveMinuteBoundary,
} from './schedule.js';

const at = (hh: number, mm: number, ss = 0, ms = 0): number => Date.UTC(2025, 2, 1, hh, mm, ss, ms);

describe('five-minute boundaries', () => {
  it.each([
    { now: at(10, 4, 59, 400), next: at(10, 5), delay: 600 },
    { now: at(10, 5, 0, 1), next: at(10, 10), delay: 299_999 },
    // why: a chain computing its delay right after a cycle that began on the boundary must not re-run that slot
    { now: at(10, 5), next: at(10, 10), delay: 300_000 },
    { now: at(10, 58, 30), next: at(11, 0), delay: 90_000 },
    { now: at(23, 59, 59, 999), next: Date.UTC(2025, 2, 2, 0, 0), delay: 1 },
  ])('$now → next $next in $delay ms', ({ now, next, delay }) => {
    expect(nextFiveMinuteBoundary(now)).toBe(next);
    expect(delayToNextBoundary(now)).toBe(delay);
    expect(delayToNextBoundary(now, 300_000)).toBe(delay);
  });

  it('supports other periods', () => {
    expect(delayToNextBoundary(at(10, 0, 59, 500), 60_000)).toBe(500);
    expect(delayToNextBoundary(at(10, 0, 2), 2000)).toBe(2000);
  });

  it.each([
    { now: at(10, 4, 59), wait: 1 },
    { now: at(10, 5, 0), wait: 300 },
    { now: at(10, 7, 30), wait: 150 },
    { now: at(10, 0, 0, 999), wait: 300 }, // legacy ignores milliseconds
  ])('legacy wait at $now is $wait s', ({ now, wait }) => {
    expect(legacyWaitSeconds(now)).toBe(wait);
  });

  it('never lets an early timer shift the cycle before its boundary', () => {
    expect(cycleTimeFor(at(11, 0), at(10, 59, 59, 999))).toBe(at(11, 0));
    expect(isTopOfHour(cycleTimeFor(at(11, 0), at(10, 59, 59, 999)))).toBe(true);
    expect(cycleTimeFor(at(11, 0), at(11, 0, 0, 7))).toBe(at(11, 0, 0, 7));
  });
});

describe('slot tests use the exact UTC minute', () => {
  it.each([
    { t: at(10, 0), top: true, middle: false },
    { t: at(10, 0, 59, 999), top: true, middle: false },
    { t: at(10, 1), top: false, middle: false },
    { t: at(10, 30, 12), top: false, middle: true },
    { t: at(10, 31), top: false, middle: false },
    { t: at(10, 59, 59), top: false, middle: false },
  ])('$t: top $top, middle $middle', ({ t, top, middle }) => {
    expect(isTopOfHour(t)).toBe(top);
    expect(isMiddleHour(t)).toBe(middle);
  });
});
