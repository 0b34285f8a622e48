import { describe, expect, it } from 'vitest';
import { EnvError } from '@volspike/runtime';
import { loadAppEnv } from './env.js';

describe('binance-proxy env', () => {
  it('defaults to port 3002, a 60 s refresh and no TradFi', () => {
    const env = loadAppEnv({});
    expect(env.listenPort).toBe(3002);
    expect(env.EXCHANGE_INFO_REFRESH_MS).toBe(60_000);
    expect(env.INCLUDE_TRADIFI).toBe(false);
    expect(env.ALLOWED_ORIGINS).toEqual([]);
  });

  it('takes the legacy PORT, and BINANCE_PROXY_PORT over it (the stack shares PORT with the backend)', () => {
    expect(loadAppEnv({ PORT: '4000' }).listenPort).toBe(4000);
    expect(loadAppEnv({ PORT: '3001', BINANCE_PROXY_PORT: '3002' }).listenPort).toBe(3002);
  });

  it('rejects a non-numeric refresh interval naming the variable', () => {
    expect(() => loadAppEnv({ EXCHANGE_INFO_REFRESH_MS: 'soon' })).toThrow(EnvError);
    expect(() => loadAppEnv({ EXCHANGE_INFO_REFRESH_MS: 'soon' })).toThrow(/EXCHANGE_INFO_REFRESH_MS/);
  });
});
