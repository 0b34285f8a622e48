import { describe, expect, it } from 'vitest';
import { detectCross, validateCrossThreshold } from './cross.js';

describe('detectCross', () => {
  it.each([
    { previous: null, current: 105, threshold: 100, out: { crossed: false } }, // first check: baseline only
    { previous: 99, current: 100, threshold: 100, out: { crossed: true, crossedUp: true } }, // reaching the threshold counts
    { previous: 99, current: 101, threshold: 100, out: { crossed: true, crossedUp: true } },
    { previous: 101, current: 100, threshold: 100, out: { crossed: true, crossedUp: false } },
    { previous: 101, current: 50, threshold: 100, out: { crossed: true, crossedUp: false } },
    { previous: 100, current: 120, threshold: 100, out: { crossed: false } }, // prev == thr never a cross
    { previous: 100, current: 80, threshold: 100, out: { crossed: false } },
    { previous: 90, current: 99.99, threshold: 100, out: { crossed: false } },
    { previous: 110, current: 100.01, threshold: 100, out: { crossed: false } },
    { previous: -0.0001, current: -0.0003, threshold: -0.0002, out: { crossed: true, crossedUp: false } }, // negative funding
    { previous: -0.0003, current: 0.0001, threshold: -0.0002, out: { crossed: true, crossedUp: true } },
    { previous: 99, current: Number.NaN, threshold: 100, out: { crossed: false } },
  ])('prev $previous → cur $current vs $threshold', ({ previous, current, threshold, out }) => {
    expect(detectCross({ previous, current, threshold })).toEqual(out);
  });
});

describe('validateCrossThreshold', () => {
  it.each([
    { type: 'PRICE_CROSS', thr: 65000, ok: true },
    { type: 'PRICE_CROSS', thr: 0, ok: false },
    { type: 'PRICE_CROSS', thr: -1, ok: false },
    { type: 'OI_CROSS', thr: 1e9, ok: true },
    { type: 'OI_CROSS', thr: -5, ok: false },
    { type: 'FUNDING_CROSS', thr: -0.0005, ok: true },
    { type: 'FUNDING_CROSS', thr: 0.0001, ok: true },
    { type: 'FUNDING_CROSS', thr: 0, ok: false },
    { type: 'FUNDING_CROSS', thr: Number.POSITIVE_INFINITY, ok: false },
    { type: 'FUNDING', thr: -0.01, ok: true },
    { type: 'price', thr: 1, ok: true },
    { type: 'VOLUME_CROSS', thr: 1, ok: false },
  ])('$type threshold $thr → ok $ok', ({ type, thr, ok }) => {
    const r = validateCrossThreshold(type, thr);
    expect(r.ok).toBe(ok);
    if (!r.ok) expect(r.code).toBe('CROSS_THRESHOLD_INVALID');
  });
});
