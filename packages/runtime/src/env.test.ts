import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { EnvError, env, loadEnv } from './env.js';

const Schema = z
  .object({
    PORT: env.port(3001),
    OI_POLL_MIN_INTERVAL_MS: env.int(5000, { min: 100, max: 60_000 }),
    RATIO: env.num(1.5, { min: 0 }),
    FEATURE_X: env.bool(true),
    REDIS_URL: env.url(),
    BINANCE_REST_URL: env.url('https://fapi.binance.com'),
    NAME: env.str('volspike'),
    SYMBOLS: env.list(['BTCUSDT']),
    LOG_LEVEL: env.enumOf(['debug', 'info', 'warn'] as const, 'info'),
    OI_LIQUID_ENTER_QUOTE_24H: env.num(2_000_000),
    OI_LIQUID_EXIT_QUOTE_24H: env.num(1_500_000),
    VOLSPIKE_API_KEY: env.str(),
  })
  .superRefine((v, ctx) => {
    if (v.OI_LIQUID_EXIT_QUOTE_24H >= v.OI_LIQUID_ENTER_QUOTE_24H) {
      ctx.addIssue({
        code: 'custom',
        path: ['OI_LIQUID_EXIT_QUOTE_24H'],
        message: `must be below OI_LIQUID_ENTER_QUOTE_24H (${v.OI_LIQUID_ENTER_QUOTE_24H})`,
      });
    }
  });

function errorOf(source: Record<string, string | undefined>): EnvError {
  try {
    loadEnv(Schema, source);
  } catch (err) {
    if (err instanceof EnvError) return err;
    throw err;
  }
  throw new Error('expected loadEnv to throw');
}

describe('loadEnv', () => {
  it('applies every default when the source is empty', () => {
    expect(loadEnv(Schema, {})).toEqual({
      PORT: 3001,
      OI_POLL_MIN_INTERVAL_MS: 5000,
      RATIO: 1.5,
      FEATURE_X: true,
      REDIS_URL: undefined,
      BINANCE_REST_URL: 'https://fapi.binance.com',
      NAME: 'volspike',
      SYMBOLS: ['BTCUSDT'],
      LOG_LEVEL: 'info',
      OI_LIQUID_ENTER_QUOTE_24H: 2_000_000,
      OI_LIQUID_EXIT_QUOTE_24H: 1_500_000,
      VOLSPIKE_API_KEY: undefined,
    });
  });

  it('treats empty strings as unset (operators leave `FOO=` lines in env files)', () => {
    const e = loadEnv(Schema, { PORT: '', FEATURE_X: '  ', REDIS_URL: '', SYMBOLS: '' });
    expect(e.PORT).toBe(3001);
    expect(e.FEATURE_X).toBe(true);
    expect(e.REDIS_URL).toBeUndefined();
    expect(e.SYMBOLS).toEqual(['BTCUSDT']);
  });

  it('parses provided values', () => {
    const e = loadEnv(Schema, {
      PORT: '0',
      OI_POLL_MIN_INTERVAL_MS: '250',
      RATIO: '2.75',
      FEATURE_X: 'FALSE',
      REDIS_URL: 'redis://127.0.0.1:6379',
      SYMBOLS: ' ETHUSDT, ,SOLUSDT ,',
      LOG_LEVEL: 'WARN',
      OI_LIQUID_ENTER_QUOTE_24H: '3000000',
      OI_LIQUID_EXIT_QUOTE_24H: '2500000',
    });
    expect(e).toMatchObject({
      PORT: 0,
      OI_POLL_MIN_INTERVAL_MS: 250,
      RATIO: 2.75,
      FEATURE_X: false,
      REDIS_URL: 'redis://127.0.0.1:6379',
      SYMBOLS: ['ETHUSDT', 'SOLUSDT'],
      LOG_LEVEL: 'warn',
    });
  });

  it.each([
    ['true', true],
    ['1', true],
    ['TRUE', true],
    ['false', false],
    ['0', false],
    ['False', false],
  ])('reads boolean %s as %s', (raw, expected) => {
    expect(loadEnv(Schema, { FEATURE_X: raw }).FEATURE_X).toBe(expected);
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT', 'Invalid environment: PORT (abc) must be a port (0-65535)'],
    [{ PORT: '70000' }, 'PORT', 'Invalid environment: PORT (70000) must be an integer between 0 and 65535'],
    [{ PORT: '30.5' }, 'PORT', 'Invalid environment: PORT (30.5) must be a port (0-65535)'],
    [
      { OI_POLL_MIN_INTERVAL_MS: '5s' },
      'OI_POLL_MIN_INTERVAL_MS',
      'Invalid environment: OI_POLL_MIN_INTERVAL_MS (5s) must be an integer',
    ],
    [
      { OI_POLL_MIN_INTERVAL_MS: '50' },
      'OI_POLL_MIN_INTERVAL_MS',
      'Invalid environment: OI_POLL_MIN_INTERVAL_MS (50) must be an integer between 100 and 60000',
    ],
    [{ RATIO: 'lots' }, 'RATIO', 'Invalid environment: RATIO (lots) must be a number'],
    [{ RATIO: '-1' }, 'RATIO', 'Invalid environment: RATIO (-1) must be at least 0'],
    // "yes" is not accepted: z.coerce.boolean() would read "false" as true, so we are strict.
    [{ FEATURE_X: 'yes' }, 'FEATURE_X', 'Invalid environment: FEATURE_X (yes) must be true, false, 1 or 0'],
    [{ REDIS_URL: 'localhost' }, 'REDIS_URL', 'Invalid environment: REDIS_URL (localhost) must be an absolute URL'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL', 'Invalid environment: LOG_LEVEL (loud) must be one of debug, info, warn'],
    [
      { OI_LIQUID_ENTER_QUOTE_24H: '2000000', OI_LIQUID_EXIT_QUOTE_24H: '2500000' },
      'OI_LIQUID_EXIT_QUOTE_24H',
      'Invalid environment: OI_LIQUID_EXIT_QUOTE_24H (2500000) must be below OI_LIQUID_ENTER_QUOTE_24H (2000000)',
    ],
  ])('rejects %o with one line naming %s', (source, variable, message) => {
    const err = errorOf(source);
    expect(err.code).toBe('ENV_INVALID');
    expect(err.variable).toBe(variable);
    expect(err.message).toBe(message);
    expect(err.message).not.toContain('\n');
  });

  it('reports a missing required variable without a value', () => {
    const S = z.object({ NAME: env.str('x'), N: env.int(undefined) });
    const err = (() => {
      try {
        loadEnv(S, { NAME: 'y' });
      } catch (e) {
        return e as EnvError;
      }
      throw new Error('expected throw');
    })();
    expect(err.message).toBe('Invalid environment: N is required');
    expect(err.variable).toBe('N');
  });

  it('names the first bad variable and lists the others on the same line', () => {
    const err = errorOf({ PORT: 'x', RATIO: 'y' });
    expect(err.variable).toBe('PORT');
    expect(err.message).toMatch(/^Invalid environment: PORT \(x\) .* \(also invalid: RATIO\)$/);
  });

  it('does not echo values of secret-looking variables', () => {
    const S = z.object({ VOLSPIKE_API_KEY: env.str().pipe(z.string().min(16, 'must be at least 16 characters')) });
    const err = (() => {
      try {
        loadEnv(S, { VOLSPIKE_API_KEY: 'hunter2' });
      } catch (e) {
        return e as EnvError;
      }
      throw new Error('expected throw');
    })();
    expect(err.message).toBe('Invalid environment: VOLSPIKE_API_KEY (<redacted>) must be at least 16 characters');
    expect(err.message).not.toContain('hunter2');
  });

  it('does not echo the password of a URL value', () => {
    const S = z.object({ SMTP_URL: env.url().refine((u) => u?.startsWith('smtp:'), 'must be an smtp:// URL') });
    expect(() => loadEnv(S, { SMTP_URL: 'http://mailer:hunter2@mail.example:587' })).toThrow(
      'Invalid environment: SMTP_URL (http://mailer:<redacted>@mail.example:587) must be an smtp:// URL',
    );
  });

  it('lets an optional int stay undefined', () => {
    const S = z.object({ BINANCE_PROXY_PORT: env.int(undefined, { min: 0, max: 65535 }).optional() });
    expect(loadEnv(S, {}).BINANCE_PROXY_PORT).toBeUndefined();
    expect(loadEnv(S, { BINANCE_PROXY_PORT: '' }).BINANCE_PROXY_PORT).toBeUndefined();
    expect(loadEnv(S, { BINANCE_PROXY_PORT: '3002' }).BINANCE_PROXY_PORT).toBe(3002);
  });
});
