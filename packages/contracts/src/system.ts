import { z } from 'zod';

/** `POST /api/heartbeats`: every daemon, every 15 s. `status: "stopped"` on a clean shutdown disables its checks. */
export const HeartbeatSchema = z
  .object({
    component: z.string().min(1).max(64),
    status: z.string().min(1).max(32).meta({ description: 'ok | degraded | error | starting | stopped' }),
    details: z.record(z.string(), z.unknown()).default({}),
  })
  .meta({ id: 'Heartbeat' });
export type Heartbeat = z.input<typeof HeartbeatSchema>;
export const HeartbeatResponseSchema = z.object({ success: z.literal(true), lastSeenAt: z.string() });

export const HealthCheckSchema = z.object({
  ok: z.boolean(),
  enabled: z.boolean(),
  ageMs: z.number().nullable(),
  maxAgeMs: z.number().optional(),
  detail: z.string().optional(),
});
export const HealthResponseSchema = z
  .object({
    status: z.enum(['ok', 'degraded']),
    timestamp: z.string(),
    version: z.string(),
    environment: z.string(),
    checks: z.record(z.string(), HealthCheckSchema),
    components: z.record(
      z.string(),
      z.object({ status: z.string(), lastSeenAt: z.string(), ageMs: z.number(), stale: z.boolean() }),
    ),
  })
  .meta({ id: 'Health' });
export type HealthResponse = z.infer<typeof HealthResponseSchema>;
