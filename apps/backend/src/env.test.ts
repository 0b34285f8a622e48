import { describe, expect, it } from 'vitest';
import { loadAppEnv } from './env.js';

describe('loadAppEnv', () => {
  it('applies the documented defaults', () => {
    const env = loadAppEnv({});
    expect(env).toMatchObject({
      PORT: 3001,
      HOST: '0.0.0.0',
      LEGACY_ID_TOKENS: true,
      LEGACY_EMAIL_TOKENS: false,
      TRUST_PROXY_HOPS: 0,
      SMTP_ALLOW_INSECURE: false,
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
    ['LEGACY_ID_TOKENS', 'yes'],
    ['TRUST_PROXY_HOPS', 'true'],
    ['DEBUG_ACCESS', 'everyone'],
    ['PORT', 'http'],
  ])('rejects %s=%s', (name, value) => {
    expect(() => loadAppEnv({ [name]: value })).toThrow(name);
  });

  it('reads booleans the house way', () => {
    expect(loadAppEnv({ LEGACY_ID_TOKENS: '0' }).LEGACY_ID_TOKENS).toBe(false);
  });

  it('refuses SOCKET_LEGACY_TOKEN_AUTH=true, naming the two switches that replaced it', () => {
    expect(loadAppEnv({ SOCKET_LEGACY_TOKEN_AUTH: 'false' }).LEGACY_EMAIL_TOKENS).toBe(false);
    expect(() => loadAppEnv({ SOCKET_LEGACY_TOKEN_AUTH: 'true' })).toThrow(
      'Invalid environment: SOCKET_LEGACY_TOKEN_AUTH (<redacted>) was replaced: use LEGACY_ID_TOKENS (bare user ids) and LEGACY_EMAIL_TOKENS (emails, development only)',
    );
  });

  it('takes daemon keys as name=key pairs of known daemons, without echoing them', () => {
    expect(
      loadAppEnv({ INGEST_KEYS: 'oi-poller=0123456789abcdef0123,funding=fedcba9876543210fedc' }).INGEST_KEYS,
    ).toHaveLength(2);
    for (const bad of ['oi-poller=short', 'nobody=0123456789abcdef0123', '0123456789abcdef0123']) {
      const err = (() => {
        try {
          loadAppEnv({ INGEST_KEYS: bad });
        } catch (e) {
          return (e as Error).message;
        }
        return 'accepted';
      })();
      expect(err).toMatch(/^Invalid environment: INGEST_KEYS \(<redacted>\) must be name=key pairs/);
    }
  });

  it('turns the per-address limits on by default in production only (tests, demo and bench share one address)', () => {
    expect(loadAppEnv({})).toMatchObject({
      RATE_LIMIT_REST_PER_MIN: 0,
      RATE_LIMIT_HANDSHAKES_PER_MIN: 0,
      SOCKET_MAX_GUESTS_PER_IP: 0,
    });
    expect(loadAppEnv({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32) })).toMatchObject({
      RATE_LIMIT_REST_PER_MIN: 600,
      RATE_LIMIT_HANDSHAKES_PER_MIN: 60,
      SOCKET_MAX_GUESTS_PER_IP: 20,
    });
    expect(loadAppEnv({ RATE_LIMIT_REST_PER_MIN: '30' }).RATE_LIMIT_REST_PER_MIN).toBe(30);
    expect(() => loadAppEnv({ RATE_LIMIT_REST_PER_MIN: '1.5' })).toThrow('RATE_LIMIT_REST_PER_MIN');
  });

  describe('in production (NODE_ENV=production)', () => {
    const prod = { NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32) };
    it.each([
      [
        { DEBUG_ACCESS: 'public' },
        'Invalid environment: DEBUG_ACCESS (public) must be admin in production (NODE_ENV=production)',
      ],
      [
        { JWT_SECRET: 'x'.repeat(31) },
        'Invalid environment: JWT_SECRET (<redacted>) must be at least 32 bytes in production (NODE_ENV=production)',
      ],
      [
        { LEGACY_EMAIL_TOKENS: 'true' },
        'Invalid environment: LEGACY_EMAIL_TOKENS (<redacted>) must be false in production (NODE_ENV=production): an email is not a proof of identity',
      ],
    ])('refuses %o with one line', (bad, line) => {
      expect(() => loadAppEnv({ ...prod, ...bad })).toThrow(line);
    });

    it('accepts the same values in development, and a 32-byte secret in production', () => {
      expect(() =>
        loadAppEnv({ DEBUG_ACCESS: 'public', JWT_SECRET: 'short', LEGACY_EMAIL_TOKENS: 'true' }),
      ).not.toThrow();
      expect(loadAppEnv(prod).NODE_ENV).toBe('production');
    });
  });
});
