// Against the simulated exchange with ~100 liquid symbols: every symbol is sampled within its planned
// interval (+1 s, from the samples' own timestamps), requests stay inside the weight budget (zero 429s), samples reach the bus and the backend.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OiPoller } from '../src/index.js';
import { createHarness, waitFor, type Harness } from './harness.js';

let h: Harness;

beforeAll(async () => {
  h = await createHarness({ symbols: 140 });
});

afterAll(async () => {
  await h?.close();
});

describe('oi-poller against the sim', () => {
  it('OI_SCHEDULER=fixed keeps every symbol of a 100-symbol universe fresh within its planned interval + 1 s, with zero 429s', async () => {
    const universe = h.sim.market.liquid(0).slice(0, 100);
    expect(universe).toHaveLength(100);
    await h.setUniverse(universe);
    const app = await h.startPoller({ OI_PUBLISH_INTERVAL_MS: '1000', OI_SCHEDULER: 'fixed' });
    const poller = app.poller as OiPoller;
    expect(poller).not.toBeNull();

    await waitFor('a plan for the universe', () => app.plan()?.perSymbol.size === 100, 5000);
    const plan = app.plan();
    // 100 symbols in ≈ 2015 weight/min → the 5 s floor (min interval) for everybody.
    expect([...(plan?.perSymbol.values() ?? [])].every((ms) => ms === 5000)).toBe(true);

    // First round: every symbol sampled within one interval of start (phases spread over it).
    await waitFor(
      'a first sample for every symbol',
      () => poller.entriesView().every((e) => e.lastSampleAt !== null),
      7000,
    );
    // Steady state: wait (bounded) until every symbol has three samples on the bus, then check the gap between
    // consecutive samples of each symbol from their own timestamps — never more than its interval + 1 s.
    const ROUNDS = 3;
    const timesBySymbol = (): Map<string, number[]> => {
      const m = new Map<string, number[]>();
      for (const msg of h.busSamples) for (const s of msg.samples) m.set(s.symbol, [...(m.get(s.symbol) ?? []), s.ts]);
      return m;
    };
    await waitFor(
      `${ROUNDS} samples of every symbol on the bus`,
      () => {
        const m = timesBySymbol();
        return m.size === 100 && [...m.values()].every((ts) => ts.length >= ROUNDS);
      },
      25_000,
    );
    const intervalOf = new Map(poller.entriesView().map((e) => [e.symbol, e.intervalMs]));
    const worstGap = Math.max(
      ...[...timesBySymbol()].flatMap(([symbol, ts]) =>
        ts.slice(1).map((t, i) => t - ts[i]! - (intervalOf.get(symbol) as number)),
      ),
    );
    expect(worstGap).toBeLessThanOrEqual(1000);
    expect(h.sim.stats().rejected429).toBe(0);
    expect(h.sim.stats().banned418).toBe(0);

    // Every sample is one openInterest request: at least three rounds of 100 symbols went to the exchange.
    const requests = h.sim.stats().requests['/fapi/v1/openInterest'] ?? 0;
    expect(requests).toBeGreaterThanOrEqual(ROUNDS * 100);

    // Samples reach the bus with per-sample times, and the backend stores them as realtime rows.
    const seen = new Set(h.busSamples.flatMap((m) => m.samples.map((s) => s.symbol)));
    expect(seen.size).toBe(100);
    for (const m of h.busSamples) for (const s of m.samples) expect(s.openInterest).toBeGreaterThan(0);
    await waitFor(
      'rows in the backend',
      async () => (await h.db.prisma.openInterestSnapshot.count({ where: { source: 'realtime' } })) >= 200,
      5000,
    );
    const latest = (await (await fetch(`${h.apiUrl}/api/market/open-interest/latest`)).json()) as {
      data: { symbol: string }[];
    };
    expect(latest.data.length).toBe(100);

    // Heartbeat to the backend and the budget snapshot for /debug/rate-limit.
    const hb = await waitFor(
      'a heartbeat',
      () => h.db.prisma.componentHeartbeat.findUnique({ where: { component: 'oi-poller' } }),
      5000,
    );
    expect(hb.status).toBe('ok');
    expect(hb.details).toMatchObject({ universeSize: 100, pollIntervalMs: 5000 });
    const snap = await h.bus.getJson<{ byComponent: Record<string, { usedLastMinute: number }> }>(
      'weight-budget:latest',
    );
    expect(snap?.byComponent['oi-poller']?.usedLastMinute).toBeGreaterThan(100);

    const health = await app.health();
    expect(health.body.universeSize).toBe(100);
    expect(health.body.pollIntervalMs).toBe(5000);
    await app.stop();
  });
});
