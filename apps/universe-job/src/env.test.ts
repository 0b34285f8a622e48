import { describe, expect, it } from 'vitest';
import { EnvError } from '@volspike/runtime';
import { loadAppEnv } from './env.js';

describe('universe-job env', () => {
  it('has the legacy thresholds, a 60 s refresh and local defaults it is allowed to use', () => {
    const env = loadAppEnv({});
    expect(env).toMatchObject({
      VOLSPIKE_API_URL: 'http://127.0.0.1:3001',
      BINANCE_PROXY_URL: 'http://127.0.0.1:3002',
      OI_LIQUID_ENTER_QUOTE_24H: 4_000_000,
      OI_LIQUID_EXIT_QUOTE_24H: 2_000_000,
      OI_UNIVERSE_REFRESH_SEC: 60,
      UNIVERSE_USE_TICKER_WS: true,
    });
    expect(env.OI_LIQUID_MAX_SYMBOLS).toBeUndefined();
  });

  it('accepts a localhost backend (legacy refused to run against its own default)', () => {
    expect(loadAppEnv({ VOLSPIKE_API_URL: 'http://localhost:3001' }).VOLSPIKE_API_URL).toBe('http://localhost:3001');
  });

  it('rejects an exit threshold that is not below the enter threshold, naming the variable', () => {
    const bad = { OI_LIQUID_ENTER_QUOTE_24H: '2000000', OI_LIQUID_EXIT_QUOTE_24H: '2500000' };
    expect(() => loadAppEnv(bad)).toThrow(EnvError);
    try {
      loadAppEnv(bad);
    } catch (err) {
      expect((err as EnvError).variable).toBe('OI_LIQUID_EXIT_QUOTE_24H');
      expect((err as EnvError).message).toContain('must be below OI_LIQUID_ENTER_QUOTE_24H');
      expect((err as EnvError).message).not.toContain('\n');
    }
  });

  it('caps the refresh at 300 s', () => {
    expect(() => loadAppEnv({ OI_UNIVERSE_REFRESH_SEC: '301' })).toThrow(/OI_UNIVERSE_REFRESH_SEC/);
    expect(loadAppEnv({ OI_UNIVERSE_REFRESH_SEC: '300' }).OI_UNIVERSE_REFRESH_SEC).toBe(300);
  });

  it('parses an optional symbol cap', () => {
    expect(loadAppEnv({ OI_LIQUID_MAX_SYMBOLS: '250' }).OI_LIQUID_MAX_SYMBOLS).toBe(250);
    expect(() => loadAppEnv({ OI_LIQUID_MAX_SYMBOLS: 'many' })).toThrow(/OI_LIQUID_MAX_SYMBOLS/);
  });
});
