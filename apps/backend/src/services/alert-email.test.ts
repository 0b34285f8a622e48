import { describe, expect, it } from 'vitest';
import { plainNumber, userAlertDedupeKey, userAlertEmail, wantsEmail } from './alert-email.js';

const base = {
  alertId: 'calert1',
  symbol: 'BTCUSDT',
  alertType: 'PRICE_CROSS' as const,
  threshold: 100000,
  crossedUp: true,
  triggeredValue: 100012.5,
  previousValue: 99950,
  triggeredAt: new Date('2026-11-23T10:00:00.123Z'),
  dashboardUrl: 'https://volspike.com',
};

describe('userAlertEmail', () => {
  it('names symbol, type, direction and threshold in the subject and every value in the body', () => {
    const m = userAlertEmail(base);
    expect(m.subject).toBe('VolSpike alert: BTCUSDT price crossed above 100000');
    expect(m.text).toBe(
      [
        'Your VolSpike price alert on BTCUSDT fired.',
        '',
        'Symbol:          BTCUSDT',
        'Alert type:      price',
        'Direction:       crossed above',
        'Threshold:       100000',
        'Triggered value: 100012.5',
        'Previous value:  99950',
        'Time (UTC):      2026-11-23T10:00:00.123Z',
        '',
        'This alert is now inactive and will not fire again until you re-arm it:',
        'open your VolSpike dashboard (https://volspike.com), find the alert and re-activate it.',
        '',
        'Alert id: calert1',
        '',
      ].join('\n'),
    );
  });

  it.each([
    ['FUNDING_CROSS', false, -0.0005, 'VolSpike alert: ETHUSDT funding rate crossed below -0.0005'],
    ['OI_CROSS', true, 1_250_000_000, 'VolSpike alert: ETHUSDT open interest crossed above 1250000000'],
    ['PRICE_CROSS', false, 0.00000123, 'VolSpike alert: ETHUSDT price crossed below 0.00000123'],
  ] as const)('%s crossed up=%s at %s → %s', (alertType, crossedUp, threshold, subject) => {
    expect(userAlertEmail({ ...base, symbol: 'ETHUSDT', alertType, crossedUp, threshold }).subject).toBe(subject);
  });

  it('shows funding rates as plain numbers with their percentage', () => {
    const m = userAlertEmail({
      ...base,
      alertType: 'FUNDING_CROSS',
      threshold: -0.0005,
      triggeredValue: -0.00051,
      previousValue: 0.0001,
      crossedUp: false,
    });
    expect(m.text).toContain('Alert type:      funding rate\n');
    expect(m.text).toContain('Threshold:       -0.0005 (-0.05%)\n');
    expect(m.text).toContain('Triggered value: -0.00051 (-0.051%)\n');
    expect(m.text).toContain('Previous value:  0.0001 (0.01%)\n');
  });

  it.each([null, undefined, Number.NaN, Number.POSITIVE_INFINITY])(
    'leaves a missing previous/triggered value (%s) out instead of printing 0, NaN or undefined',
    (missing) => {
      const m = userAlertEmail({ ...base, previousValue: missing, triggeredValue: missing });
      expect(m.text).not.toMatch(/Previous value|Triggered value|NaN|undefined|Infinity|null/);
      expect(m.text).toContain('Threshold:  100000\n');
    },
  );

  it('drops the threshold from the subject rather than print NaN', () => {
    expect(userAlertEmail({ ...base, threshold: Number.NaN }).subject).toBe(
      'VolSpike alert: BTCUSDT price crossed above',
    );
  });
});

describe('helpers', () => {
  it.each([
    [0.1 + 0.2, '0.3'],
    [1e-7, '0.0000001'],
    [65012.345, '65012.345'],
    [1.5e21, '1500000000000000000000'],
    [Number.NaN, null],
    [null, null],
  ])('plainNumber(%s) = %s', (v, want) => {
    expect(plainNumber(v)).toBe(want);
  });

  it('sends email for EMAIL and BOTH only, once per trigger count', () => {
    expect(['DASHBOARD', 'EMAIL', 'BOTH'].map((d) => wantsEmail(d as 'EMAIL'))).toEqual([false, true, true]);
    expect(userAlertDedupeKey('a', 2)).toBe('user-alert-triggered:a:2');
  });
});
