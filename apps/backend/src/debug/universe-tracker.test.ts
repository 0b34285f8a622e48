import { describe, expect, it } from 'vitest';
import { UniverseTracker } from './universe-tracker.js';

const msg = (updatedAt: string, symbols: string[]) => ({
  updatedAt,
  enterThreshold: 4e6,
  exitThreshold: 2e6,
  symbols: symbols.map((symbol) => ({ symbol })),
});

describe('UniverseTracker', () => {
  it('takes the first message as the baseline and records what entered and left afterwards', () => {
    const t = new UniverseTracker();
    t.observe(msg('2026-01-01T00:00:00.000Z', ['A', 'B', 'C']));
    expect(t.recentChanges()).toEqual([]);
    t.observe(msg('2026-01-01T00:05:00.000Z', ['A', 'C', 'D', 'E']));
    t.observe(msg('2026-01-01T00:10:00.000Z', ['A', 'C', 'D', 'E'])); // no change: not recorded
    t.observe(msg('2026-01-01T00:04:00.000Z', ['Z'])); // older than the last one: ignored
    t.observe({ nonsense: true });
    expect(t.recentChanges()).toEqual([{ at: '2026-01-01T00:05:00.000Z', entered: ['D', 'E'], left: ['B'], size: 4 }]);
    expect(t.totals()).toEqual({ entered: 2, left: 1 });
    expect(t.thresholds()).toEqual({ updatedAt: '2026-01-01T00:10:00.000Z', enterThreshold: 4e6, exitThreshold: 2e6 });
  });
});
