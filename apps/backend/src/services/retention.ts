import type { PrismaClient } from '@volspike/db';
import { OI_DOWNSAMPLED_SOURCE } from '@volspike/contracts';
import type { Logger } from '@volspike/runtime';
import type { BackendMetrics } from '../metrics.js';

export interface RetentionConfig {
  /** Realtime samples are kept at native resolution this long, then collapsed to one row per 5 minutes. */
  sampleRetentionHours: number;
  /** 5-minute rows (`realtime_5m`) are deleted after this many days. */
  downsampleRetentionDays: number;
  /**
   * `snapshot` / `snapshot_legacy` rows (what the legacy scripts and our snapshot job write) are deleted after this
   * many days; null (the default) keeps them forever.
   */
  snapshotRetentionDays: number | null;
  /**
   * false (default): rows older than the adoption of a legacy database (`volspike_adoption.startedAt`) are never
   * collapsed or deleted. true: retention applies to them too.
   */
  includePreAdoption: boolean;
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
 * History is never lost by default: snapshots (`snapshot`, `snapshot_legacy`) are kept unless
 * OI_SNAPSHOT_RETENTION_DAYS is set, and on an adopted legacy database nothing older than the adoption is touched
 * unless OI_RETENTION_INCLUDE_PRE_ADOPTION=true (docs/adoption.md).
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

  /** The oldest `ts` retention may touch: the adoption time of a legacy database, unless configured otherwise. */
  private async floor(): Promise<Date | null> {
    if (this.opts.config.includePreAdoption) return null;
    const adoption = await this.opts.prisma.adoption.findUnique({ where: { id: 1 } });
    return adoption?.startedAt ?? null;
  }

  /** Collapses realtime samples older than the native window (and not older than `floor`) into 5-minute rows. */
  private async collapse(now: number, floor: Date | null): Promise<{ moved: number; inserted: number }> {
    const cutoff = downsampleCutoff(now, this.opts.config.sampleRetentionHours).toISOString();
    const from = floor ? floor.toISOString() : '-infinity';
    const [collapsed] = await this.opts.prisma.$queryRaw<{ moved: bigint; inserted: bigint }[]>`
      WITH moved AS (
        DELETE FROM open_interest_snapshots
        WHERE source = 'realtime' AND ts < ${cutoff}::timestamp(3) AND ts >= ${from}::timestamp(3)
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
    return { moved: Number(collapsed?.moved ?? 0), inserted: Number(collapsed?.inserted ?? 0) };
  }

  async runOnce(): Promise<RetentionResult> {
    const { prisma, config } = this.opts;
    const now = (this.opts.now ?? Date.now)();
    const floor = await this.floor();
    const notBefore = floor ? { gte: floor } : {};
    const collapsed = await this.collapse(now, floor);
    const downCutoff = new Date(now - config.downsampleRetentionDays * 86_400_000);
    const deletedDownsampled = await prisma.openInterestSnapshot.deleteMany({
      where: { source: OI_DOWNSAMPLED_SOURCE, ts: { lt: downCutoff, ...notBefore } },
    });
    const deletedSnapshots =
      config.snapshotRetentionDays === null
        ? { count: 0 }
        : await prisma.openInterestSnapshot.deleteMany({
            where: {
              source: { in: ['snapshot', 'snapshot_legacy'] },
              ts: { lt: new Date(now - config.snapshotRetentionDays * 86_400_000), ...notBefore },
            },
          });
    const deletedIngest = await prisma.ingestRequest.deleteMany({
      where: { createdAt: { lt: new Date(now - config.idempotencyRetentionHours * 3_600_000) } },
    });
    const emailCutoff = new Date(now - config.emailRetentionDays * 86_400_000);
    const deletedEmails = await prisma.emailOutbox.deleteMany({
      where: { OR: [{ sentAt: { lt: emailCutoff } }, { failedAt: { lt: emailCutoff } }] },
    });
    const result: RetentionResult = {
      collapsedSamples: collapsed.moved,
      downsampledRows: collapsed.inserted,
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
