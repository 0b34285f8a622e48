import type { BackendClient } from '@volspike/backend-client';
import type { TelegramIngest } from '@volspike/contracts';

export interface IngestBatch {
  /** `telegram:<chatId>|<first id>..<last id>`: the same batch re-sent after a crash carries the same key. */
  idempotencyKey: string;
  body: TelegramIngest;
}

/** Where batches go: resolves only when the backend accepted the batch (or, in SHADOW mode, it was recorded). */
export interface IngestSink {
  send(batch: IngestBatch, signal?: AbortSignal): Promise<void>;
}

/**
 * The backend's `telegramIngest` route through the typed backend client (key header, URL, the route's
 * 30 s timeout and its idempotent retry policy, response parsed by the contract). A non-2xx or network
 * failure rejects with the client's BackendError.
 */
export function backendIngestSink(api: BackendClient): IngestSink {
  return {
    async send(batch, signal) {
      await api.send('telegramIngest', {
        body: batch.body,
        idempotencyKey: batch.idempotencyKey,
        ...(signal ? { signal } : {}),
      });
    },
  };
}
