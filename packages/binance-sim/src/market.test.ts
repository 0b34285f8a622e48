import { describe, expect, it } from 'vitest';
import { Market } from './market.js';

const NOW = Date.UTC(2026, 10, 23, 9, 15, 0);

describe('Market (seeded universe)', () => {
  const m = new Market({ seed: 42, symbols: 550, now: NOW });
  const perps = m.symbols().filter((s) => s.usdtPerpetual);
  const vols = perps.map((s) => m.quoteVolume24h(s.symbol));

  it('has 550 USDT perpetuals with a realistic 24h quote-volume spread (the numbers in the README)', () => {
    expect(perps).toHaveLength(550);
    expect(vols.filter((v) => v >= 1e9)).toHaveLength(5);
    expect(m.liquid(4e6)).toHaveLength(368);
    expect(vols.filter((v) => v < 1e6)).toHaveLength(66);
    expect(m.liquid(4e6)[0]).toBe('BTCUSDT');
  });

  it('adds symbols a client must filter out, none of which count as liquid', () => {
    const others = m.symbols().filter((s) => !s.usdtPerpetual);
    expect(others.map((s) => s.symbol)).toEqual(
      expect.arrayContaining([
        'BTCUSDC',
        'BTCBUSD',
        'BTCUSDT_261225',
        'XAUUSDT',
        'TSLAUSDT',
        'OLDCOINUSDT',
        'NEWCOINUSDT',
      ]),
    );
    expect(new Set(others.map((s) => s.contractType))).toEqual(
      new Set(['PERPETUAL', 'CURRENT_QUARTER', 'NEXT_QUARTER', 'TRADIFI_PERPETUAL']),
    );
    const liquid = new Set(m.liquid(0));
    for (const s of others) expect(liquid.has(s.symbol)).toBe(false);
    // high enough volume that a missing filter shows up
    expect(m.quoteVolume24h('BTCUSDC')).toBeGreaterThan(1e8);
  });

  it('is the same market for the same seed and a different one for another seed', () => {
    const again = new Market({ seed: 42, symbols: 550, now: NOW });
    expect(again.symbols()).toEqual(m.symbols());
    expect(again.openInterest('ETHUSDT')).toBe(m.openInterest('ETHUSDT'));
    expect(again.klines('ETHUSDT', 3600_000, { limit: 50 })).toEqual(m.klines('ETHUSDT', 3600_000, { limit: 50 }));
    const other = new Market({ seed: 43, symbols: 550, now: NOW });
    expect(other.openInterest('ETHUSDT')).not.toBe(m.openInterest('ETHUSDT'));
  });

  it('rolls the hour: the live candle joins the history and a new one opens at its close', () => {
    const x = new Market({ seed: 1, symbols: 10, now: NOW });
    const before = x.klines('BTCUSDT', 3600_000, { limit: 2 });
    for (let t = NOW + 5000; t <= NOW + 50 * 60_000; t += 5000) x.tick(t);
    const after = x.klines('BTCUSDT', 3600_000, { limit: 3 });
    expect(after[1]?.t).toBe(before[1]?.t);
    expect(after[2]?.t).toBe((before[1]?.t ?? 0) + 3600_000);
    expect(after[2]?.o).toBe(after[1]?.c);
    // 1m candles stay continuous across the live/bridged boundary
    const mins = x.klines('BTCUSDT', 60_000, { limit: 180 });
    for (let i = 1; i < mins.length; i++) expect(mins[i]?.o).toBe(mins[i - 1]?.c);
  });

  it('rejects unknown symbols and bad control arguments with typed errors', () => {
    expect(() => m.openInterest('NOPE')).toThrow(expect.objectContaining({ code: 'SIM_UNKNOWN_SYMBOL' }));
    expect(() => m.moveOpenInterest('BTCUSDT', -100, 1)).toThrow(
      expect.objectContaining({ code: 'SIM_INVALID_ARGUMENT' }),
    );
    expect(() => m.setPrice('BTCUSDT', Number.NaN)).toThrow(expect.objectContaining({ code: 'SIM_INVALID_ARGUMENT' }));
  });
});

describe('Market (lively)', () => {
  it('moves OI and spikes volume on liquid symbols now and then, so alerts happen in the demo', () => {
    const m = new Market({ seed: 42, symbols: 100, now: NOW, lively: true });
    const ramped = new Set<string>();
    const spiked = new Set<string>();
    for (let t = NOW + 1000; t <= NOW + 10 * 60_000; t += 1000) {
      m.tick(t);
      for (const st of m.all()) {
        if (st.ramp) ramped.add(st.info.symbol);
        if (st.pin) spiked.add(st.info.symbol);
      }
    }
    expect(ramped.size).toBeGreaterThan(5);
    expect(spiked.size).toBeGreaterThan(3);
    const liquid = new Set(m.liquid(3e6));
    for (const s of [...ramped, ...spiked]) expect(m.state(s).info.usdtPerpetual).toBe(true);
    expect([...spiked].filter((s) => liquid.has(s)).length).toBe(spiked.size);
  });
});

describe('Market (open interest moves only with trades)', () => {
  /** Ticks once a second and checks, for every symbol and every tick, |ΔOI| ≤ contracts traded in it. */
  function run(m: Market, from: number, seconds: number, each?: (t: number) => void): number {
    let worst = 0;
    for (let t = from + 1000; t <= from + seconds * 1000; t += 1000) {
      each?.(t);
      const before = m.all().map((s) => [s.oi, s.tradedContracts] as const);
      m.tick(t);
      m.all().forEach((s, i) => {
        const [oi, traded] = before[i] as readonly [number, number];
        const excess = Math.abs(s.oi - oi) - (s.tradedContracts - traded);
        worst = Math.max(worst, excess / Math.max(1, s.oi));
      });
    }
    return worst;
  }

  it('background drift and injected moves (head and tail, ramped and instant) never outrun the traded contracts', () => {
    const m = new Market({ seed: 42, symbols: 200, now: NOW, lively: true });
    const ranked = m.liquid(0);
    const head = ranked[0] as string;
    const tail = ranked.at(-1) as string;
    const worst = run(m, NOW, 600, (t) => {
      if (t === NOW + 60_000) m.moveOpenInterest(tail, 12, 20);
      if (t === NOW + 120_000) m.moveOpenInterest(head, -8, 0);
      if (t === NOW + 180_000) m.moveOpenInterest(tail, -30, 0);
    });
    // an instant move trades at once (outside a tick); only float rounding may show as an excess
    expect(worst).toBeLessThan(1e-12);
    // and the instant moves themselves traded their |ΔOI|
    const st = m.state(tail);
    const before = st.tradedContracts;
    const oi = st.oi;
    m.moveOpenInterest(tail, 50, 0);
    expect(st.tradedContracts - before).toBeCloseTo(oi * 0.5, 6);
  });

  it('a symbol that does not trade in a tick keeps its open interest', () => {
    const m = new Market({ seed: 5, symbols: 120, now: NOW });
    const tail = m.liquid(0).at(-1) as string;
    const st = m.state(tail);
    let still = 0;
    for (let t = NOW + 1000; t <= NOW + 120_000; t += 1000) {
      const [oi, traded] = [st.oi, st.tradedContracts];
      m.tick(t);
      if (st.tradedContracts === traded) {
        still++;
        expect(st.oi).toBe(oi);
      }
    }
    expect(still).toBeGreaterThan(10); // the tail is quiet: most seconds see no trade
  });

  it('quiet symbols trade little and liquid ones a lot, in proportion to their 24h volume', () => {
    const m = new Market({ seed: 42, symbols: 300, now: NOW });
    const ranked = m.liquid(0);
    const pick = [ranked[0], ranked[20], ranked[150], ranked.at(-1)] as string[];
    const quote0 = pick.map((s) => m.state(s).tradedContracts * m.lastPrice(s));
    run(m, NOW, 1800);
    const traded = pick.map((s, i) => m.state(s).tradedContracts * m.lastPrice(s) - (quote0[i] as number));
    const daily = pick.map((s) => m.quoteVolume24h(s));
    for (let i = 0; i < pick.length; i++) {
      // half an hour at the 24h rate, within the model's noise
      const ratio = (traded[i] as number) / ((daily[i] as number) / 48);
      expect({ symbol: pick[i], ok: ratio > 0.3 && ratio < 3 }).toEqual({ symbol: pick[i], ok: true });
    }
    expect(traded[0]).toBeGreaterThan(100 * (traded[3] as number));
  });

  it('refuses an OI move on a symbol that does not trade (PENDING_TRADING, CLOSE)', () => {
    const m = new Market({ seed: 42, symbols: 20, now: NOW });
    expect(() => m.moveOpenInterest('NEWCOINUSDT', 5, 0)).toThrow(
      expect.objectContaining({ code: 'SIM_INVALID_ARGUMENT' }),
    );
    expect(() => m.moveOpenInterest('GONEUSDT', 5, 0)).toThrow(/CLOSE/);
  });
});
