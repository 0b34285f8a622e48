import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '@volspike/runtime';
import { ExchangeInfoCache, ExchangeInfoUnavailableError, computeEtag } from './exchange-info-cache.js';

const logger = createLogger({ name: 'cache-test', level: 'silent' });

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('ExchangeInfoCache', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('shares one upstream fetch between concurrent callers before the first copy', async () => {
    const d = deferred<{ body: string; json: unknown }>();
    const fetch = vi.fn(() => d.promise);
    const cache = new ExchangeInfoCache({ fetch, refreshMs: 60_000, logger });
    const callers = Array.from({ length: 50 }, () => cache.get());
    d.resolve({ body: '{"a":1}', json: { a: 1 } });
    const copies = await Promise.all(callers);
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(new Set(copies.map((c) => c.etag))).toEqual(new Set([computeEtag('{"a":1}')]));
  });

  it('keeps the last good copy when a refresh fails and reports it stale', async () => {
    let n = 0;
    const fetch = vi.fn(async () => {
      n += 1;
      if (n === 1) return { body: '{"v":1}', json: { v: 1 } };
      throw new Error('Binance 500');
    });
    const cache = new ExchangeInfoCache({ fetch, refreshMs: 1_000, logger });
    cache.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(cache.status().state).toBe('fresh');
    await vi.advanceTimersByTimeAsync(1_000);
    expect(fetch).toHaveBeenCalledTimes(2);
    const s = cache.status();
    expect(s.state).toBe('stale');
    expect(s.lastError).toContain('Binance 500');
    expect((await cache.get()).body).toBe('{"v":1}');
    cache.stop();
  });

  it('retries a failed refresh sooner than the regular interval', async () => {
    let n = 0;
    const fetch = vi.fn(async () => {
      n += 1;
      if (n === 1) throw new Error('down');
      return { body: '{}', json: {} };
    });
    const cache = new ExchangeInfoCache({ fetch, refreshMs: 60_000, logger });
    cache.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(cache.status().state).toBe('empty');
    await vi.advanceTimersByTimeAsync(5_000);
    expect(cache.status().state).toBe('fresh');
    cache.stop();
  });

  it('with no copy and a recent failure answers at once instead of hammering Binance', async () => {
    const fetch = vi.fn(async () => {
      throw new Error('down');
    });
    const cache = new ExchangeInfoCache({ fetch, refreshMs: 60_000, logger, onDemandMinGapMs: 1_000 });
    await expect(cache.get()).rejects.toBeInstanceOf(ExchangeInfoUnavailableError);
    await expect(cache.get()).rejects.toBeInstanceOf(ExchangeInfoUnavailableError);
    expect(fetch).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1_001);
    await expect(cache.get()).rejects.toThrow(/down/);
    expect(fetch).toHaveBeenCalledTimes(2);
  });

  it('stops refreshing after stop()', async () => {
    const fetch = vi.fn(async () => ({ body: '{}', json: {} }));
    const cache = new ExchangeInfoCache({ fetch, refreshMs: 1_000, logger });
    cache.start();
    await vi.advanceTimersByTimeAsync(0);
    cache.stop();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(fetch).toHaveBeenCalledTimes(1);
  });
});
