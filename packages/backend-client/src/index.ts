export { BackendClient, type BackendClientOptions } from './client.js';
export { BackendError, type BackendErrorCode } from './errors.js';
export { DEFAULT_TIMEOUT_MS, IDEMPOTENT_RETRY, NO_RETRY, ROUTE_TIMEOUTS_MS, type RetryPolicy } from './policy.js';
export { createBackendQueue, type BackendQueue, type BackendQueueOptions, type QueueStats } from './queue.js';
export {
  ShadowJournal,
  ShadowJournalError,
  parseShadowLine,
  shadowFileName,
  type ShadowEntry,
  type ShadowRecord,
  type ShadowSink,
  type ShadowTarget,
} from './shadow-journal.js';
export { openShadowJournal } from './shadow-mode.js';
export type {
  BodyOf,
  CallControl,
  Delivery,
  ParamsOf,
  QueryOf,
  QueueRouteName,
  ReadInput,
  ReadRouteName,
  ResultOf,
  WriteInput,
  WriteRouteName,
} from './types.js';
export { fillPath, joinUrl } from './url.js';
