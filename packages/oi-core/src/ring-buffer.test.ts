import { describe, expect, it } from 'vitest';
import { OiCoreError } from './errors.js';
import { OiRingBuffer, arrayHistory, median } from './ring-buffer.js';

function filled(capacity: number, times: number[]): OiRingBuffer {
  const b = new OiRingBuffer(capacity);
  for (const t of times) b.push(t, t * 10, t % 2 === 0 ? t : null);
  return b;
}

describe('OiRingBuffer', () => {
  it('keeps the newest samples when full, oldest first', () => {
    const b = filled(3, [1, 2, 3, 4, 5]);
    expect(b.size).toBe(3);
    expect(b.toArray().map((s) => s.ts)).toEqual([3, 4, 5]);
    expect(b.oldest()).toEqual({ ts: 3, oi: 30, mark: null });
    expect(b.latest()).toEqual({ ts: 5, oi: 50, mark: null });
    expect(b.at(1)).toEqual({ ts: 4, oi: 40, mark: 4 });
    expect(b.at(3)).toBeNull();
  });

  it('stores a missing mark as missing, never 0', () => {
    const b = new OiRingBuffer(2);
    b.push(1, 100, null);
    b.push(2, 100, Number.NaN);
    expect(b.toArray().map((s) => s.mark)).toEqual([null, null]);
  });

  it.each([
    { name: 'older than newest', ts: 4, oi: 1, ok: false },
    { name: 'same time as newest', ts: 5, oi: 1, ok: true },
    { name: 'NaN oi', ts: 6, oi: Number.NaN, ok: false },
    { name: 'infinite time', ts: Infinity, oi: 1, ok: false },
  ])('push rejects bad samples: $name → $ok', ({ ts, oi, ok }) => {
    const b = filled(10, [1, 5]);
    expect(b.push(ts, oi, null)).toBe(ok);
    expect(b.size).toBe(ok ? 3 : 2);
  });

  it.each([
    { from: 2, to: 4, out: [2, 3, 4] },
    { from: 2.5, to: 3.5, out: [3] },
    { from: 0, to: 1, out: [1] },
    { from: 6, to: 9, out: [] },
    { from: 4, to: 2, out: [] },
  ])('range [$from, $to] → $out (after wrap-around)', ({ from, to, out }) => {
    const b = filled(5, [-3, -2, 1, 2, 3, 4, 5]);
    expect(b.range(from, to).map((s) => s.ts)).toEqual(out);
    expect(b.countInRange(from, to)).toBe(out.length);
  });

  it.each([
    { t: 300, tol: 30, out: 290 }, // 290 and 310 are equally far: the earlier wins
    { t: 305, tol: 30, out: 310 },
    { t: 250, tol: 30, out: null }, // 40 away from 290 → outside tolerance
    { t: 260, tol: 30, out: 290 },
    { t: 1000, tol: 30, out: null },
    { t: 100, tol: 0, out: 100 },
  ])('closestTo($t, ±$tol) → $out', ({ t, tol, out }) => {
    const b = filled(10, [100, 200, 290, 310, 400]);
    expect(b.closestTo(t, tol)?.ts ?? null).toBe(out);
  });

  it('closestTo returns the first of several samples sharing a time', () => {
    const b = new OiRingBuffer(5);
    b.push(10, 1, null);
    b.push(10, 2, null);
    expect(b.closestTo(10, 0)?.oi).toBe(1);
  });

  it('medianOi over a window', () => {
    const b = filled(10, [1, 2, 3, 4, 5, 6]);
    expect(b.medianOi(2, 5)).toEqual({ median: 35, count: 4, firstTs: 2, lastTs: 5 });
    expect(b.medianOi(2, 4)).toEqual({ median: 30, count: 3, firstTs: 2, lastTs: 4 });
    expect(b.medianOi(7, 9)).toBeNull();
  });

  it('insert merges older history in time order', () => {
    const b = filled(4, [10, 20]);
    expect(b.insert(5, 1, null)).toBe(true);
    expect(b.insert(15, 1, null)).toBe(true);
    expect(b.insert(15, 2, null)).toBe(false); // same time: first writer wins
    expect(b.toArray().map((s) => s.ts)).toEqual([5, 10, 15, 20]);
    expect(b.insert(1, 1, null)).toBe(false); // full and older than everything
    expect(b.insert(12, 1, null)).toBe(true); // full: the oldest is evicted
    expect(b.toArray().map((s) => s.ts)).toEqual([10, 12, 15, 20]);
    expect(b.insert(30, 1, 7)).toBe(true);
    expect(b.latest()).toEqual({ ts: 30, oi: 1, mark: 7 });
  });

  it('states its memory: 24 bytes per slot', () => {
    expect(new OiRingBuffer(2376).bytesPerSymbol()).toBe(57_024);
    expect(OiRingBuffer.capacityFor(180, 5000)).toBe(2376);
    expect(OiRingBuffer.bytesFor(1000)).toBe(24_000);
  });

  it.each([0, -1, 1.5, Number.NaN])('rejects capacity %s', (c) => {
    expect(() => new OiRingBuffer(c)).toThrow(OiCoreError);
  });
});

describe('median / arrayHistory', () => {
  it.each([
    { v: [], out: null },
    { v: [3], out: 3 },
    { v: [5, 1, 3], out: 3 },
    { v: [4, 1, 3, 2], out: 2.5 },
    { v: [1, Number.NaN, 3], out: 2 },
  ])('median($v) = $out', ({ v, out }) => {
    expect(median(v)).toBe(out);
  });

  it('sorts unsorted input', () => {
    const h = arrayHistory([
      { ts: 3, oi: 3, mark: null },
      { ts: 1, oi: 1, mark: 2 },
    ]);
    expect(h.range(0, 10).map((s) => s.ts)).toEqual([1, 3]);
    expect(h.closestTo(2, 5)?.ts).toBe(1);
  });
});

describe('OiRingBuffer.pushThinned', () => {
  it.each([
    { why: 'samples further apart than the spacing are all kept', ts: [0, 10, 20, 30], want: [0, 10, 20, 30] },
    { why: 'a burst of close samples keeps only its newest', ts: [0, 1, 2, 3], want: [0, 3] },
    { why: 'the newest is always the latest sample', ts: [0, 10, 11, 12, 13], want: [0, 10, 13] },
    { why: 'a burst spanning the spacing leaves one sample per spacing', ts: [0, 3, 6, 9, 12], want: [0, 6, 12] },
    { why: 'an older sample is refused', ts: [10, 5], want: [10] },
    {
      why: 'a close newest is kept when dropping it would leave a hole of over two spacings',
      ts: [0, 3, 11, 14, 30],
      want: [0, 3, 11, 14, 30],
    },
    { why: 'and dropped when the hole would be two spacings at most', ts: [0, 3, 10], want: [0, 10] },
  ])('$why', ({ ts, want }) => {
    const b = new OiRingBuffer(10);
    for (const t of ts) b.pushThinned(t, 100 + t, null, 5);
    expect(b.toArray().map((s) => s.ts)).toEqual(want);
    expect(b.latest()?.oi).toBe(100 + (want.at(-1) as number));
  });
});
