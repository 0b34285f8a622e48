export * from './common.js';
export * from './volume-alerts.js';
export * from './open-interest.js';
export * from './oi-alerts.js';
export * from './user-alerts.js';
export * from './telegram.js';
export * from './system.js';
export {
  ConnectedEventSchema,
  OiUpdateEventSchema,
  OiUpdatesEventSchema,
  SOCKET_EVENTS,
  SOCKET_EVENT_SCHEMAS,
  type ConnectedEvent,
  type OiUpdateEvent,
  type OiUpdatesEvent,
} from './socket-events.js';
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
