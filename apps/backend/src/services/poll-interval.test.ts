import { describe, expect, it } from 'vitest';
import { estimatedPollIntervalSec } from './poll-interval.js';

const opts = { maxReqPerMin: 2000, minSec: 5, maxSec: 20 };

describe('estimatedPollIntervalSec (legacy backend formula)', () => {
  it.each([
    [0, 20], // empty universe → max
    [-1, 20],
    [100, 5], // 3 s → clamped to the minimum
    [300, 9],
    [350, 11], // 10.5 rounds half UP here (the Python poller gave 10)
    [400, 12],
    [1000, 20], // 30 s → clamped to the maximum
  ])('N=%i → %i s', (n, expected) => {
    expect(estimatedPollIntervalSec(n, opts)).toBe(expected);
  });
});
