import { describe, expect, it } from 'vitest';
import { OiCoreError } from './errors.js';
import { applyHysteresis, type UniverseMember } from './universe.js';

const T0 = Date.UTC(2025, 2, 1, 9, 0, 0);
const NOW = Date.UTC(2025, 2, 1, 10, 5, 0);
const ENTER = 4_000_000;
const EXIT = 2_000_000;

const member = (symbol: string, quoteVolume24h: number): UniverseMember => ({
  symbol,
  enteredAt: T0,
  quoteVolume24h,
  lastSeenAt: T0,
});

describe('applyHysteresis: one symbol, every branch', () => {
  it.each([
    // why: the gap between exit and enter keeps whatever membership the symbol already has
    {
      name: 'non-member at exactly enter joins',
      isMember: false,
      tradable: true,
      listed: true,
      qv: 4_000_000,
      inAfter: true,
      entered: true,
      exit: null,
    },
    {
      name: 'non-member above enter joins',
      isMember: false,
      tradable: true,
      listed: true,
      qv: 9e9,
      inAfter: true,
      entered: true,
      exit: null,
    },
    {
      name: 'non-member between exit and enter stays out',
      isMember: false,
      tradable: true,
      listed: true,
      qv: 3_000_000,
      inAfter: false,
      entered: false,
      exit: null,
    },
    {
      name: 'non-member below exit stays out',
      isMember: false,
      tradable: true,
      listed: true,
      qv: 1,
      inAfter: false,
      entered: false,
      exit: null,
    },
    {
      name: 'non-member without 24h data is never added',
      isMember: false,
      tradable: true,
      listed: true,
      qv: undefined,
      inAfter: false,
      entered: false,
      exit: null,
    },
    {
      name: 'non-member not tradable is never added',
      isMember: false,
      tradable: false,
      listed: true,
      qv: 9e9,
      inAfter: false,
      entered: false,
      exit: null,
    },
    {
      name: 'member above enter stays',
      isMember: true,
      tradable: true,
      listed: true,
      qv: 5_000_000,
      inAfter: true,
      entered: false,
      exit: null,
    },
    {
      name: 'member between exit and enter stays',
      isMember: true,
      tradable: true,
      listed: true,
      qv: 3_000_000,
      inAfter: true,
      entered: false,
      exit: null,
    },
    {
      name: 'member at exactly exit stays',
      isMember: true,
      tradable: true,
      listed: true,
      qv: 2_000_000,
      inAfter: true,
      entered: false,
      exit: null,
    },
    {
      name: 'member just below exit leaves',
      isMember: true,
      tradable: true,
      listed: true,
      qv: 1_999_999.99,
      inAfter: false,
      entered: false,
      exit: 'below-exit',
    },
    {
      name: 'member without 24h data keeps membership',
      isMember: true,
      tradable: true,
      listed: true,
      qv: undefined,
      inAfter: true,
      entered: false,
      exit: null,
    },
    {
      name: 'member with NaN volume keeps membership',
      isMember: true,
      tradable: true,
      listed: true,
      qv: Number.NaN,
      inAfter: true,
      entered: false,
      exit: null,
    },
    {
      name: 'member no longer TRADING leaves at once',
      isMember: true,
      tradable: false,
      listed: true,
      qv: 9e9,
      inAfter: false,
      entered: false,
      exit: 'not-tradable',
    },
    {
      name: 'member missing from the listing (delisted) leaves',
      isMember: true,
      tradable: true,
      listed: false,
      qv: 9e9,
      inAfter: false,
      entered: false,
      exit: 'delisted',
    },
  ])('$name', ({ isMember, tradable, listed, qv, inAfter, entered, exit }) => {
    const r = applyHysteresis({
      current: isMember ? [member('FOOUSDT', 5_000_000)] : [],
      candidates: listed ? [{ symbol: 'FOOUSDT', tradable }] : [],
      quoteVolumes: { FOOUSDT: qv },
      enter: ENTER,
      exit: EXIT,
      now: NOW,
    });
    expect(r.members.some((m) => m.symbol === 'FOOUSDT')).toBe(inAfter);
    expect(r.entered).toEqual(entered ? ['FOOUSDT'] : []);
    expect(r.exited).toEqual(exit ? [{ symbol: 'FOOUSDT', reason: exit }] : []);
  });
});

describe('applyHysteresis: member fields', () => {
  it('keeps enteredAt for a retained member and refreshes volume and lastSeenAt', () => {
    const r = applyHysteresis({
      current: [member('AUSDT', 5e6)],
      candidates: [{ symbol: 'AUSDT', tradable: true }],
      quoteVolumes: { AUSDT: 3e6 },
      enter: ENTER,
      exit: EXIT,
      now: NOW,
    });
    expect(r.members).toEqual([{ symbol: 'AUSDT', enteredAt: T0, quoteVolume24h: 3e6, lastSeenAt: NOW }]);
  });

  it('keeps the old values of a member whose 24h data is missing', () => {
    const r = applyHysteresis({
      current: new Map([['AUSDT', member('AUSDT', 5e6)]]),
      candidates: [{ symbol: 'AUSDT', tradable: true }],
      quoteVolumes: {},
      enter: ENTER,
      exit: EXIT,
      now: NOW,
    });
    expect(r.members).toEqual([member('AUSDT', 5e6)]);
  });

  it('stamps a newcomer with enteredAt = lastSeenAt = now and sorts by volume', () => {
    const r = applyHysteresis({
      current: [member('AUSDT', 5e6)],
      candidates: [
        { symbol: 'AUSDT', tradable: true },
        { symbol: 'BUSDT', tradable: true },
      ],
      quoteVolumes: { AUSDT: 5e6, BUSDT: 8e6 },
      enter: ENTER,
      exit: EXIT,
      now: NOW,
    });
    expect(r.members.map((m) => m.symbol)).toEqual(['BUSDT', 'AUSDT']);
    expect(r.members[0]).toEqual({ symbol: 'BUSDT', enteredAt: NOW, quoteVolume24h: 8e6, lastSeenAt: NOW });
    expect(r.entered).toEqual(['BUSDT']);
  });
});

describe('applyHysteresis: maxSymbols', () => {
  const candidates = ['AUSDT', 'BUSDT', 'CUSDT', 'DUSDT'].map((symbol) => ({ symbol, tradable: true }));
  it.each([
    { max: undefined, members: ['DUSDT', 'CUSDT', 'AUSDT', 'BUSDT'], entered: ['CUSDT', 'DUSDT'], exited: [] },
    {
      max: 3,
      members: ['DUSDT', 'CUSDT', 'AUSDT'],
      entered: ['CUSDT', 'DUSDT'],
      exited: [{ symbol: 'BUSDT', reason: 'cap' }],
    },
    {
      max: 1,
      members: ['DUSDT'],
      entered: ['DUSDT'],
      exited: [
        { symbol: 'AUSDT', reason: 'cap' },
        { symbol: 'BUSDT', reason: 'cap' },
      ],
    },
    {
      max: 0,
      members: [],
      entered: [],
      exited: [
        { symbol: 'AUSDT', reason: 'cap' },
        { symbol: 'BUSDT', reason: 'cap' },
      ],
    },
  ])('caps the set by volume (max $max)', ({ max, members, entered, exited }) => {
    const r = applyHysteresis({
      current: [member('AUSDT', 6e6), member('BUSDT', 3e6)],
      candidates,
      quoteVolumes: { AUSDT: 6e6, BUSDT: 3e6, CUSDT: 7e6, DUSDT: 9e6 },
      enter: ENTER,
      exit: EXIT,
      maxSymbols: max,
      now: NOW,
    });
    expect(r.members.map((m) => m.symbol)).toEqual(members);
    expect(r.entered).toEqual(entered);
    expect(r.exited).toEqual(exited);
  });

  it('prefers an existing member over a newcomer with the same volume', () => {
    const r = applyHysteresis({
      current: [member('ZUSDT', 5e6)],
      candidates: [
        { symbol: 'AUSDT', tradable: true },
        { symbol: 'ZUSDT', tradable: true },
      ],
      quoteVolumes: { AUSDT: 5e6, ZUSDT: 5e6 },
      enter: ENTER,
      exit: EXIT,
      maxSymbols: 1,
      now: NOW,
    });
    expect(r.members.map((m) => m.symbol)).toEqual(['ZUSDT']);
    expect(r.entered).toEqual([]);
  });
});

describe('applyHysteresis: thresholds', () => {
  it.each([
    { enter: 2_000_000, exit: 2_500_000 },
    { enter: 2_000_000, exit: 2_000_000 },
    { enter: Number.NaN, exit: 1 },
    { enter: 5, exit: -1 },
  ])('rejects enter $enter / exit $exit with UNIVERSE_THRESHOLDS_INVALID', ({ enter, exit }) => {
    const run = (): unknown =>
      applyHysteresis({ current: [], candidates: [], quoteVolumes: {}, enter, exit, now: NOW });
    expect(run).toThrow(OiCoreError);
    expect(run).toThrow(expect.objectContaining({ code: 'UNIVERSE_THRESHOLDS_INVALID' }));
  });
});
