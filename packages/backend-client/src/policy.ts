import type { RouteName } from '@volspike/contracts';

/**
 * When a call is retried, as data: the waits between attempts (their count is the number of retries),
 * which statuses count as transient, whether network errors and timeouts do, and the longest
 * `Retry-After` honoured. Only idempotent calls get a retrying policy: every GET, and the POSTs the route
 * table marks `idempotent` when they carry an Idempotency-Key.
 */
export interface RetryPolicy {
  delaysMs: readonly number[];
  statuses: readonly number[];
  network: boolean;
  maxRetryAfterMs: number;
}

export const NO_RETRY: RetryPolicy = { delaysMs: [], statuses: [], network: false, maxRetryAfterMs: 0 };

/** The legacy daemons' GET policy (three retries on 429/5xx and network errors), with shorter waits. */
export const IDEMPOTENT_RETRY: RetryPolicy = {
  delaysMs: [250, 500, 1000],
  statuses: [408, 429, 500, 502, 503, 504],
  network: true,
  maxRetryAfterMs: 5000,
};

/** Per-attempt timeout of every call unless the route has its own below or the call passes `timeoutMs`. */
export const DEFAULT_TIMEOUT_MS = 10_000;

/** Routes with a timeout of their own (the legacy daemons' values where they had one). */
export const ROUTE_TIMEOUTS_MS: Partial<Record<RouteName, number>> = {
  // docs/legacy-contracts.md §4.1: the volume daemon's oiChange lookup, 3 s
  oiSnapshot: 3000,
  // §4.1: volume ingest 5 s
  volumeAlertIngest: 5000,
  heartbeat: 5000,
  // §4.7: telegram ingest 30 s
  telegramIngest: 30_000,
};
