import { describe, expect, it } from 'vitest';
import { compareSides } from './compare.js';
import type { SideData, VolumeAlertItem } from './model.js';
import { formatReport } from './report.js';
import { within } from './tolerances.js';

const H = Date.UTC(2026, 0, 1, 10);
const alert = (over: Partial<VolumeAlertItem> = {}): VolumeAlertItem => ({
  symbol: 'FOOUSDT',
  alertType: 'SPIKE',
  hourTimestamp: H,
  timestamp: H + 5 * 60_000,
  currentVolume: 12_000_000,
  previousVolume: 3_000_000,
  volumeRatio: 4,
  price: 1.5,
  fundingRate: 0,
  priceChange: 0.02,
  oiChange: null,
  ...over,
});
const side = (over: Partial<SideData> = {}): SideData => ({ volumeAlerts: [], snapshots: [], universe: null, ...over });
const T = { enter: 4e6, exit: 2e6 };

describe('within', () => {
  it.each([
    [100, 104.9, { rel: 0.05, abs: 0 }, true],
    [100, 106, { rel: 0.05, abs: 0 }, false],
    [0.0001, 0.00015, { rel: 0, abs: 1e-4 }, true],
    [null, null, { rel: 0, abs: 0 }, true],
    [null, 0, { rel: 1, abs: 1 }, false], // a missing value is not zero
  ])('%s vs %s within %o → %s', (a, b, t, want) => {
    expect(within(a, b, t)).toBe(want);
  });
});

describe('compareSides', () => {
  it('matches an open-candle SPIKE read seconds apart, but not a closed candle that differs', () => {
    const r = compareSides(
      side({ volumeAlerts: [alert()] }),
      side({ volumeAlerts: [alert({ currentVolume: 12_400_000, volumeRatio: 4.13 })] }),
      T,
    );
    expect(r.agree).toBe(true);
    const full = alert({ alertType: 'FULL_UPDATE' });
    const r2 = compareSides(
      side({ volumeAlerts: [full] }),
      side({ volumeAlerts: [{ ...full, currentVolume: 12_000_001 }] }),
      T,
    );
    expect(r2.agree).toBe(false);
    expect(r2.findings[0]?.text).toContain('currentVolume legacy 12000000 vs shadow 12000001');
  });

  it('an oiChange present on one side only is a difference; a legacy duplicate row is not', () => {
    const r = compareSides(
      side({ volumeAlerts: [alert(), alert()] }),
      side({ volumeAlerts: [alert({ oiChange: 0.05 })] }),
      T,
    );
    expect(r.findings.map((f) => f.kind)).toEqual(['difference']);
    expect(r.hours[0]?.volume).toEqual({ legacy: 1, shadow: 1, matched: 0 });
  });

  it('reports items on one side only, and snapshot symbols missing from a slot', () => {
    const snap = { symbol: 'AUSDT', slot: H, openInterest: 10, openInterestUsd: null, markPrice: null };
    const r = compareSides(
      side({ volumeAlerts: [alert()], snapshots: [snap, { ...snap, symbol: 'BUSDT' }] }),
      side({ volumeAlerts: [alert({ symbol: 'BARUSDT' })], snapshots: [{ ...snap, openInterest: 10.1 }] }),
      T,
    );
    expect(r.findings.map((f) => `${f.area}:${f.kind}`).sort()).toEqual([
      'snapshot:legacy-only',
      'volume:legacy-only',
      'volume:shadow-only',
    ]);
    expect(formatReport(r, { since: H, until: H + 3_600_000 })).toContain('1 symbol(s) only in legacy: BUSDT');
  });

  it('a universe member on one side only is a difference unless its volume sits at a threshold', () => {
    const u = (...m: [string, number][]) => ({
      at: H,
      members: m.map(([symbol, quoteVolume24h]) => ({ symbol, quoteVolume24h })),
    });
    const r = compareSides(
      side({ universe: u(['A', 9e6], ['B', 4.05e6]) }),
      side({ universe: u(['A', 9e6], ['C', 1e7]) }),
      T,
    );
    expect(r.findings.map((f) => `${f.kind}:${f.text.split(' ')[2]}`)).toEqual(['borderline:B', 'shadow-only:C']);
    expect(r.agree).toBe(false);
  });
});
