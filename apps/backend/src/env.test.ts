import { describe, expect, it } from 'vitest';
import { loadAppEnv } from './env.js';

describe('loadAppEnv', () => {
  it('applies the documented defaults', () => {
    const env = loadAppEnv({});
    expect(env).toMatchObject({
      PORT: 3001,
      HOST: '0.0.0.0',
      SOCKET_LEGACY_TOKEN_AUTH: true,
      DEBUG_ACCESS: 'admin',
      OI_LIQUID_ENTER_QUOTE_24H: 4_000_000,
      OI_LIQUID_EXIT_QUOTE_24H: 2_000_000,
      OI_SAMPLE_RETENTION_HOURS: 3,
      OI_DOWNSAMPLE_RETENTION_DAYS: 30,
    });
    expect(env.ALERT_INGEST_API_KEY).toBeUndefined();
    expect(env).toMatchObject({ EMAIL_FROM: 'VolSpike Alerts <alerts@localhost>', EMAIL_MAX_ATTEMPTS: 10 });
    expect(env.SMTP_URL).toBeUndefined();
  });

  it('takes an smtp:// or smtps:// SMTP_URL and refuses other schemes without echoing the password', () => {
    expect(loadAppEnv({ SMTP_URL: 'smtp://u:p@mail.example:587' }).SMTP_URL).toBe('smtp://u:p@mail.example:587');
    expect(loadAppEnv({ SMTP_URL: 'smtps://mail.example' }).SMTP_URL).toBe('smtps://mail.example');
    expect(() => loadAppEnv({ SMTP_URL: 'https://u:hunter2@mail.example' })).toThrow(
      'Invalid environment: SMTP_URL (https://u:<redacted>@mail.example) must be an smtp:// or smtps:// URL',
    );
  });

  it('rejects an exit threshold that is not below the enter threshold, naming the variable', () => {
    expect(() => loadAppEnv({ OI_LIQUID_ENTER_QUOTE_24H: '2000000', OI_LIQUID_EXIT_QUOTE_24H: '2500000' })).toThrow(
      'Invalid environment: OI_LIQUID_EXIT_QUOTE_24H (2500000) must be below OI_LIQUID_ENTER_QUOTE_24H (2000000)',
    );
  });

  it.each([
    ['SOCKET_LEGACY_TOKEN_AUTH', 'yes'],
    ['DEBUG_ACCESS', 'everyone'],
    ['PORT', 'http'],
  ])('rejects %s=%s', (name, value) => {
    expect(() => loadAppEnv({ [name]: value })).toThrow(name);
  });

  it('reads booleans the house way', () => {
    expect(loadAppEnv({ SOCKET_LEGACY_TOKEN_AUTH: '0' }).SOCKET_LEGACY_TOKEN_AUTH).toBe(false);
  });
});
