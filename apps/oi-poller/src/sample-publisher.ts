import { randomUUID } from 'node:crypto';
import type { BackendQueue, BodyOf } from '@volspike/backend-client';
import { CHANNELS, type Bus, type Logger, type OiSampleMessage } from '@volspike/runtime';

export interface SamplePublisherOptions {
  /** The backend client's queue (route `oiIngest`; URL and key are added at send time). */
  outbox: Pick<BackendQueue, 'enqueue'>;
  bus: Pick<Bus, 'publish'>;
  logger: Logger;
  intervalMs: number;
  /** items per POST (the backend accepts up to 2000; we send ≤ 500) */
  chunkSize?: number;
  onPublished?: (samples: number, chunks: number) => void;
}

/** The legacy ingest body plus a per-item `ts` (ISO) so each sample keeps its own time. */
export function ingestBody(chunk: readonly OiSampleMessage[]): BodyOf<'oiIngest'> {
  const newest = chunk.reduce((m, s) => Math.max(m, s.ts), 0);
  return {
    data: chunk.map((s) => ({
      symbol: s.symbol,
      openInterest: s.openInterest,
      openInterestUsd: s.openInterestUsd,
      markPrice: s.markPrice,
      ts: new Date(s.ts).toISOString(),
    })),
    // One time for the whole batch in the legacy contract; the newest sample's time is the closest to every row.
    timestamp: new Date(newest).toISOString(),
    totalSymbols: chunk.length,
    source: 'realtime',
  };
}

/**
 * Splits a batch into chunks of ≤ size in which each symbol appears once: the backend stores one time per
 * chunk (unique per symbol, time and source), so a second sample of a symbol must go in another chunk.
 */
export function chunkBatch(batch: readonly OiSampleMessage[], size: number): OiSampleMessage[][] {
  const chunks: OiSampleMessage[][] = [];
  const open: { items: OiSampleMessage[]; symbols: Set<string> }[] = [];
  for (const s of batch) {
    let target = open.find((c) => c.items.length < size && !c.symbols.has(s.symbol));
    if (!target) {
      target = { items: [], symbols: new Set() };
      open.push(target);
      chunks.push(target.items);
    }
    target.items.push(s);
    target.symbols.add(s.symbol);
  }
  return chunks;
}

/**
 * Collects samples and, every `intervalMs`, sends what arrived since the last publish as
 * `POST /api/market/open-interest/ingest` batches (chunks of ≤ 500) through the durable outbox — nothing
 * is lost while the backend is down, each chunk has its own Idempotency-Key — and on CHANNELS.oiSamples.
 */
export class SamplePublisher {
  private pending: OiSampleMessage[] = [];
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private inFlight: Promise<void> | null = null;
  private readonly log: Logger;
  private readonly bootId = randomUUID().slice(0, 8);
  private seq = 0;

  constructor(private readonly opts: SamplePublisherOptions) {
    this.log = opts.logger.child({ component: 'sample-publisher' });
  }

  add(s: OiSampleMessage): void {
    this.pending.push(s);
  }

  pendingCount(): number {
    return this.pending.length;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.arm();
  }

  /** Stops the timer and publishes what is still pending. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.inFlight) await this.inFlight;
    await this.publishNow();
  }

  private arm(): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.inFlight = this.publishNow().finally(() => {
        this.inFlight = null;
        this.arm();
      });
    }, this.opts.intervalMs);
  }

  /** Queues everything pending; resolves when it is persisted in the outbox. */
  async publishNow(): Promise<void> {
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    const size = this.opts.chunkSize ?? 500;
    let chunks = 0;
    for (const chunk of chunkBatch(batch, size)) {
      const key = `oi-samples|${this.bootId}|${++this.seq}`;
      try {
        await this.opts.outbox.enqueue('oiIngest', ingestBody(chunk), { idempotencyKey: key });
        chunks++;
      } catch (err) {
        this.log.error({ err, samples: chunk.length }, 'could not queue OI samples for the backend');
      }
    }
    await this.opts.bus
      .publish(CHANNELS.oiSamples, { samples: batch })
      .catch((err: unknown) => this.log.warn({ err }, 'could not publish OI samples on the bus'));
    this.opts.onPublished?.(batch.length, chunks);
  }
}
