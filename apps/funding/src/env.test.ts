import { describe, expect, it } from 'vitest';
import { EnvError } from '@volspike/runtime';
import { loadAppEnv } from './env.js';

describe('funding env', () => {
  it('has the legacy defaults', () => {
    const e = loadAppEnv({});
    expect(e).toMatchObject({
      FUNDING_API_PORT: 8888,
      FUNDING_API_HOST: '127.0.0.1',
      FUNDING_STREAM: '!markPrice@arr@1s',
      FUNDING_STALE_SEC: 180,
      FUNDING_GAP_ALERT_SEC: 10,
      WS_ROTATE_AFTER_MS: 82_800_000,
    });
  });

  it('accepts only mark-price streams (never the ticker: legacy defect 18)', () => {
    expect(loadAppEnv({ FUNDING_STREAM: '!markPrice@arr' }).FUNDING_STREAM).toBe('!markPrice@arr');
    expect(() => loadAppEnv({ FUNDING_STREAM: '!ticker@arr' })).toThrow(EnvError);
    expect(() => loadAppEnv({ FUNDING_STALE_SEC: '0' })).toThrow(/FUNDING_STALE_SEC/);
  });
});
