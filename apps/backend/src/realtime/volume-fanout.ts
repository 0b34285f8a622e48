import { SOCKET_EVENTS, volumeAlertEvent, type StoredVolumeAlert, type VolumeAlertRow } from '@volspike/contracts';
import type { PrismaClient } from '@volspike/db';
import type { Logger } from '@volspike/runtime';
import { roomsOf, type AUDIENCE, type IoServer } from './audience.js';
import { FREE_PERIOD_MS, PRO_PERIOD_MS, TierReleaseQueue, nextBoundary, releasesImmediately } from './tier-release.js';

type TierRoom = (typeof AUDIENCE)['volume-alert'][number];

/**
 * `volume-alert` by tier (docs/legacy-contracts.md §3.4): elite at once; pro and free at once when the alert's minute is on
 * their 5 / 15-minute grid, otherwise held until their next boundary. Every alert also goes to `debug-alert`.
 */
export class VolumeAlertFanout {
  private readonly pro: TierReleaseQueue<VolumeAlertRow>;
  private readonly free: TierReleaseQueue<VolumeAlertRow>;

  constructor(
    private readonly io: IoServer,
    private readonly opts: { prisma: PrismaClient; log: Logger; now: () => number },
  ) {
    this.pro = new TierReleaseQueue(PRO_PERIOD_MS, (items) => this.release('tier-pro', items), opts.now);
    this.free = new TierReleaseQueue(FREE_PERIOD_MS, (items) => this.release('tier-free', items), opts.now);
  }

  emit(row: StoredVolumeAlert): void {
    const payload = volumeAlertEvent(row);
    const at = row.detectionTime ?? row.timestamp;
    this.io.to('tier-elite').emit(SOCKET_EVENTS.volumeAlert, payload);
    if (releasesImmediately(at, PRO_PERIOD_MS)) this.io.to('tier-pro').emit(SOCKET_EVENTS.volumeAlert, payload);
    else this.pro.push(payload);
    if (releasesImmediately(at, FREE_PERIOD_MS)) this.io.to('tier-free').emit(SOCKET_EVENTS.volumeAlert, payload);
    else this.free.push(payload);
    this.io.to(roomsOf('debug-alert')).emit(SOCKET_EVENTS.debugAlert, { kind: 'volume', alert: payload });
  }

  pending(): { pro: number; free: number } {
    return { pro: this.pro.size(), free: this.free.size() };
  }

  stop(): void {
    this.pro.stop();
    this.free.stop();
  }

  private release(room: TierRoom, items: VolumeAlertRow[]): void {
    for (const payload of items) this.io.to(room).emit(SOCKET_EVENTS.volumeAlert, payload);
    this.opts.log.debug({ room, count: items.length }, 'released queued volume alerts');
  }

  /**
   * The queues live in memory: alerts that were waiting for their tier's boundary when the last process
   * stopped are queued again from the stored rows — those whose time falls after the tier's last boundary and
   * not on a minute that released them at once. (The REST route gates by the same times, so nothing is lost
   * there; this is the live push.) A failed read is logged; the backend starts anyway.
   */
  async restore(): Promise<void> {
    const t = this.opts.now();
    const since = (periodMs: number) => nextBoundary(t, periodMs) - periodMs;
    const from = new Date(Math.min(since(PRO_PERIOD_MS), since(FREE_PERIOD_MS)));
    const rows = await this.opts.prisma.volumeAlert.findMany({
      where: { OR: [{ detectionTime: { gt: from } }, { detectionTime: null, timestamp: { gt: from } }] },
      orderBy: { timestamp: 'asc' },
    });
    const queued = { pro: 0, free: 0 };
    for (const row of rows) {
      const at = row.detectionTime ?? row.timestamp;
      const payload = volumeAlertEvent(row);
      for (const [tier, periodMs, queue] of [
        ['pro', PRO_PERIOD_MS, this.pro],
        ['free', FREE_PERIOD_MS, this.free],
      ] as const) {
        if (at.getTime() > since(periodMs) && !releasesImmediately(at, periodMs)) {
          queue.push(payload);
          queued[tier]++;
        }
      }
    }
    if (queued.pro + queued.free > 0)
      this.opts.log.info(queued, 'volume alerts waiting for their tier boundary queued again');
  }
}
