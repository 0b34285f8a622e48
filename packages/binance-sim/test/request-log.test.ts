import { afterEach, describe, expect, it } from 'vitest';
import { startSim } from '../src/index.js';
import type { Sim } from '../src/index.js';
import { get, post } from './helpers.js';

let sim: Sim | null = null;
afterEach(async () => {
  await sim?.close();
  sim = null;
});

describe('request log (GET /__sim/requests)', () => {
  it('records the sim-clock time of each successful per-symbol request, not faulted or rejected ones', async () => {
    let t = 1_700_000_000_000;
    sim = await startSim({ port: 0, symbols: 20, seed: 5, tickMs: 3600_000, clock: () => t });
    await get(sim.url, '/fapi/v1/openInterest?symbol=BTCUSDT');
    t += 5000;
    await get(sim.url, '/fapi/v1/openInterest?symbol=BTCUSDT');
    await get(sim.url, '/fapi/v1/openInterest?symbol=ETHUSDT');
    await get(sim.url, '/fapi/v1/openInterest?symbol=NOPEUSDT'); // 400: not logged
    await post(sim.url, '/__sim/faults', { path: '/fapi/v1/openInterest', status: 503 });
    await get(sim.url, '/fapi/v1/openInterest?symbol=BTCUSDT'); // faulted: not logged
    await post(sim.url, '/__sim/faults', { path: '/fapi/v1/openInterest', body: 'html' });
    await get(sim.url, '/fapi/v1/openInterest?symbol=ETHUSDT'); // html body: not logged

    const r = await get<{ path: string; requests: Record<string, number[]> }>(
      sim.url,
      '/__sim/requests?path=/fapi/v1/openInterest',
    );
    expect(r.status).toBe(200);
    expect(r.body.requests).toEqual({ BTCUSDT: [1_700_000_000_000, 1_700_000_005_000], ETHUSDT: [1_700_000_005_000] });
    expect(sim.requestLog('/fapi/v1/openInterest')).toEqual(r.body.requests);
    expect(sim.requestLog('/fapi/v1/klines')).toEqual({});

    expect((await get(sim.url, '/__sim/requests')).status).toBe(400);
    sim.reset();
    expect(sim.requestLog('/fapi/v1/openInterest')).toEqual({});
  });
});
