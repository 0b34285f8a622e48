import { describe, expect, it } from 'vitest';
import { ComponentUsage } from './component-usage.js';

const entry = (id: string, component: string, weight: number, at: number) => ({ id, component, weight, at });

describe('ComponentUsage', () => {
  it('keeps exactly the entries of the last window, also when one was recorded with an earlier time', () => {
    let now = 100_000;
    const usage = new ComponentUsage(60_000, () => now, false);
    const ids = () =>
      usage
        .window()
        .map((u) => u.id)
        .sort();
    usage.add(entry('a', 'oi', 1, 40_000));
    usage.add(entry('b', 'oi', 1, 50_000));
    usage.add(entry('c', 'proxy', 40, 45_000)); // a clock that went back: still expires in time order
    usage.add(entry('d', 'oi', 2, 90_000));
    expect(ids()).toEqual(['b', 'c', 'd']);
    now = 106_000;
    expect(ids()).toEqual(['b', 'd']);
    now = 149_000;
    expect(ids()).toEqual(['d']);
  });

  it('admits up to the cap over the window and the next request once the oldest use expires', async () => {
    let now = 0;
    const usage = new ComponentUsage(100, () => now, false);
    usage.add(entry('x', 'oi', 8, 0));
    usage.add(entry('y', 'other', 50, 0));
    expect(await usage.admit('oi', 2, () => 10, false)).toBe(true); // 8 + 2 fits; other components don't count
    usage.add(entry('z', 'oi', 2, 0));
    usage.release('oi', 2, () => 10);
    let admitted = false;
    const waiting = usage.admit('oi', 1, () => 10, false).then(() => (admitted = true));
    await new Promise((r) => setTimeout(r, 30));
    expect(admitted).toBe(false);
    now = 101; // the uses at 0 left the window
    await waiting;
    expect(admitted).toBe(true);
    usage.stop(new Error('stopped'));
  });
});
