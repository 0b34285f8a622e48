export { EnvError, backendTargetEnv, busEnv, env, loadEnv, processEnv, shadowEnv } from './env.js';
export { createLogger, REDACT_PATHS, type CreateLoggerOptions, type Logger } from './logger.js';
export { Lifecycle, type LifecycleOptions } from './lifecycle.js';
export {
  BusError,
  CHANNELS,
  KEYS,
  createBus,
  type Bus,
  type BudgetSnapshot,
  type CreateBusOptions,
  type MarkPriceRecord,
  type MarkPricesMessage,
  type OiSampleMessage,
  type OiSamplesMessage,
  type UniverseMessage,
  type OiScheduleMessage,
} from './bus.js';
export { MemoryBus } from './memory-bus.js';
export { RedisBus } from './redis-bus.js';
export {
  createMetrics,
  startStatusServer,
  type HealthResult,
  type StatusServer,
  type StatusServerOptions,
} from './status-server.js';
export {
  DEFAULT_STATE_FILE_MODE,
  readOrCreateSecret,
  writeFileAtomic,
  writeFileAtomicSync,
  writeJsonAtomic,
  type WriteFileAtomicOptions,
} from './atomic-file.js';
export { counter, gauge, histogram } from './metrics.js';
export { AbortedError, backoffDelay, sleep, type BackoffOptions } from './retry.js';
export {
  FileOutboxStore,
  MemoryOutboxStore,
  Outbox,
  OutboxError,
  RedisOutboxStore,
  parseRetryAfter,
  type OutboxMessage,
  type OutboxOptions,
  type OutboxStats,
  type OutboxStore,
  type OutboxTarget,
} from './outbox.js';
export {
  runStandalone,
  type AppDeps,
  type AppHandle,
  type StandaloneDeps,
  type StandaloneEnv,
  type StandaloneOptions,
  type StandaloneProcess,
} from './standalone.js';
export {
  HeartbeatSender,
  type HeartbeatBody,
  type HeartbeatReport,
  type HeartbeatSenderOptions,
  type HeartbeatTimers,
} from './heartbeat.js';
