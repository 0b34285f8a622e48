import type { Logger } from 'pino';
import { MemoryBus } from './memory-bus.js';
import { RedisBus } from './redis-bus.js';

export { BusError } from './bus-common.js';

/** Pub/sub plus small JSON key/value state, shared between the components of the stack. */
export interface Bus {
  readonly kind: 'redis' | 'memory';
  /** `message` must be JSON-serialisable; subscribers receive the parsed copy. */
  publish(channel: string, message: unknown): Promise<void>;
  /** Resolves once the subscription is active; the returned function unsubscribes this handler. */
  subscribe(channel: string, handler: (message: unknown) => void): Promise<() => Promise<void>>;
  setJson(key: string, value: unknown, ttlSec?: number): Promise<void>;
  getJson<T = unknown>(key: string): Promise<T | null>;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export interface CreateBusOptions {
  /** When set: Redis pub/sub + keys. Otherwise an in-process bus. */
  redisUrl?: string;
  /** Prefix for every Redis key AND channel. Default 'volspike:'. */
  keyPrefix?: string;
  /** Memory bus only: setJson/getJson state is persisted here (atomic write) and reloaded. */
  stateFile?: string;
  logger: Logger;
}

export function createBus(opts: CreateBusOptions): Bus {
  if (opts.redisUrl)
    return new RedisBus({ redisUrl: opts.redisUrl, keyPrefix: opts.keyPrefix ?? 'volspike:', logger: opts.logger });
  return new MemoryBus({ stateFile: opts.stateFile, logger: opts.logger });
}

export const CHANNELS = {
  /** payload: UniverseMessage; also stored with setJson(KEYS.universe) */
  universe: 'universe',
  /** payload: MarkPricesMessage (changed symbols only) */
  markPrices: 'mark-prices',
  /** payload: OiSamplesMessage */
  oiSamples: 'oi-samples',
  oiAlerts: 'oi-alerts',
  /** payload: BudgetSnapshot, each process with a WeightBudget ~every 5 s; also stored at KEYS.budgetLatest */
  budget: 'weight-budget',
} as const satisfies Record<string, string>;

export const KEYS = {
  universe: 'universe:current',
  /** Record<symbol, MarkPriceRecord> */
  markPrices: 'mark-prices:all',
  /** the newest BudgetSnapshot */
  budgetLatest: 'weight-budget:latest',
  /** the OI poller's per-symbol poll ledger (when and why each symbol was last polled): OiScheduleMessage */
  oiSchedule: 'oi-schedule:latest',
} as const satisfies Record<string, string>;

export interface OiScheduleMessage {
  at: number;
  mode: 'activity' | 'fixed';
  shard: string;
  symbols: {
    symbol: string;
    lastPollAt: number | null;
    reason: 'activity' | 'staleness' | 'fixed' | null;
    lastIntervalMs: number | null;
    polls: number;
  }[];
}

export interface UniverseMessage {
  updatedAt: string;
  enterThreshold: number;
  exitThreshold: number;
  symbols: { symbol: string; quoteVolume24h: number; enteredAt: string; lastSeenAt: string }[];
}

export interface MarkPriceRecord {
  symbol: string;
  markPrice: number;
  indexPrice: number | null;
  fundingRate: number | null;
  nextFundingTime: number | null;
  /** epoch ms */
  updatedAt: number;
}

/** The shared Binance weight budget as one process sees it (binance-client's WeightBudget.snapshot()). */
export interface BudgetSnapshot {
  at: number;
  limitPerMin: number;
  usablePerMin: number;
  /** weight used over the sliding last 60 s (can exceed usablePerMin across a window boundary) */
  usedLastMinute: number;
  /** the budget's own fixed window (its reservoir's refill period) and the weight used in it so far:
   *  what usablePerMin is enforced against. Absent in snapshots of older processes. */
  window?: { startedAt: number; lengthMs: number; used: number };
  serverUsedWeight1m: number | null;
  headroom: number;
  queued: number;
  pausedUntil: number | null;
  pauseReason: string | null;
  rejected429: number;
  banned418: number;
  byComponent: Record<
    string,
    {
      usedLastMinute: number;
      usedThisWindow?: number;
      requestsLastMinute: number;
      reservePerMin: number;
      queued: number;
    }
  >;
}

export interface MarkPricesMessage {
  updatedAt: number;
  prices: MarkPriceRecord[];
}

export interface OiSampleMessage {
  symbol: string;
  openInterest: number;
  openInterestUsd: number | null;
  markPrice: number | null;
  /** epoch ms */
  ts: number;
}

export interface OiSamplesMessage {
  samples: OiSampleMessage[];
}
