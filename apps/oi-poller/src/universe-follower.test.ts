import { describe, expect, it, vi } from 'vitest';
import { BackendClient } from '@volspike/backend-client';
import { CHANNELS, KEYS, createBus, createLogger } from '@volspike/runtime';
import { UniverseFollower, type UniverseSymbol } from './universe-follower.js';

const logger = createLogger({ name: 'universe-unit', level: 'silent' });
const universe = (...symbols: string[]) => ({
  updatedAt: new Date().toISOString(),
  enterThreshold: 4e6,
  exitThreshold: 2e6,
  symbols: symbols.map((symbol, i) => ({ symbol, quoteVolume24h: 1e9 - i, enteredAt: '', lastSeenAt: '' })),
});

function jsonResponse(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

describe('UniverseFollower', () => {
  it('reads the bus at start and applies CHANNELS.universe changes at once', async () => {
    const bus = createBus({ logger });
    await bus.setJson(KEYS.universe, universe('BTCUSDT', 'ETHUSDT'));
    const seen: UniverseSymbol[][] = [];
    const f = new UniverseFollower({
      bus,
      backend: new BackendClient({
        baseUrl: 'http://api',
        fetchImpl: () => Promise.reject(new Error('must not be called')),
      }),
      shard: { index: 0, count: 1 },
      logger,
      refreshMs: 60_000,
      onChange: (s) => seen.push(s),
    });
    await f.start();
    expect(seen.at(-1)?.map((s) => s.symbol)).toEqual(['BTCUSDT', 'ETHUSDT']);
    await bus.publish(CHANNELS.universe, universe('BTCUSDT', 'SOLUSDT', 'XRPUSDT'));
    await vi.waitFor(() => expect(f.symbols().map((s) => s.symbol)).toEqual(['BTCUSDT', 'SOLUSDT', 'XRPUSDT']));
    // an empty or malformed universe never replaces a known one (legacy defect 16); the valid message after
    // them (the bus delivers in order) shows they were read — and ignored — without waiting a fixed time
    await bus.publish(CHANNELS.universe, universe());
    await bus.publish(CHANNELS.universe, { symbols: 'nope' });
    await bus.publish(CHANNELS.universe, universe('BTCUSDT', 'SOLUSDT', 'XRPUSDT', 'ADAUSDT'));
    await vi.waitFor(() => expect(f.symbols()).toHaveLength(4));
    expect(seen.map((s) => s.length)).toEqual([2, 3, 4]);
    await f.stop();
    await bus.close();
  });

  it('falls back to the backend with backoff when the bus has nothing, and never gives up (legacy defect 10)', async () => {
    const bus = createBus({ logger });
    const calls: number[] = [];
    let answer: () => Response = () => jsonResponse({ error: 'down' }, 503);
    const f = new UniverseFollower({
      bus,
      backend: new BackendClient({
        baseUrl: 'http://api',
        fetchImpl: async (url) => {
          expect(String(url)).toBe('http://api/api/market/open-interest/liquid-universe');
          calls.push(Date.now());
          return answer();
        },
      }),
      shard: { index: 0, count: 1 },
      logger,
      refreshMs: 3000,
      onChange: () => undefined,
    });
    await f.start();
    await vi.waitFor(() => expect(calls.length).toBeGreaterThanOrEqual(2), { timeout: 10_000 });
    expect(f.status()).toMatchObject({
      size: 0,
      lastError: 'universe unavailable: GET /api/market/open-interest/liquid-universe answered 503: down',
    });
    // the backend's shape (the client checks it against the contract)
    const served = (...symbols: string[]) => {
      const u = universe(...symbols);
      const members = u.symbols.map((s) => ({ ...s, estimatedPollIntervalSec: 5 }));
      return { ...u, symbols: members, totalSymbols: symbols.length };
    };
    answer = () => jsonResponse(served()); // empty is "nothing yet", keep asking
    const before = calls.length;
    // a second request after the switch means the first empty answer was read (the loop is sequential)
    await vi.waitFor(() => expect(calls.length).toBeGreaterThanOrEqual(before + 2), { timeout: 10_000 });
    expect(f.symbols()).toHaveLength(0);
    answer = () => jsonResponse(served('BTCUSDT'));
    // next retry ≤ refreshMs (3 s)
    await vi.waitFor(() => expect(f.symbols().map((s) => s.symbol)).toEqual(['BTCUSDT']), { timeout: 10_000 });
    expect(f.status().source).toBe('backend');
    await f.stop();
    await bus.close();
  });

  it('keeps only its shard of the universe', async () => {
    const bus = createBus({ logger });
    const all = Array.from({ length: 60 }, (_, i) => `C${i}USDT`);
    await bus.setJson(KEYS.universe, universe(...all));
    const parts = await Promise.all(
      [0, 1].map(async (index) => {
        const f = new UniverseFollower({
          bus,
          backend: new BackendClient({ baseUrl: 'http://api' }),
          shard: { index, count: 2 },
          logger,
          refreshMs: 60_000,
          onChange: () => undefined,
        });
        await f.start();
        const s = f.symbols().map((x) => x.symbol);
        await f.stop();
        return s;
      }),
    );
    expect(parts[0]?.length).toBeGreaterThan(10);
    expect(parts[1]?.length).toBeGreaterThan(10);
    expect([...(parts[0] ?? []), ...(parts[1] ?? [])].sort()).toEqual([...all].sort());
    await bus.close();
  });
});
