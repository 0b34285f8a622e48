import { z } from 'zod';
import { ErrorBodySchema } from './common.js';
import * as oi from './open-interest.js';
import * as oia from './oi-alerts.js';
import * as va from './volume-alerts.js';
import * as ua from './user-alerts.js';
import * as tg from './telegram.js';
import * as sys from './system.js';

export type RouteAuth = 'none' | 'ingestKey' | 'bearer' | 'optionalBearer' | 'debug' | 'triggerKey';

/** The daemons that call the backend with an ingest key (names of the backend's INGEST_KEYS entries). */
export const DAEMON_NAMES = [
  'volume-alerts',
  'oi-poller',
  'universe-job',
  'user-alerts',
  'telegram-poller',
  'funding',
] as const;
export type DaemonName = (typeof DAEMON_NAMES)[number];

export interface RouteSpec {
  method: 'get' | 'post' | 'put' | 'delete';
  /** Express-style path (`/api/user-alerts/:id`). */
  path: string;
  summary: string;
  tag: string;
  auth: RouteAuth;
  query?: z.ZodObject;
  params?: z.ZodObject;
  body?: z.ZodType;
  /**
   * Ingest-key routes: the daemons whose own key (INGEST_KEYS) opens this route. The legacy single key
   * (ALERT_INGEST_API_KEY) opens every ingest route.
   */
  callers?: readonly DaemonName[];
  /** Honours an `Idempotency-Key` header (the stored response is replayed). */
  idempotent?: boolean;
  responses: Record<number, { description: string; schema?: z.ZodType; contentType?: string }>;
}

const err = (description: string) => ({ description, schema: ErrorBodySchema });
const ingestErrors = {
  400: err('invalid body: `message` names the field; nothing is written'),
  401: err('missing or wrong X-API-Key'),
  500: err('ALERT_INGEST_API_KEY is not configured'),
};
const idParam = z.object({ id: z.string() });

/**
 * Every HTTP route of the backend by name, with its wire schemas. The daemons call routes by these names
 * (`@volspike/backend-client`), the OpenAPI document and the reverse-proxy list are generated from it.
 * `satisfies` keeps each entry's own schema types, so a client call is typed by its route.
 */
export const ROUTE_TABLE = {
  // --- open interest ---
  oiIngest: {
    method: 'post',
    path: '/api/market/open-interest/ingest',
    callers: ['oi-poller', 'volume-alerts'],
    tag: 'open-interest',
    auth: 'ingestKey',
    idempotent: true,
    summary: 'Ingest a batch of OI samples (alias: POST /api/market/open-interest)',
    body: oi.OiIngestSchema,
    responses: { 200: { description: 'stored', schema: oi.OiIngestResponseSchema }, ...ingestErrors },
  },
  oiIngestAlias: {
    method: 'post',
    path: '/api/market/open-interest',
    callers: ['oi-poller', 'volume-alerts'],
    tag: 'open-interest',
    auth: 'ingestKey',
    idempotent: true,
    summary: 'Legacy alias of /ingest',
    body: oi.OiIngestSchema,
    responses: { 200: { description: 'stored', schema: oi.OiIngestResponseSchema }, ...ingestErrors },
  },
  oiMap: {
    method: 'get',
    path: '/api/market/open-interest',
    tag: 'open-interest',
    auth: 'none',
    summary: 'Legacy map symbol → OI in USD with staleness flags',
    responses: { 200: { description: 'map', schema: oi.OiMapResponseSchema } },
  },
  oiLatest: {
    method: 'get',
    path: '/api/market/open-interest/latest',
    tag: 'open-interest',
    auth: 'none',
    summary: 'Latest OI per symbol',
    query: oi.OiLatestQuerySchema,
    responses: { 200: { description: 'latest values', schema: oi.OiLatestResponseSchema }, 400: err('bad query') },
  },
  oiSamples: {
    method: 'get',
    path: '/api/market/open-interest/samples',
    tag: 'open-interest',
    auth: 'none',
    summary: 'Recent samples of one symbol at native resolution (oldest first)',
    query: oi.OiSamplesQuerySchema,
    responses: { 200: { description: 'samples', schema: oi.OiSamplesResponseSchema }, 400: err('bad query') },
  },
  oiSnapshot: {
    method: 'get',
    path: '/api/market/open-interest/snapshot',
    callers: ['volume-alerts'],
    tag: 'open-interest',
    auth: 'ingestKey',
    summary: 'Newest sample of a symbol at or before ts (any source)',
    query: oi.OiSnapshotQuerySchema,
    responses: {
      200: { description: 'found or not', schema: oi.OiSnapshotResponseSchema },
      400: err('bad query'),
      401: err('bad key'),
    },
  },
  liquidUniverse: {
    method: 'get',
    path: '/api/market/open-interest/liquid-universe',
    tag: 'open-interest',
    auth: 'none',
    summary: 'The liquid universe the OI poller polls',
    responses: { 200: { description: 'universe', schema: oi.LiquidUniverseResponseSchema } },
  },
  liquidUniverseUpdate: {
    method: 'post',
    path: '/api/market/open-interest/liquid-universe/update',
    callers: ['universe-job'],
    tag: 'open-interest',
    auth: 'ingestKey',
    idempotent: true,
    summary: 'Replace the liquid universe (transactional; empty list needs allowEmpty)',
    body: oi.LiquidUniverseUpdateSchema,
    responses: { 200: { description: 'replaced', schema: oi.LiquidUniverseUpdateResponseSchema }, ...ingestErrors },
  },
  // --- OI alerts ---
  oiAlertIngest: {
    method: 'post',
    path: '/api/open-interest-alerts/ingest',
    callers: ['oi-poller'],
    tag: 'oi-alerts',
    auth: 'ingestKey',
    idempotent: true,
    summary: 'Ingest an OI alert (deduplicated on symbol, direction, timeframe, ts)',
    body: oia.OiAlertIngestSchema,
    responses: { 200: { description: 'stored', schema: oia.OiAlertIngestResponseSchema }, ...ingestErrors },
  },
  oiAlertAlsoCrossed: {
    method: 'post',
    path: '/api/open-interest-alerts/also-crossed',
    callers: ['oi-poller'],
    tag: 'oi-alerts',
    auth: 'ingestKey',
    idempotent: true,
    summary: "Record a timeframe held back by the symbol's alert cap on the alert that holds it (no broadcast)",
    body: oia.OiAlertAlsoCrossedSchema,
    responses: {
      200: { description: 'recorded (duplicate: already there)', schema: oia.OiAlertAlsoCrossedResponseSchema },
      404: err('Alert not found'),
      ...ingestErrors,
    },
  },
  oiAlerts: {
    method: 'get',
    path: '/api/open-interest-alerts',
    tag: 'oi-alerts',
    auth: 'bearer',
    summary: 'OI alerts for pro/elite/admin users (Decimals as strings)',
    query: oia.OiAlertsQuerySchema,
    responses: {
      200: { description: 'alerts', schema: oia.OiAlertsResponseSchema },
      401: err('Authentication required'),
      403: err('Pro or Elite subscription required'),
    },
  },
  oiAlertsRecent: {
    method: 'get',
    path: '/api/open-interest-alerts/recent',
    tag: 'oi-alerts',
    auth: 'debug',
    summary: 'Recent OI alerts (numbers), DEBUG_ACCESS',
    query: oia.OiAlertsRecentQuerySchema,
    responses: { 200: { description: 'alerts', schema: oia.OiAlertsRecentResponseSchema } },
  },
  // --- volume alerts ---
  volumeAlertIngest: {
    method: 'post',
    path: '/api/volume-alerts/ingest',
    callers: ['volume-alerts'],
    tag: 'volume-alerts',
    auth: 'ingestKey',
    idempotent: true,
    summary: 'Ingest a volume alert (deduplicated by Idempotency-Key)',
    body: va.VolumeAlertIngestSchema,
    responses: { 200: { description: 'stored', schema: va.VolumeAlertIngestResponseSchema }, ...ingestErrors },
  },
  volumeAlerts: {
    method: 'get',
    path: '/api/volume-alerts',
    tag: 'volume-alerts',
    auth: 'optionalBearer',
    summary: "Volume alerts gated by the caller's tier (anonymous = free)",
    query: va.VolumeAlertsQuerySchema,
    responses: { 200: { description: 'alerts', schema: va.VolumeAlertsResponseSchema } },
  },
  volumeAlertsRecent: {
    method: 'get',
    path: '/api/volume-alerts/recent',
    tag: 'volume-alerts',
    auth: 'debug',
    summary: 'Recent volume alerts, DEBUG_ACCESS',
    query: va.VolumeAlertsRecentQuerySchema,
    responses: { 200: { description: 'alerts', schema: va.VolumeAlertsRecentResponseSchema }, 400: err('bad query') },
  },
  subscriptions: {
    method: 'get',
    path: '/api/volume-alerts/subscriptions',
    tag: 'volume-alerts',
    auth: 'bearer',
    summary: "The caller's symbol subscriptions",
    responses: { 200: { description: 'list', schema: va.SubscriptionsResponseSchema } },
  },
  subscriptionCreate: {
    method: 'post',
    path: '/api/volume-alerts/subscriptions',
    tag: 'volume-alerts',
    auth: 'bearer',
    summary: 'Subscribe to a symbol (pro/elite)',
    body: va.SubscriptionCreateSchema,
    responses: {
      200: { description: 'upserted', schema: va.SubscriptionCreateResponseSchema },
      403: err('Pro or Elite tier required'),
    },
  },
  subscriptionDelete: {
    method: 'delete',
    path: '/api/volume-alerts/subscriptions/:symbol',
    tag: 'volume-alerts',
    auth: 'bearer',
    summary: 'Unsubscribe',
    params: z.object({ symbol: z.string() }),
    responses: {
      200: { description: 'deleted', schema: z.object({ success: z.literal(true) }) },
      404: err('not subscribed'),
    },
  },
  // --- user cross alerts ---
  userAlerts: {
    method: 'get',
    path: '/api/user-alerts',
    tag: 'user-alerts',
    auth: 'bearer',
    summary: "The caller's cross alerts",
    query: ua.UserAlertsQuerySchema,
    responses: { 200: { description: 'alerts', schema: ua.UserAlertsResponseSchema } },
  },
  userAlertCreate: {
    method: 'post',
    path: '/api/user-alerts',
    tag: 'user-alerts',
    auth: 'bearer',
    summary: 'Create a cross alert',
    body: ua.UserAlertCreateSchema,
    responses: {
      201: { description: 'created', schema: ua.UserCrossAlertRowSchema },
      400: err('invalid'),
      403: err('tier limit or EMAIL on free'),
      409: err('duplicate active alert'),
    },
  },
  userAlertUpdate: {
    method: 'put',
    path: '/api/user-alerts/:id',
    tag: 'user-alerts',
    auth: 'bearer',
    summary: 'Update a cross alert',
    params: idParam,
    body: ua.UserAlertUpdateSchema,
    responses: {
      200: { description: 'updated', schema: ua.UserCrossAlertRowSchema },
      403: err('tier limit'),
      404: err('Alert not found'),
      409: err('duplicate'),
    },
  },
  userAlertDelete: {
    method: 'delete',
    path: '/api/user-alerts/:id',
    tag: 'user-alerts',
    auth: 'bearer',
    summary: 'Delete a cross alert',
    params: idParam,
    responses: {
      200: { description: 'deleted', schema: z.object({ success: z.literal(true) }) },
      404: err('Alert not found'),
    },
  },
  userAlertReactivate: {
    method: 'post',
    path: '/api/user-alerts/:id/reactivate',
    tag: 'user-alerts',
    auth: 'bearer',
    summary: 'Reactivate a cross alert',
    params: idParam,
    responses: {
      200: { description: 'reactivated', schema: ua.UserCrossAlertRowSchema },
      403: err('tier limit'),
      404: err('Alert not found'),
    },
  },
  userAlertsActive: {
    method: 'get',
    path: '/api/user-alerts-trigger/active',
    callers: ['user-alerts'],
    tag: 'user-alerts',
    auth: 'triggerKey',
    summary: 'Every active alert, oldest check first (checker)',
    query: ua.ActiveAlertsQuerySchema,
    responses: { 200: { description: 'alerts', schema: ua.ActiveAlertsResponseSchema }, 401: err('Unauthorized') },
  },
  userAlertTrigger: {
    method: 'post',
    path: '/api/user-alerts-trigger/trigger',
    callers: ['user-alerts'],
    tag: 'user-alerts',
    auth: 'triggerKey',
    summary: 'Fire an alert (atomic: concurrent triggers succeed once)',
    body: ua.TriggerRequestSchema,
    responses: {
      200: { description: 'fired', schema: ua.TriggerResponseSchema },
      400: err('invalid or not active'),
      401: err('Unauthorized'),
      404: err('Alert not found'),
    },
  },
  userAlertUpdateChecked: {
    method: 'post',
    path: '/api/user-alerts-trigger/update-checked',
    callers: ['user-alerts'],
    tag: 'user-alerts',
    auth: 'triggerKey',
    summary: 'Record the last checked value',
    body: ua.UpdateCheckedRequestSchema,
    responses: {
      200: { description: 'ok', schema: z.object({ success: z.literal(true) }) },
      401: err('Unauthorized'),
      404: err('Alert not found'),
    },
  },
  // --- telegram ---
  telegramIngest: {
    method: 'post',
    path: '/api/telegram/ingest',
    callers: ['telegram-poller'],
    tag: 'telegram',
    auth: 'ingestKey',
    idempotent: true,
    summary: 'Ingest channel messages (dedupe on channel+message id, newest 1000 kept per channel)',
    body: tg.TelegramIngestSchema,
    responses: { 200: { description: 'stored', schema: tg.TelegramIngestResponseSchema }, ...ingestErrors },
  },
  telegramMessages: {
    method: 'get',
    path: '/api/telegram/messages',
    tag: 'telegram',
    auth: 'none',
    summary: 'Newest messages of enabled channels',
    query: tg.TelegramMessagesQuerySchema,
    responses: { 200: { description: 'messages', schema: tg.TelegramMessagesResponseSchema } },
  },
  telegramHealth: {
    method: 'get',
    path: '/api/telegram/health',
    tag: 'telegram',
    auth: 'none',
    summary: 'Legacy liveness',
    responses: { 200: { description: 'ok', schema: tg.TelegramHealthResponseSchema } },
  },
  // --- system ---
  heartbeat: {
    method: 'post',
    path: '/api/heartbeats',
    callers: DAEMON_NAMES,
    tag: 'system',
    auth: 'ingestKey',
    summary: 'Daemon heartbeat',
    body: sys.HeartbeatSchema,
    responses: { 200: { description: 'recorded', schema: sys.HeartbeatResponseSchema }, ...ingestErrors },
  },
  health: {
    method: 'get',
    path: '/health',
    tag: 'system',
    auth: 'none',
    summary: 'Health: database, bus, data freshness',
    responses: {
      200: { description: 'healthy', schema: sys.HealthResponseSchema },
      503: { description: 'something enabled is stale or down', schema: sys.HealthResponseSchema },
    },
  },
  metrics: {
    method: 'get',
    path: '/metrics',
    tag: 'system',
    auth: 'none',
    summary: 'Prometheus metrics',
    responses: { 200: { description: 'text exposition format', contentType: 'text/plain' } },
  },
  openapi: {
    method: 'get',
    path: '/openapi.json',
    tag: 'system',
    auth: 'none',
    summary: 'This document',
    responses: { 200: { description: 'OpenAPI 3.1' } },
  },
  docs: {
    method: 'get',
    path: '/docs',
    tag: 'system',
    auth: 'none',
    summary: 'This document rendered as HTML',
    responses: { 200: { description: 'HTML', contentType: 'text/html' } },
  },
} satisfies Record<string, RouteSpec>;

export type RouteTable = typeof ROUTE_TABLE;
export type RouteName = keyof RouteTable;
export type NamedRouteSpec = RouteSpec & { name: RouteName };

/** The same routes as a list (each with its `name`), in table order. */
export const ROUTES: readonly NamedRouteSpec[] = (Object.keys(ROUTE_TABLE) as RouteName[]).map((name) => ({
  name,
  ...(ROUTE_TABLE[name] as RouteSpec),
}));
