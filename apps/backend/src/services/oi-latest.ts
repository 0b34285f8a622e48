import { queryDirect, type PrismaClient } from '@volspike/db';
import { OI_INGEST_SOURCES } from '@volspike/contracts';
import { backoffDelay, sleep, type Logger } from '@volspike/runtime';

/** One symbol's value in open_interest_latest, as an ingested sample leaves it. */
export interface LatestOiValue {
  symbol: string;
  openInterest: number;
  /** The sample's USD value, else oi × mark when that is > 0, else null (then the stored USD is kept). */
  openInterestUsd: number | null;
  markPrice: number | null;
  ts: Date;
  source: string;
}

/**
 * The value after `later` is written over `earlier` (same symbol), by the rules of the table's upsert: an older
 * sample changes nothing; a sample without USD keeps the previous USD value, and its mark unless it has one.
 * Merging in memory with this and writing the result once gives the row that writing each value in turn gives.
 */
export function combineLatest(earlier: LatestOiValue, later: LatestOiValue): LatestOiValue {
  if (later.ts.getTime() < earlier.ts.getTime()) return earlier;
  if (later.openInterestUsd !== null) return later;
  return { ...later, openInterestUsd: earlier.openInterestUsd, markPrice: later.markPrice ?? earlier.markPrice };
}

/** The upsert's SET, shared by the flush and the repair: never an older sample, never a known USD/mark → null. */
const UPSERT_TAIL = `ON CONFLICT (symbol) DO UPDATE SET
    "openInterest" = EXCLUDED."openInterest",
    "openInterestUsd" = COALESCE(EXCLUDED."openInterestUsd", l."openInterestUsd"),
    "markPrice" = CASE WHEN EXCLUDED."openInterestUsd" IS NULL THEN COALESCE(EXCLUDED."markPrice", l."markPrice") ELSE EXCLUDED."markPrice" END,
    ts = EXCLUDED.ts,
    source = EXCLUDED.source,
    "updatedAt" = timezone('UTC', now())`;

/** The pending values, one row per symbol, in symbol order (concurrent writers lock rows in one order). */
const FLUSH_SQL = `/* prepared: oi_latest_flush_v1 */
INSERT INTO open_interest_latest AS l (symbol, "openInterest", "openInterestUsd", "markPrice", ts, source, "updatedAt")
SELECT symbol, oi, usd, mark, ts, source, timezone('UTC', now())
FROM unnest($1::text[], $2::numeric[], $3::numeric[], $4::numeric[], $5::timestamp(3)[], $6::text[])
  AS b(symbol, oi, usd, mark, ts, source)
ORDER BY symbol
${UPSERT_TAIL}
  WHERE l.ts <= EXCLUDED.ts`;

/**
 * After a crash, the values that were pending are in open_interest_snapshots but not in open_interest_latest:
 * the newest ingested sample of each symbol stored since the last flush (with a 10-minute margin; the whole
 * table when open_interest_latest is empty) is written when it is newer than the stored one. USD as the ingest
 * computes it (given, else oi × mark when > 0; a legacy 0.0 mark or USD is unknown). Read through the (source, ts) index.
 */
const REPAIR_SQL = `/* prepared: oi_latest_repair_v1 */
WITH since AS (
  SELECT COALESCE(max("updatedAt") - interval '10 minutes', '-infinity'::timestamp) AS t FROM open_interest_latest
), newest AS (
  SELECT DISTINCT ON (s.symbol) s.symbol, s."openInterest" AS oi, NULLIF(s."markPrice", 0) AS mark, s.ts, s.source,
    COALESCE(NULLIF(s."openInterestUsd", 0), CASE WHEN s."openInterest" * s."markPrice" > 0 THEN s."openInterest" * s."markPrice" END) AS usd
  FROM open_interest_snapshots s, since
  WHERE s.source = ANY($1::text[]) AND s.ts >= since.t
  ORDER BY s.symbol, s.ts DESC, s."createdAt" DESC
)
INSERT INTO open_interest_latest AS l (symbol, "openInterest", "openInterestUsd", "markPrice", ts, source, "updatedAt")
SELECT symbol, oi, usd, mark, ts, source, timezone('UTC', now()) FROM newest ORDER BY symbol
${UPSERT_TAIL}
  WHERE l.ts < EXCLUDED.ts
RETURNING symbol`;

export type QueryFn = <T extends Record<string, unknown>>(sql: string, values: unknown[]) => Promise<T[]>;

export interface LatestOiWriterOptions {
  prisma: PrismaClient;
  logger: Logger;
  /** Longest time a value waits in memory before it is written (OI_LATEST_FLUSH_MS). */
  flushIntervalMs: number;
  /** The database call (tests inject failures); default queryDirect on `prisma`. */
  query?: QueryFn;
}

/**
 * open_interest_latest, written behind the sample ingest. A batch's snapshot rows are stored (and answered) at
 * once; its newest value per symbol is merged into a map here and written at most `flushIntervalMs` later, in
 * one statement for all pending symbols. At the bench's load (4000 symbols, each sampled 12 times a second)
 * that is one row per symbol per flush instead of one upsert per sample — the upsert was ≈ 30 % of Postgres'
 * time per batch. Every read of the table in this process (`/api/market/open-interest`, `/latest`, `/health`,
 * `/debug`) first calls {@link flushed}, so no reader sees an older value than one already ingested here.
 *
 * A failed flush puts its values back (merged under anything newer) and is retried with backoff. A crash loses
 * at most the pending values, which {@link repair} rebuilds from open_interest_snapshots at the next start. One
 * shutdown path: {@link close} stops the timer and writes what is pending.
 */
export class LatestOiWriter {
  private pending = new Map<string, LatestOiValue>();
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> | null = null;
  private failures = 0;
  private closed = false;
  /** The repair attempt running now: flushes wait for it (its window starts at the last flush's time). */
  private repairing: Promise<unknown> | null = null;
  private readonly stop = new AbortController();
  private readonly log: Logger;
  private readonly query: QueryFn;

  constructor(private readonly opts: LatestOiWriterOptions) {
    this.log = opts.logger.child({ component: 'oi-latest' });
    this.query = opts.query ?? ((sql, values) => queryDirect(opts.prisma, sql, values));
  }

  /** Symbols waiting to be written. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** Merges values (in the order they were ingested) and schedules a flush. Nothing is written here. */
  record(values: Iterable<LatestOiValue>): void {
    for (const v of values) {
      const prev = this.pending.get(v.symbol);
      this.pending.set(v.symbol, prev ? combineLatest(prev, v) : v);
    }
    if (this.pending.size > 0) this.schedule(this.opts.flushIntervalMs);
  }

  /**
   * Writes everything recorded before this call (waiting for a flush already running first). Rejects when the
   * write fails; the values stay pending and the timer retries them.
   */
  async flush(): Promise<void> {
    if (this.repairing) await this.repairing.catch(() => undefined);
    while (this.inFlight) await this.inFlight.catch(() => undefined);
    if (this.pending.size === 0) return;
    const run = this.write();
    this.inFlight = run;
    try {
      await run;
    } finally {
      if (this.inFlight === run) this.inFlight = null;
    }
  }

  /** Before a read of open_interest_latest: {@link flush}, its failure logged, not thrown (the read goes on). */
  async flushed(): Promise<void> {
    try {
      await this.flush();
    } catch {
      // logged by write(); the reader sees the table as it is
    }
  }

  /**
   * Writes the newest stored sample of each symbol that open_interest_latest lacks (see REPAIR_SQL); returns how
   * many rows it wrote. Run once at start-up, before the first flush.
   */
  async repair(): Promise<number> {
    const run = this.query<{ symbol: string }>(REPAIR_SQL, [[...OI_INGEST_SOURCES]]);
    this.repairing = run;
    try {
      const rows = await run;
      if (rows.length > 0) this.log.warn({ symbols: rows.length }, 'open_interest_latest repaired from stored samples');
      return rows.length;
    } finally {
      if (this.repairing === run) this.repairing = null;
    }
  }

  /** {@link repair}, retried with backoff while it fails (the database may still be starting), until closed. */
  async repairUntilDone(): Promise<void> {
    for (let attempt = 0; !this.closed; attempt++) {
      try {
        await this.repair();
        return;
      } catch (err) {
        if (attempt === 0) this.log.error({ err }, 'open_interest_latest repair failed; retrying');
        await sleep(backoffDelay(attempt, { baseMs: 1000, maxMs: 30_000 }), this.stop.signal).catch(() => undefined);
      }
    }
  }

  /** Stops the timer and writes what is pending (one attempt; a failure is logged). */
  async close(): Promise<void> {
    this.closed = true;
    this.stop.abort();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.flushed();
  }

  private schedule(delayMs: number): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flushed();
    }, delayMs);
    this.timer.unref?.();
  }

  private async write(): Promise<void> {
    const batch = this.pending;
    this.pending = new Map();
    const rows = [...batch.values()].sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
    try {
      await this.query(FLUSH_SQL, [
        rows.map((r) => r.symbol),
        rows.map((r) => String(r.openInterest)),
        rows.map((r) => (r.openInterestUsd === null ? null : String(r.openInterestUsd))),
        rows.map((r) => (r.markPrice === null ? null : String(r.markPrice))),
        rows.map((r) => r.ts.toISOString()),
        rows.map((r) => r.source),
      ]);
      if (this.failures > 0) this.log.info({ symbols: rows.length }, 'open_interest_latest written again');
      this.failures = 0;
    } catch (err) {
      // Back under whatever was recorded meanwhile (those came later).
      for (const [symbol, failed] of batch) {
        const later = this.pending.get(symbol);
        this.pending.set(symbol, later ? combineLatest(failed, later) : failed);
      }
      if (this.failures === 0)
        this.log.error({ err, symbols: rows.length }, 'open_interest_latest write failed; retrying');
      const delay = backoffDelay(this.failures, { baseMs: this.opts.flushIntervalMs, maxMs: 30_000 });
      this.failures++;
      if (!this.closed) {
        if (this.timer) clearTimeout(this.timer);
        this.timer = null;
        this.schedule(delay);
      }
      throw err;
    }
  }
}
