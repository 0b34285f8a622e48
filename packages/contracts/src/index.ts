export * from './common.js';
export * from './volume-alerts.js';
export * from './open-interest.js';
export * from './oi-alerts.js';
export * from './user-alerts.js';
export * from './telegram.js';
export * from './system.js';
export {
  CLIENT_SOCKET_EVENTS,
  ConnectedEventSchema,
  DebugAlertEventSchema,
  OiUpdateEventSchema,
  OiUpdatesEventSchema,
  OiUpdatesItemSchema,
  SOCKET_EVENTS,
  SOCKET_EVENTS_COMPLETE,
  SOCKET_EVENT_SCHEMAS,
  SocketErrorEventSchema,
  type ClientToServerEvents,
  type ConnectedEvent,
  type DebugAlertEvent,
  type OiUpdateEvent,
  type OiUpdatesEvent,
  type OiUpdatesItem,
  type ServerToClientEvents,
  type SocketAck,
  type SocketErrorEvent,
  type SocketEventName,
  type SocketEventPayload,
} from './socket-events.js';
export * from './alert-events.js';
export {
  ROUTES,
  ROUTE_TABLE,
  DAEMON_NAMES,
  type DaemonName,
  type NamedRouteSpec,
  type RouteAuth,
  type RouteName,
  type RouteSpec,
  type RouteTable,
} from './routes.js';
export { buildOpenApiDocument } from './openapi.js';
export * from './values.js';
