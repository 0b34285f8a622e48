import type { VolumeAlertPayload } from '@volspike/oi-core';
import type { Logger, Outbox, OutboxStats } from '@volspike/runtime';
import type { BackendTarget } from './env.js';
import { oiSnapshotKey, volumeAlertKey } from './cycle-rules.js';
import type { OiSnapshotBody } from './cycle-rules.js';
import type { TelegramSender } from './telegram-sender.js';

export interface DeliveryTarget extends BackendTarget {
  outbox: Outbox;
}

/**
 * Per alert, in the legacy order: Telegram, PROD POST, DEV POST — each into its own durable queue, so a
 * slow or down receiver delays only itself and nothing is lost. Idempotency-Key per alert and target is
 * deterministic, so a re-run cycle (restart, replay) is deduplicated by the backend.
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
      await t.outbox.enqueue({
        url: new URL('/api/volume-alerts/ingest', t.url).toString(),
        headers: { 'X-API-Key': t.apiKey },
        body: payload,
        idempotencyKey: volumeAlertKey({ target: t.name, ...alertKey }),
      });
    }
  }

  async oiSnapshot(body: OiSnapshotBody, cycleTime: number): Promise<void> {
    for (const t of this.opts.targets) {
      await t.outbox.enqueue({
        url: new URL('/api/market/open-interest/ingest', t.url).toString(),
        headers: { 'X-API-Key': t.apiKey },
        body,
        idempotencyKey: oiSnapshotKey({ target: t.name, cycleTime }),
      });
    }
  }

  hasBackend(): boolean {
    return this.opts.targets.length > 0;
  }

  /** Waits (each queue up to timeoutMs, in parallel) for everything queued to be delivered. */
  async flush(timeoutMs: number): Promise<void> {
    await Promise.all([
      ...this.opts.targets.map((t) => t.outbox.flush(timeoutMs)),
      this.opts.telegram?.flush(timeoutMs),
    ]);
  }

  pending(): number {
    return this.opts.targets.reduce((n, t) => n + t.outbox.depth(), 0) + (this.opts.telegram?.depth() ?? 0);
  }

  stats(): Record<string, OutboxStats | ReturnType<TelegramSender['stats']>> {
    const out: Record<string, OutboxStats | ReturnType<TelegramSender['stats']>> = {};
    for (const t of this.opts.targets) out[t.name] = t.outbox.stats();
    if (this.opts.telegram) out.telegram = this.opts.telegram.stats();
    return out;
  }
}
