import { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startSim } from '../src/index.js';
import type { Sim } from '../src/index.js';
import { get, post } from './helpers.js';

let sim: Sim | null = null;
afterEach(async () => {
  await sim?.close();
  sim = null;
});

/** A clock frozen 10 s into a minute, so one test never straddles a window boundary. */
function frozenClock(): { now: () => number; advance(ms: number): void } {
  let t = Math.floor(Date.now() / 60_000) * 60_000 + 10_000;
  return { now: () => t, advance: (ms) => (t += ms) };
}

describe('per-IP weight limit', () => {
  it('answers 429 -1003 with Retry-After once over the limit, then 418 for a client that keeps going', async () => {
    const clock = frozenClock();
    sim = await startSim({
      port: 0,
      symbols: 20,
      weightLimitPerMin: 10,
      strikesBeforeBan: 3,
      banMs: 120_000,
      clock: clock.now,
    });
    for (let i = 1; i <= 10; i++) {
      const r = await get(sim.url, '/fapi/v1/openInterest?symbol=BTCUSDT');
      expect(r.status).toBe(200);
      expect(r.headers.get('x-mbx-used-weight-1m')).toBe(String(i));
    }
    const r429 = await get<{ code: number; msg: string }>(sim.url, '/fapi/v1/openInterest?symbol=BTCUSDT');
    expect(r429.status).toBe(429);
    expect(r429.body.code).toBe(-1003);
    expect(r429.headers.get('retry-after')).toBe('50'); // seconds to the next minute
    expect(r429.headers.get('x-mbx-used-weight-1m')).toBe('11');
    await get(sim.url, '/fapi/v1/openInterest?symbol=BTCUSDT');
    await get(sim.url, '/fapi/v1/openInterest?symbol=BTCUSDT');
    const r418 = await get<{ code: number; msg: string }>(sim.url, '/fapi/v1/openInterest?symbol=BTCUSDT');
    expect(r418.status).toBe(418);
    const until = clock.now() + 120_000;
    expect(r418.body).toEqual({ code: -1003, msg: expect.stringContaining(`IP banned until ${until}`) });
    expect(r418.headers.get('retry-after')).toBe('120');
    // the ban outlasts the minute
    clock.advance(60_000);
    const still = await get(sim.url, '/fapi/v1/exchangeInfo');
    expect(still.status).toBe(418);
    expect(still.headers.get('retry-after')).toBe('60');
    clock.advance(61_000);
    expect((await get(sim.url, '/fapi/v1/openInterest?symbol=BTCUSDT')).status).toBe(200);
    const stats = sim.stats();
    expect(stats.rejected429).toBe(3);
    expect(stats.banned418).toBe(2);
    expect(stats.requestsByClient['127.0.0.1']).toBe(16);
  });

  it('a client that backs off after a 429 is not banned and is served again next minute', async () => {
    const clock = frozenClock();
    sim = await startSim({ port: 0, symbols: 20, weightLimitPerMin: 45, strikesBeforeBan: 3, clock: clock.now });
    expect((await get(sim.url, '/fapi/v1/ticker/24hr')).status).toBe(200);
    expect((await get(sim.url, '/fapi/v1/ticker/24hr')).status).toBe(429);
    clock.advance(50_000);
    const r = await get(sim.url, '/fapi/v1/ticker/24hr');
    expect(r.status).toBe(200);
    expect(r.headers.get('x-mbx-used-weight-1m')).toBe('40');
  });

  it('counts /futures/data/openInterestHist against its own requests-per-5-minutes limit, not weight', async () => {
    const clock = frozenClock();
    sim = await startSim({
      port: 0,
      symbols: 20,
      weightLimitPerMin: 5,
      dataLimitPer5m: 3,
      strikesBeforeBan: 10,
      clock: clock.now,
    });
    for (let i = 0; i < 3; i++)
      expect((await get(sim.url, '/futures/data/openInterestHist?symbol=BTCUSDT&period=5m')).status).toBe(200);
    const r = await get(sim.url, '/futures/data/openInterestHist?symbol=BTCUSDT&period=5m');
    expect(r.status).toBe(429);
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await get(sim.url, '/fapi/v1/openInterest?symbol=BTCUSDT')).status).toBe(200);
  });
});

describe('faults', () => {
  it('serves injected statuses for the next `count` requests to a path, then recovers', async () => {
    sim = await startSim({ port: 0, symbols: 20 });
    const path = '/fapi/v1/openInterest';
    expect((await post(sim.url, '/__sim/faults', { path, status: 503, count: 2 })).status).toBe(200);
    const a = await get(sim.url, `${path}?symbol=BTCUSDT`);
    const b = await get(sim.url, `${path}?symbol=BTCUSDT`);
    expect([a.status, b.status]).toEqual([503, 503]);
    expect(a.headers.get('x-mbx-used-weight-1m')).toMatch(/^\d+$/);
    expect((await get(sim.url, `${path}?symbol=BTCUSDT`)).status).toBe(200);

    await post(sim.url, '/__sim/faults', { path, status: 429, count: 1, retryAfterSec: 3 });
    const r429 = await get<{ code: number }>(sim.url, `${path}?symbol=BTCUSDT`);
    expect(r429.status).toBe(429);
    expect(r429.body.code).toBe(-1003);
    expect(r429.headers.get('retry-after')).toBe('3');

    await post(sim.url, '/__sim/faults', { path, status: 418, count: 1, banMs: 5000 });
    const r418 = await get<{ msg: string }>(sim.url, `${path}?symbol=BTCUSDT`);
    expect(r418.status).toBe(418);
    expect(r418.body.msg).toMatch(/IP banned until \d{13}/);
    expect(r418.headers.get('retry-after')).toBe('5');

    await post(sim.url, '/__sim/faults', { path, status: 500 });
    expect((await get(sim.url, `${path}?symbol=BTCUSDT`)).status).toBe(500);
    expect(sim.stats().faultsServed).toBe(5);
  });

  it('status 0 destroys the connection without a response', async () => {
    sim = await startSim({ port: 0, symbols: 20 });
    await post(sim.url, '/__sim/faults', { path: '/fapi/v1/exchangeInfo', status: 0 });
    await expect(fetch(`${sim.url}/fapi/v1/exchangeInfo`)).rejects.toThrow();
    const raw = await new Promise<string>((resolve) => {
      const s = new Socket();
      let data = '';
      s.on('data', (d) => (data += String(d)));
      s.on('close', () => resolve(data));
      s.connect(sim?.port ?? 0, '127.0.0.1', () =>
        s.end('GET /fapi/v1/ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'),
      );
    });
    expect(raw).toMatch(/^HTTP\/1\.1 200/);
  });

  it('serves malformed bodies: truncated JSON, an HTML page, objects with fields missing', async () => {
    sim = await startSim({ port: 0, symbols: 20 });
    const path = '/fapi/v1/premiumIndex';
    await post(sim.url, '/__sim/faults', { path, body: 'truncated' });
    const t = await get(sim.url, `${path}?symbol=BTCUSDT`);
    expect(t.status).toBe(200);
    expect(() => JSON.parse(t.text) as unknown).toThrow();
    await post(sim.url, '/__sim/faults', { path, body: 'html' });
    const h = await get(sim.url, path);
    expect(h.headers.get('content-type')).toBe('text/html');
    expect(h.text).toMatch(/^<!DOCTYPE html>/);
    await post(sim.url, '/__sim/faults', { path, body: 'missing-fields' });
    const m = await get<Record<string, unknown>>(sim.url, `${path}?symbol=BTCUSDT`);
    expect(m.body).toEqual({ symbol: 'BTCUSDT' });
    expect((await get(sim.url, `${path}?symbol=BTCUSDT`)).body).toHaveProperty('markPrice');
  });

  it('rejects an invalid fault with 400', async () => {
    sim = await startSim({ port: 0, symbols: 20 });
    expect((await post(sim.url, '/__sim/faults', { path: '/x', status: 302 })).status).toBe(400);
    expect((await post(sim.url, '/__sim/faults', { path: '/x' })).status).toBe(400);
    expect((await post(sim.url, '/__sim/faults', { status: 500 })).status).toBe(400);
  });
});
