import { EnvError } from '@volspike/runtime';
import { describe, expect, it } from 'vitest';
import { loadAppEnv, telegramMode } from './env.js';

const refusal = (source: Record<string, string>): string => {
  try {
    loadAppEnv(source);
  } catch (err) {
    if (err instanceof EnvError) return err.message;
    throw err;
  }
  throw new Error('accepted');
};

describe('telegram-poller env: the credentials choose the mode', () => {
  it.each([
    [{}, 'disabled'],
    [{ TELEGRAM_API_ID: '12345', TELEGRAM_API_HASH: 'abcdef' }, 'mtproto'],
    [{ TELEGRAM_BOT_TOKEN: '123:abc' }, 'bot'],
  ] as const)('%o → %s', (source, mode) => {
    expect(telegramMode(loadAppEnv(source))).toBe(mode);
  });

  it('legacy defaults: channel marketfeed, a poll every 30 s, pages of 100', () => {
    const e = loadAppEnv({ TELEGRAM_API_ID: '1', TELEGRAM_API_HASH: 'h' });
    expect([e.TELEGRAM_CHANNELS, e.TELEGRAM_POLL_INTERVAL_MS, e.TELEGRAM_FETCH_LIMIT]).toEqual([
      ['marketfeed'],
      30_000,
      100,
    ]);
  });

  it('refuses both modes at once, and half an API pair, with one line naming the variable (no secret echoed)', () => {
    const both = refusal({
      TELEGRAM_API_ID: '1',
      TELEGRAM_API_HASH: 'hash-secret',
      TELEGRAM_BOT_TOKEN: '123:tok-secret',
    });
    expect(both).toMatch(
      /^Invalid environment: TELEGRAM_BOT_TOKEN \(<redacted>\) is set together with TELEGRAM_API_ID/,
    );
    expect(both).not.toMatch(/secret/);
    expect(refusal({ TELEGRAM_API_ID: '1' })).toBe(
      'Invalid environment: TELEGRAM_API_HASH is required when TELEGRAM_API_ID is set (my.telegram.org)',
    );
    expect(refusal({ TELEGRAM_API_HASH: 'h' })).toMatch(/TELEGRAM_API_ID is required when TELEGRAM_API_HASH is set/);
    expect(refusal({ TELEGRAM_API_ID: 'abc', TELEGRAM_API_HASH: 'h' })).toMatch(
      /TELEGRAM_API_ID \(abc\) must be an integer/,
    );
    expect(refusal({ TELEGRAM_FETCH_LIMIT: '500' })).toMatch(/TELEGRAM_FETCH_LIMIT/);
  });
});
