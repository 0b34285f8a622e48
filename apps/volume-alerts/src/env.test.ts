import { describe, expect, it } from 'vitest';
import { EnvError } from '@volspike/runtime';
import { backendTargets, loadAppEnv } from './env.js';

describe('volume-alerts env', () => {
  it('has the legacy defaults', () => {
    const e = loadAppEnv({});
    expect(e).toMatchObject({
      TELEGRAM_API_URL: 'https://api.telegram.org',
      WS_FUNDING_ENABLED: true,
      FUNDING_API_URL: 'http://localhost:8888/funding',
      BINANCE_REST_URL: 'https://fapi.binance.com',
      VOLUME_USE_KLINE_WS: true,
      OI_SNAPSHOT_ENABLED: true,
      OI_SNAPSHOT_REUSE_REALTIME: true,
      VOLUME_ALERTS_STATUS_PORT: 3012,
    });
    expect(backendTargets(e)).toEqual([]);
  });

  it.each([
    [{ VOLSPIKE_API_URL: 'http://p', VOLSPIKE_API_KEY: 'k' }, ['prod']],
    [{ VOLSPIKE_API_URL: 'http://p', VOLSPIKE_API_KEY: 'k', VOLSPIKE_API_URL_DEV: 'http://d' }, ['prod']],
    [
      {
        VOLSPIKE_API_URL: 'http://p',
        VOLSPIKE_API_KEY: 'k',
        VOLSPIKE_API_URL_DEV: 'http://d',
        VOLSPIKE_API_KEY_DEV: 'dk',
      },
      ['prod', 'dev'],
    ],
    [{ VOLSPIKE_API_URL: 'http://p' }, []],
  ])('targets for %j: %j (DEV only when both DEV variables are set)', (source, names) => {
    expect(backendTargets(loadAppEnv(source)).map((t) => t.name)).toEqual(names);
  });

  it('stops with one line naming the variable', () => {
    expect(() => loadAppEnv({ WS_FUNDING_ENABLED: 'yes' })).toThrow(EnvError);
    expect(() => loadAppEnv({ FUNDING_API_URL: 'not a url' })).toThrow(/^Invalid environment: FUNDING_API_URL/);
  });
});
