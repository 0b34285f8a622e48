// OI_SCHEDULER=activity against the simulated exchange (which trades |ΔOI| contracts with every OI move):
// a burst of trading on the quietest symbol gets it polled within about a second, every symbol is polled
// within OI_MAX_STALENESS_MS, requests stay evenly spread and never above the OI share, zero 429/418.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, sleep, waitFor, type Harness } from './harness.js';

let h: Harness;

beforeAll(async () => {
  // the sim pushes kline updates every 250 ms while trading, like Binance
  h = await createHarness({ symbols: 140, tickMs: 250 });
});

afterAll(async () => {
  await h?.close();
});

const SHARE = 600; // weight/min: one slot every 100 ms
const STALENESS = 15_000;

describe('oi-poller, activity scheduler, against the sim', () => {
  it('polls a burst on the quietest symbol within ~1 s, holds the staleness bound and never exceeds its share', async () => {
    const universe = h.sim.market.liquid(0).slice(0, 100);
    const tail = universe.at(-1) as string;
    await h.setUniverse(universe);
    const app = await h.startPoller({
      OI_SCHEDULER: 'activity',
      OI_WEIGHT_BUDGET_PER_MIN: String(SHARE),
      OI_MAX_STALENESS_MS: String(STALENESS),
      OI_WARM_START: 'false',
    });
    expect(app.poller).toBeNull();
    const started = Date.now();
    await waitFor(
      'a first poll of every symbol',
      () => app.scheduling.ledger.stats().pollsByReason.staleness >= 100,
      20_000,
    );
    await waitFor('the kline stream', () => app.scheduling.tradeStream() === 'live', 10_000);
    // settle, then a tail move: +20 % over 20 s, i.e. 1 % of its OI traded per second on top of its flow
    await sleep(3000);
    const injectedAt = Date.now();
    const r = await fetch(`${h.sim.url}/__sim/oi`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ symbol: tail, changePct: 20, rampSec: 20 }),
    });
    expect(r.status).toBe(200);
    const polledAt = await waitFor(
      'a poll of the bursting symbol',
      () => (h.sim.requestLog('/fapi/v1/openInterest')[tail] ?? []).find((t) => t > injectedAt),
      5000,
      20,
    );
    const latencyMs = polledAt - injectedAt;
    // the sim trades on its 250 ms tick, one slot is 100 ms, a poll is not repeated within 1 s
    expect(latencyMs).toBeLessThanOrEqual(1500);
    const view = app.scheduling.ledger.symbols().find((s) => s.symbol === tail);
    expect(view?.reason).toBe('activity');
    // while it keeps trading hard it stays near the top: several polls during the ramp
    const tailPolls = () => (h.sim.requestLog('/fapi/v1/openInterest')[tail] ?? []).filter((t) => t > injectedAt);
    await waitFor('four polls of the bursting symbol', () => tailPolls().length >= 4, 20_000);
    // ... by the sim's own request times: the fourth within 10 s of the burst, well inside the 20 s ramp
    expect((tailPolls()[3] as number) - injectedAt).toBeLessThanOrEqual(10_000);

    // observe until at least a full staleness window after the first round (and 35 s after start): every
    // symbol must have been polled again at or after that point, by the sim's own request times
    const firstPollOf = (s: string) => (h.sim.requestLog('/fapi/v1/openInterest')[s] ?? [Infinity])[0] as number;
    const windowEnd = Math.max(Math.max(...universe.map(firstPollOf)) + STALENESS, started + 2 * STALENESS + 5000);
    await waitFor(
      'a poll of every symbol after the observation window',
      () => universe.every((s) => (h.sim.requestLog('/fapi/v1/openInterest')[s] ?? []).some((t) => t >= windowEnd)),
      Math.max(0, windowEnd + STALENESS + 5000 - Date.now()),
    );
    const log = h.sim.requestLog('/fapi/v1/openInterest');
    const all = Object.values(log)
      .flat()
      .sort((a, b) => a - b);
    // staleness: after the first round, no symbol waited longer than the bound between two polls
    const firstRoundEnd = Math.max(...universe.map((s) => (log[s] ?? [Infinity])[0] as number));
    for (const s of universe) {
      const times = [...(log[s] ?? []), Date.now()].filter((t) => t >= firstRoundEnd);
      for (let i = 1; i < times.length; i++)
        expect({ s, gap: (times[i] as number) - (times[i - 1] as number) <= STALENESS }).toEqual({ s, gap: true });
    }
    // never above the share, evenly spread: after the first round (whose responses bunch while the HTTP
    // pool opens its connections), any 10 s holds at most a sixth of the share, +5 for the window's edges,
    // a stalled loop's catch-up (≤ 250 ms of slots) and response times that vary on a loaded machine
    const steady = all.filter((t) => t >= firstRoundEnd);
    for (let i = 0; i < steady.length; i++) {
      let j = i;
      while (j < steady.length && (steady[j] as number) < (steady[i] as number) + 10_000) j++;
      expect(j - i).toBeLessThanOrEqual(SHARE / 6 + 5);
    }
    const spanMin = ((steady.at(-1) as number) - (steady[0] as number)) / 60_000;
    expect(steady.length).toBeLessThanOrEqual(SHARE * spanMin + 5);
    expect(steady.length).toBeGreaterThanOrEqual(SHARE * spanMin * 0.9); // and it spends it
    expect(h.sim.stats().rejected429).toBe(0);
    expect(h.sim.stats().banned418).toBe(0);

    const stats = app.scheduling.ledger.stats();
    expect(stats.mode).toBe('activity');
    expect(stats.pollsByReason.activity).toBeGreaterThan(0);
    // 60·N ÷ share = 10 s when the whole share is spent; never shorter, a little longer on a loaded machine
    expect(stats.meanIntervalSec).toBeGreaterThanOrEqual(((60 * 100) / SHARE) * 0.98);
    expect(stats.meanIntervalSec).toBeLessThanOrEqual((60 * 100) / SHARE / 0.85);
    expect(stats.intervalSec?.max).toBeLessThanOrEqual(STALENESS / 1000);
    const hb = await waitFor(
      'a heartbeat with scheduler stats',
      async () => {
        const row = await h.db.prisma.componentHeartbeat.findUnique({ where: { component: 'oi-poller' } });
        return (row?.details as { scheduler?: { meanIntervalSec: number | null } } | null)?.scheduler?.meanIntervalSec
          ? row
          : null;
      },
      20_000,
    );
    expect(hb.details).toMatchObject({ scheduler: { mode: 'activity', tradeStream: 'live' } });
    const schedule = await h.bus.getJson<{ mode: string; symbols: { symbol: string; reason: string | null }[] }>(
      'oi-schedule:latest',
    );
    expect(schedule?.mode).toBe('activity');
    expect(schedule?.symbols).toHaveLength(100);
    await app.stop();
  }, 90_000);

  it('refuses to start, with one line, when OI_MAX_STALENESS_MS cannot hold for the universe and the share', async () => {
    await h.setUniverse(h.sim.market.liquid(0).slice(0, 100));
    const err = await h
      .startPoller({ OI_SCHEDULER: 'activity', OI_WEIGHT_BUDGET_PER_MIN: '60', OI_WARM_START: 'false' })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'OiPollerError', code: 'OI_STALENESS_IMPOSSIBLE' });
    const message = (err as Error).message;
    expect(message).toMatch(
      /^OI_MAX_STALENESS_MS=30000 cannot hold for 100 symbols: .* the OI share is 60 \(raise OI_MAX_STALENESS_MS to at least \d+/,
    );
    expect(message).not.toContain('\n');
  });
});
