import { z } from 'zod';
import { symbolString } from './common.js';

export const CROSS_ALERT_TYPES = ['PRICE_CROSS', 'FUNDING_CROSS', 'OI_CROSS'] as const;
export type CrossAlertType = (typeof CROSS_ALERT_TYPES)[number];
export const DELIVERY_METHODS = ['DASHBOARD', 'EMAIL', 'BOTH'] as const;
export type DeliveryMethod = (typeof DELIVERY_METHODS)[number];

/** Active-alert limit per tier (elite: unlimited). */
export const USER_ALERT_LIMITS: Record<string, number> = { free: 3, pro: 10, elite: Number.POSITIVE_INFINITY };

/** Price and OI thresholds must be > 0; funding thresholds may be any non-zero number (negative funding is real). */
export function thresholdProblem(alertType: CrossAlertType, threshold: number): string | null {
  if (alertType === 'FUNDING_CROSS') return threshold === 0 ? 'must be non-zero for FUNDING_CROSS' : null;
  return threshold > 0 ? null : 'must be greater than 0';
}

export const UserAlertCreateSchema = z
  .object({
    symbol: symbolString().transform((s) => s.toUpperCase()),
    alertType: z.enum(CROSS_ALERT_TYPES),
    threshold: z.number(),
    deliveryMethod: z.enum(DELIVERY_METHODS).default('DASHBOARD'),
    lastCheckedValue: z.number().optional(),
  })
  .superRefine((v, ctx) => {
    const problem = thresholdProblem(v.alertType, v.threshold);
    if (problem) ctx.addIssue({ code: 'custom', path: ['threshold'], message: problem });
  })
  .meta({ id: 'UserAlertCreate' });
export type UserAlertCreate = z.input<typeof UserAlertCreateSchema>;

export const UserAlertUpdateSchema = z.object({
  threshold: z.number().optional(),
  deliveryMethod: z.enum(DELIVERY_METHODS).optional(),
  isActive: z.boolean().optional(),
});

export const UserAlertsQuerySchema = z.object({
  active: z.enum(['true', 'false']).optional(),
  symbol: symbolString().optional(),
});

export const UserCrossAlertRowSchema = z
  .object({
    id: z.string(),
    userId: z.string(),
    symbol: z.string(),
    alertType: z.enum(CROSS_ALERT_TYPES),
    threshold: z.number(),
    lastCheckedValue: z.number().nullable(),
    lastCheckedAt: z.string().nullable(),
    deliveryMethod: z.enum(DELIVERY_METHODS),
    isActive: z.boolean(),
    triggeredCount: z.number().int(),
    triggeredAt: z.string().nullable(),
    triggeredValue: z.number().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'UserCrossAlert' });
export type UserCrossAlertRow = z.infer<typeof UserCrossAlertRowSchema>;

export const UserAlertsResponseSchema = z.object({ alerts: z.array(UserCrossAlertRowSchema) });

// --- daemon-facing trigger routes (key in X-API-Key, or the legacy `apiKey` query/body field) ---

export const ActiveAlertsQuerySchema = z.object({ apiKey: z.string().optional() });
/** What the checker needs of an active alert: the row's checking fields and the owner's tier. */
export const ActiveAlertSchema = UserCrossAlertRowSchema.pick({
  id: true,
  userId: true,
  symbol: true,
  alertType: true,
  threshold: true,
  lastCheckedValue: true,
  lastCheckedAt: true,
  deliveryMethod: true,
}).extend({ userTier: z.string() });
export type ActiveAlert = z.infer<typeof ActiveAlertSchema>;
export const ActiveAlertsResponseSchema = z.object({ alerts: z.array(ActiveAlertSchema) });

export const TriggerRequestSchema = z
  .object({
    alertId: z.string().min(1),
    symbol: z.string().min(1),
    currentValue: z.number(),
    previousValue: z.number(),
    crossedUp: z.boolean(),
    apiKey: z.string().optional().meta({ description: 'legacy; prefer the X-API-Key header' }),
  })
  .meta({ id: 'UserAlertTrigger' });
export type TriggerRequest = z.input<typeof TriggerRequestSchema>;
export const TriggerResponseSchema = z.object({ success: z.literal(true), alert: UserCrossAlertRowSchema });

export const UpdateCheckedRequestSchema = z.object({
  alertId: z.string().min(1),
  lastCheckedValue: z.number(),
  apiKey: z.string().optional(),
});
export type UpdateCheckedRequest = z.input<typeof UpdateCheckedRequestSchema>;

/** `user-alert-triggered` socket payload (docs/legacy-contracts.md §3.4). */
export const UserAlertTriggeredEventSchema = z
  .object({
    id: z.string(),
    symbol: z.string(),
    alertType: z.enum(CROSS_ALERT_TYPES),
    alertTypeName: z.enum(['Price', 'Funding Rate', 'Open Interest']),
    threshold: z.number(),
    thresholdFormatted: z.string(),
    currentValue: z.number(),
    currentValueFormatted: z.string(),
    previousValue: z.number(),
    previousValueFormatted: z.string(),
    crossedUp: z.boolean(),
    direction: z.enum(['above', 'below']),
    timestamp: z.string(),
  })
  .meta({ id: 'UserAlertTriggeredEvent' });
export type UserAlertTriggeredEvent = z.infer<typeof UserAlertTriggeredEventSchema>;

const USD = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });

/** Legacy formatting: PRICE/OI → `$` + en-US grouping, at most 2 decimals; FUNDING → ×100, 4 decimals, `%`. */
export function formatCrossAlertValue(alertType: CrossAlertType, value: number): string {
  if (alertType === 'FUNDING_CROSS') return `${(value * 100).toFixed(4)}%`;
  return `$${USD.format(value)}`;
}

export function buildUserAlertTriggeredEvent(input: {
  id: string;
  symbol: string;
  alertType: CrossAlertType;
  threshold: number;
  currentValue: number;
  previousValue: number;
  crossedUp: boolean;
  timestamp: Date;
}): UserAlertTriggeredEvent {
  const names = { PRICE_CROSS: 'Price', FUNDING_CROSS: 'Funding Rate', OI_CROSS: 'Open Interest' } as const;
  return {
    id: input.id,
    symbol: input.symbol,
    alertType: input.alertType,
    alertTypeName: names[input.alertType],
    threshold: input.threshold,
    thresholdFormatted: formatCrossAlertValue(input.alertType, input.threshold),
    currentValue: input.currentValue,
    currentValueFormatted: formatCrossAlertValue(input.alertType, input.currentValue),
    previousValue: input.previousValue,
    previousValueFormatted: formatCrossAlertValue(input.alertType, input.previousValue),
    crossedUp: input.crossedUp,
    direction: input.crossedUp ? 'above' : 'below',
    timestamp: input.timestamp.toISOString(),
  };
}
