import type { BackendQueue, QueueStats } from '@volspike/backend-client';
import type { VolumeAlertPayload } from '@volspike/oi-core';
import type { Logger } from '@volspike/runtime';
import { oiSnapshotKey, volumeAlertKey } from './cycle-rules.js';
import type { OiSnapshotBody } from './cycle-rules.js';
import type { TelegramSender } from './telegram-sender.js';

/** One backend the alerts go to (PROD, and DEV when configured), through its client's durable queue. */
export interface DeliveryTarget {
  name: 'prod' | 'dev';
  queue: BackendQueue;
}

/**
 * Per alert, in the legacy order: Telegram, PROD POST, DEV POST — each into its own durable queue, so a
 * slow or down receiver delays only itself and nothing is lost. Idempotency-Key per alert and target is
 * deterministic, so a re-run cycle (restart, replay) is deduplicated by the backend. In shadow mode the
 * queues and the Telegram sender record instead of sending; nothing here changes.
 */
export class AlertDelivery {
  constructor(
    private readonly opts: {
      targets: DeliveryTarget[];
      telegram: TelegramSender | null;
      logger: Logger;
    },
  ) {}

  async volumeAlert(payload: VolumeAlertPayload): Promise<void> {
    const alertKey = { symbol: payload.symbol, alertType: payload.alertType, hourTimestamp: payload.hourTimestamp };
    if (this.opts.telegram)
      await this.opts.telegram.enqueue(volumeAlertKey({ target: 'telegram', ...alertKey }), payload.message);
    for (const t of this.opts.targets) {
      await t.queue.enqueue('volumeAlertIngest', payload, {
        idempotencyKey: volumeAlertKey({ target: t.name, ...alertKey }),
      });
    }
  }

  async oiSnapshot(body: OiSnapshotBody, cycleTime: number): Promise<void> {
    for (const t of this.opts.targets) {
      await t.queue.enqueue('oiIngest', body, { idempotencyKey: oiSnapshotKey({ target: t.name, cycleTime }) });
    }
  }

  hasBackend(): boolean {
    return this.opts.targets.length > 0;
  }

  /** Waits (each queue up to timeoutMs, in parallel) for everything queued to be delivered. */
  async flush(timeoutMs: number): Promise<void> {
    await Promise.all([
      ...this.opts.targets.map((t) => t.queue.flush(timeoutMs)),
      this.opts.telegram?.flush(timeoutMs),
    ]);
  }

  /** Stops the Telegram sender and every queue (what is undelivered stays persisted for the next start). */
  async stop(): Promise<void> {
    await this.opts.telegram?.stop();
    for (const t of this.opts.targets) await t.queue.stop();
  }

  pending(): number {
    return this.opts.targets.reduce((n, t) => n + t.queue.depth(), 0) + (this.opts.telegram?.depth() ?? 0);
  }

  stats(): Record<string, QueueStats | ReturnType<TelegramSender['stats']>> {
    const out: Record<string, QueueStats | ReturnType<TelegramSender['stats']>> = {};
    for (const t of this.opts.targets) out[t.name] = t.queue.stats();
    if (this.opts.telegram) out.telegram = this.opts.telegram.stats();
    return out;
  }
}
