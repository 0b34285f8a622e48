import { writeFileAtomic, type Logger, type MarkPriceRecord } from '@volspike/runtime';
import type { FundingStore } from './funding-store.js';
import type { FundingStreamStats } from './funding-stream.js';

/** One symbol in the legacy `funding_state`: only the fields we have (a missing value is left out, never 0). */
export interface LegacyFundingRecord {
  fundingRate?: number;
  markPrice: number;
  nextFundingTime?: number;
  indexPrice?: number;
  /** receive time, epoch seconds (float) */
  updatedAt: number;
}

/** The legacy funding daemon's `.funding_state.json` (docs/legacy-contracts.md §4.5). Times are epoch seconds. */
export interface LegacyStateDocument {
  funding_state: Record<string, LegacyFundingRecord>;
  connection_status: {
    connected: boolean;
    last_connected_time: number | null;
    reconnect_attempts: number;
    messages_received: number;
    last_message_time: number | null;
  };
  updated_at: number;
}

const seconds = (ms: number): number => ms / 1000;

function legacyRecord(r: MarkPriceRecord): LegacyFundingRecord {
  const out: LegacyFundingRecord = { markPrice: r.markPrice, updatedAt: seconds(r.updatedAt) };
  if (r.fundingRate !== null) out.fundingRate = r.fundingRate;
  if (r.nextFundingTime !== null) out.nextFundingTime = r.nextFundingTime;
  if (r.indexPrice !== null) out.indexPrice = r.indexPrice;
  return out;
}

/** Pure: the legacy document for these records (mark-price events only) and this stream state. */
export function legacyStateDocument(
  records: readonly MarkPriceRecord[],
  ws: FundingStreamStats,
  now: number,
): LegacyStateDocument {
  const fundingState: Record<string, LegacyFundingRecord> = {};
  for (const r of records) fundingState[r.symbol] = legacyRecord(r);
  return {
    funding_state: fundingState,
    connection_status: {
      connected: ws.connected,
      last_connected_time: ws.lastConnectedAt === null ? null : seconds(ws.lastConnectedAt),
      reconnect_attempts: ws.reconnects,
      messages_received: ws.messages,
      last_message_time: ws.lastMessageAt === null ? null : seconds(ws.lastMessageAt),
    },
    updated_at: seconds(now),
  };
}

export interface LegacyStateFileOptions {
  file: string;
  store: FundingStore;
  stream: () => FundingStreamStats;
  logger: Logger;
  /** Minimum spacing of two writes (the legacy readers need no more than one a second). */
  intervalMs?: number;
  /** File mode: the legacy OI poller and health monitor read the file as another user (trader). */
  mode?: number;
  now?: () => number;
  write?: (file: string, data: string, mode: number) => Promise<void>;
}

/**
 * Keeps the legacy daemon's state file current while the legacy OI poller and health monitor still read
 * it: at most one atomic rewrite (temp file + fsync + rename, see writeFileAtomic) per `intervalMs`, and
 * only when a mark-price item arrived or the connection state changed since the last write. A setTimeout
 * chain with an in-flight guard; a failing write is logged once per episode and retried on the next tick.
 */
export class LegacyStateFile {
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private inflight: Promise<void> | null = null;
  private lastKey: string | null = null;
  private failing = false;
  private written = 0;
  private readonly now: () => number;
  private readonly intervalMs: number;

  constructor(private readonly opts: LegacyStateFileOptions) {
    this.now = opts.now ?? Date.now;
    this.intervalMs = opts.intervalMs ?? 1000;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule();
  }

  /** Stops the chain and writes the final state once (so the file says `connected: false` after a clean stop). */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.inflight;
    await this.flush();
  }

  /** Number of successful writes since start. */
  writes(): number {
    return this.written;
  }

  /** Writes now when something changed since the last write. */
  async flush(): Promise<void> {
    const ws = this.opts.stream();
    const key = `${this.opts.store.updateCount()}|${ws.connected}|${ws.reconnects}`;
    if (key === this.lastKey) return;
    const doc = legacyStateDocument(this.opts.store.all(), ws, this.now());
    const mode = this.opts.mode ?? 0o644;
    try {
      await (this.opts.write ?? ((f, d, m) => writeFileAtomic(f, d, { mode: m })))(
        this.opts.file,
        JSON.stringify(doc),
        mode,
      );
      this.lastKey = key;
      this.written++;
      if (this.failing) this.opts.logger.info({ file: this.opts.file }, 'legacy state file written again');
      this.failing = false;
    } catch (err) {
      if (!this.failing)
        this.opts.logger.error({ err, file: this.opts.file }, 'legacy state file write failed (logged once)');
      this.failing = true;
    }
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      this.timer = null;
      this.inflight = this.flush().finally(() => {
        this.inflight = null;
        if (this.running) this.schedule();
      });
    }, this.intervalMs);
    this.timer.unref?.();
  }
}
