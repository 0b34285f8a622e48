import type { CrossAlertType, DeliveryMethod } from '@volspike/contracts';

/** `email_outbox.kind` of the mail sent when a user cross alert fires. */
export const USER_ALERT_EMAIL_KIND = 'user-alert-triggered';

const TYPE_NAMES: Record<CrossAlertType, string> = {
  PRICE_CROSS: 'price',
  FUNDING_CROSS: 'funding rate',
  OI_CROSS: 'open interest',
};

/** Whether a trigger of an alert with this delivery method sends an email (Pro/Elite may choose EMAIL or BOTH). */
export function wantsEmail(deliveryMethod: DeliveryMethod): boolean {
  return deliveryMethod === 'EMAIL' || deliveryMethod === 'BOTH';
}

/** Unique per trigger: the alert id and its trigger count after the trigger. */
export function userAlertDedupeKey(alertId: string, triggeredCount: number): string {
  return `${USER_ALERT_EMAIL_KIND}:${alertId}:${triggeredCount}`;
}

const PLAIN = new Intl.NumberFormat('en-US', { useGrouping: false, maximumSignificantDigits: 15 });

/** A finite number as a plain decimal (no grouping, no exponent, no float noise); anything else → null. */
export function plainNumber(v: number | null | undefined): string | null {
  return typeof v === 'number' && Number.isFinite(v) ? PLAIN.format(v) : null;
}

/** A funding rate also shown as a percentage: `-0.0005 (-0.05%)`. */
function valueText(alertType: CrossAlertType, v: number | null | undefined): string | null {
  const plain = plainNumber(v);
  if (plain === null || alertType !== 'FUNDING_CROSS') return plain;
  return `${plain} (${plainNumber((v as number) * 100)}%)`;
}

export interface UserAlertEmailInput {
  alertId: string;
  symbol: string;
  alertType: CrossAlertType;
  threshold: number;
  crossedUp: boolean;
  /** The value that fired the alert; null/undefined/non-finite → the line is left out. */
  triggeredValue?: number | null;
  previousValue?: number | null;
  triggeredAt: Date;
  /** Where the user re-arms the alert (FRONTEND_URL). */
  dashboardUrl: string;
}

export interface EmailContent {
  subject: string;
  text: string;
}

/** Subject and plain-text body of the mail sent when a user cross alert fires. */
export function userAlertEmail(input: UserAlertEmailInput): EmailContent {
  const typeName = TYPE_NAMES[input.alertType];
  const direction = input.crossedUp ? 'above' : 'below';
  const threshold = plainNumber(input.threshold);
  const rows: [string, string | null][] = [
    ['Symbol', input.symbol],
    ['Alert type', typeName],
    ['Direction', `crossed ${direction}`],
    ['Threshold', valueText(input.alertType, input.threshold)],
    ['Triggered value', valueText(input.alertType, input.triggeredValue)],
    ['Previous value', valueText(input.alertType, input.previousValue)],
    ['Time (UTC)', input.triggeredAt.toISOString()],
  ];
  const present = rows.filter((r): r is [string, string] => r[1] !== null);
  const width = Math.max(...present.map(([k]) => k.length)) + 2;
  const text = [
    `Your VolSpike ${typeName} alert on ${input.symbol} fired.`,
    '',
    ...present.map(([k, v]) => `${`${k}:`.padEnd(width)}${v}`),
    '',
    'This alert is now inactive and will not fire again until you re-arm it:',
    `open your VolSpike dashboard (${input.dashboardUrl}), find the alert and re-activate it.`,
    '',
    `Alert id: ${input.alertId}`,
    '',
  ].join('\n');
  const subject = `VolSpike alert: ${input.symbol} ${typeName} crossed ${direction}${threshold === null ? '' : ` ${threshold}`}`;
  return { subject, text };
}
