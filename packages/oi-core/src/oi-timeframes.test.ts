import { describe, expect, it } from 'vitest';
import { OiCoreError } from './errors.js';
import {
  DEFAULT_OI_ALERT_TIMEFRAMES_ENV,
  DEFAULT_OI_TIMEFRAMES,
  defaultToleranceSec,
  formatOiTimeframes,
  lookbackLabel,
  parseOiTimeframes,
} from './oi-timeframes.js';

describe('DEFAULT_OI_TIMEFRAMES', () => {
  it('are 5 min 3 %, 15 min 5 %, 1 hour 10 % and the 60–30 min median at 5 %', () => {
    expect(
      DEFAULT_OI_TIMEFRAMES.map((t) => [
        t.label,
        t.kind,
        t.lookbackSec,
        t.toleranceSec,
        t.thresholdPct,
        t.minAbsContracts,
        t.cooldownSec,
      ]),
    ).toEqual([
      ['5 min', 'lookback', 300, 30, 3, 5000, 600],
      ['15 min', 'lookback', 900, 90, 5, 5000, 900],
      ['1 hour', 'lookback', 3600, 120, 10, 5000, 3600],
      ['60-30 min median', 'window-median', 3600, 300, 5, 5000, 3600],
    ]);
    expect(DEFAULT_OI_TIMEFRAMES[3]).toMatchObject({ fromMin: 60, toMin: 30, minSamples: 5 });
  });

  it('are what the documented env default parses to, and format back to it', () => {
    expect(parseOiTimeframes(DEFAULT_OI_ALERT_TIMEFRAMES_ENV)).toEqual(DEFAULT_OI_TIMEFRAMES);
    expect(formatOiTimeframes(DEFAULT_OI_TIMEFRAMES)).toBe(DEFAULT_OI_ALERT_TIMEFRAMES_ENV);
  });

  it.each([undefined, null, '', '   '])('blank value %s → defaults', (v) => {
    expect(parseOiTimeframes(v)).toEqual(DEFAULT_OI_TIMEFRAMES);
  });
});

describe('parseOiTimeframes', () => {
  it.each([
    {
      s: '5m:3%',
      out: {
        label: '5 min',
        lookbackSec: 300,
        toleranceSec: 30,
        thresholdPct: 3,
        cooldownSec: 300,
        minAbsContracts: 5000,
      },
    },
    {
      s: '15m:7%:900s',
      out: { label: '15 min', lookbackSec: 900, toleranceSec: 90, thresholdPct: 7, cooldownSec: 900 },
    },
    {
      s: '1h:12%:1h',
      out: { label: '1 hour', lookbackSec: 3600, toleranceSec: 120, thresholdPct: 12, cooldownSec: 3600 },
    },
    {
      s: '90s:2.5%:5m:min=100:tol=10s',
      out: {
        label: '90 sec',
        lookbackSec: 90,
        toleranceSec: 10,
        thresholdPct: 2.5,
        cooldownSec: 300,
        minAbsContracts: 100,
      },
    },
    { s: '4h:20%:label=4h big', out: { label: '4h big', lookbackSec: 14400, toleranceSec: 120 } },
    {
      s: 'w120-60:6%:2h:n=10:tol=60s',
      out: {
        label: '120-60 min median',
        kind: 'window-median',
        fromMin: 120,
        toMin: 60,
        lookbackSec: 7200,
        minSamples: 10,
        toleranceSec: 60,
        cooldownSec: 7200,
      },
    },
  ])('$s', ({ s, out }) => {
    const [tf] = parseOiTimeframes(s);
    expect(tf).toMatchObject(out);
    expect(parseOiTimeframes(formatOiTimeframes(parseOiTimeframes(s)))).toEqual(parseOiTimeframes(s));
  });

  it.each([
    { s: '5m', why: 'threshold' },
    { s: '5m:3', why: 'must look like 3%' },
    { s: '5:3%', why: 'unit s, m or h' },
    { s: '5m:0%', why: '> 0' },
    { s: '5m:3%:600', why: 'unit' },
    { s: '5m:3%:600s:900s', why: 'unexpected' },
    { s: '5m:3%:foo=1', why: 'unknown option' },
    { s: '5m:3%:n=3', why: 'unknown option' },
    { s: 'w30-60:5%', why: 'start further back' },
    { s: '5m:3%:tol=5m', why: 'tolerance must be shorter' },
    { s: '5m:3%,5m:4%', why: 'appears twice' },
    { s: '5m:3%:min=-1', why: 'min=' },
  ])('rejects "$s" naming the problem', ({ s, why }) => {
    expect(() => parseOiTimeframes(s)).toThrow(OiCoreError);
    expect(() => parseOiTimeframes(s)).toThrow(why);
    expect(() => parseOiTimeframes(s)).toThrow(expect.objectContaining({ code: 'OI_TIMEFRAMES_INVALID' }));
  });
});

describe('labels and tolerance', () => {
  it.each([
    { sec: 300, label: '5 min', tol: 30 },
    { sec: 900, label: '15 min', tol: 90 },
    { sec: 3600, label: '1 hour', tol: 120 },
    { sec: 7200, label: '2 hours', tol: 120 },
    { sec: 90, label: '90 sec', tol: 30 },
  ])('$sec s → "$label", tolerance $tol s', ({ sec, label, tol }) => {
    expect(lookbackLabel(sec)).toBe(label);
    expect(defaultToleranceSec(sec)).toBe(tol);
  });
});
