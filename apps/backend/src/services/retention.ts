import type { PrismaClient } from '@volspike/db';
import { OI_DOWNSAMPLED_SOURCE } from '@volspike/contracts';
import type { Logger } from '@volspike/runtime';
import type { BackendMetrics } from '../metrics.js';

export interface RetentionConfig {
  /** Realtime samples are kept at native resolution this long, then collapsed to one row per 5 minutes. */
  sampleRetentionHours: number;
  /** 5-minute rows (`realtime_5m`) are deleted after this many days. */
  downsampleRetentionDays: number;
  /** `snapshot` / `snapshot_legacy` rows are deleted after this many days. */
  snapshotRetentionDays: number;
  /** Stored idempotent responses are deleted after this many hours. */
  idempotencyRetentionHours: number;
  /** Sent and given-up `email_outbox` rows are deleted after this many days (queued ones never). */
  emailRetentionDays: number;
  intervalMs: number;
}

export interface RetentionResult {
  collapsedSamples: number;
  downsampledRows: number;
  deletedDownsampled: number;
  deletedSnapshots: number;
  deletedIngestRequests: number;
  deletedEmails: number;
}

const FIVE_MIN_MS = 5 * 60_000;

/** Cutoff for downsampling, aligned to a 5-minute boundary so that no bucket is ever split across two runs. */
export function downsampleCutoff(now: number, sampleRetentionHours: number): Date {
  return new Date(Math.floor((now - sampleRetentionHours * 3_600_000) / FIVE_MIN_MS) * FIVE_MIN_MS);
}

/**
 * Bounds the OI tables: collapses old realtime samples into one `realtime_5m` row per symbol and 5-minute bucket
 * (the last sample of the bucket, stamped with the bucket start), then deletes what is past its retention.
 * Runs as a setTimeout chain with an in-flight guard.
 */
export class RetentionJob {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;
  private stopped = false;
  private failing = false;
  private readonly log: Logger;

  constructor(
    private readonly opts: {
      prisma: PrismaClient;
      logger: Logger;
      config: RetentionConfig;
      metrics?: BackendMetrics;
      now?: () => number;
    },
  ) {
    this.log = opts.logger.child({ component: 'retention' });
  }

  start(firstDelayMs = 5_000): void {
    this.stopped = false;
    this.schedule(firstDelayMs);
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.running) return this.schedule(this.opts.config.intervalMs);
      this.running = this.runOnce()
        .then((r) => {
          if (this.failing) this.log.info('retention job recovered');
          this.failing = false;
          if (r.collapsedSamples || r.deletedDownsampled || r.deletedSnapshots || r.deletedEmails)
            this.log.info(r, 'retention pass');
        })
        .catch((err: unknown) => {
          if (!this.failing) this.log.error({ err }, 'retention pass failed; will retry');
          this.failing = true;
        })
        .finally(() => {
          this.running = null;
          this.schedule(this.opts.config.intervalMs);
        });
    }, delay);
    this.timer.unref();
  }

  async runOnce(): Promise<RetentionResult> {
    const { prisma, config } = this.opts;
    const now = (this.opts.now ?? Date.now)();
    const cutoff = downsampleCutoff(now, config.sampleRetentionHours).toISOString();
    const [collapsed] = await prisma.$queryRaw<{ moved: bigint; inserted: bigint }[]>`
      WITH moved AS (
        DELETE FROM open_interest_snapshots
        WHERE source = 'realtime' AND ts < ${cutoff}::timestamp(3)
        RETURNING symbol, ts, "openInterest", "openInterestUsd", "markPrice"
      ), buckets AS (
        SELECT DISTINCT ON (symbol, bucket) symbol, bucket, "openInterest", "openInterestUsd", "markPrice"
        FROM (SELECT *, date_bin('5 minutes', ts, TIMESTAMP '2000-01-01') AS bucket FROM moved) m
        ORDER BY symbol, bucket, ts DESC
      ), ins AS (
        INSERT INTO open_interest_snapshots (id, symbol, ts, "openInterest", "openInterestUsd", "markPrice", source, "createdAt")
        SELECT gen_random_uuid()::text, symbol, bucket, "openInterest", "openInterestUsd", "markPrice", ${OI_DOWNSAMPLED_SOURCE}, timezone('UTC', now())
        FROM buckets
        ON CONFLICT (symbol, ts, source) DO NOTHING
        RETURNING 1
      )
      SELECT (SELECT count(*) FROM moved) AS moved, (SELECT count(*) FROM ins) AS inserted`;
    const downCutoff = new Date(now - config.downsampleRetentionDays * 86_400_000);
    const deletedDownsampled = await prisma.openInterestSnapshot.deleteMany({
      where: { source: OI_DOWNSAMPLED_SOURCE, ts: { lt: downCutoff } },
    });
    const snapCutoff = new Date(now - config.snapshotRetentionDays * 86_400_000);
    const deletedSnapshots = await prisma.openInterestSnapshot.deleteMany({
      where: { source: { in: ['snapshot', 'snapshot_legacy'] }, ts: { lt: snapCutoff } },
    });
    const deletedIngest = await prisma.ingestRequest.deleteMany({
      where: { createdAt: { lt: new Date(now - config.idempotencyRetentionHours * 3_600_000) } },
    });
    const emailCutoff = new Date(now - config.emailRetentionDays * 86_400_000);
    const deletedEmails = await prisma.emailOutbox.deleteMany({
      where: { OR: [{ sentAt: { lt: emailCutoff } }, { failedAt: { lt: emailCutoff } }] },
    });
    const result: RetentionResult = {
      collapsedSamples: Number(collapsed?.moved ?? 0),
      downsampledRows: Number(collapsed?.inserted ?? 0),
      deletedDownsampled: deletedDownsampled.count,
      deletedSnapshots: deletedSnapshots.count,
      deletedIngestRequests: deletedIngest.count,
      deletedEmails: deletedEmails.count,
    };
    const m = this.opts.metrics?.retentionRows;
    if (m) {
      m.inc({ action: 'collapsed' }, result.collapsedSamples);
      m.inc({ action: 'deleted' }, result.deletedDownsampled + result.deletedSnapshots + result.deletedEmails);
    }
    return result;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
  }
}
