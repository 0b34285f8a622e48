import type { TelegramIngest } from '@volspike/contracts';
import { VolspikeError } from '@volspike/errors';

export interface IngestBatch {
  /** `telegram:<chatId>|<first id>..<last id>`: the same batch re-sent after a crash carries the same key. */
  idempotencyKey: string;
  body: TelegramIngest;
}

/** Where accepted batches go: resolves only when the backend accepted the batch (2xx). */
export interface IngestSink {
  send(batch: IngestBatch, signal?: AbortSignal): Promise<void>;
}

export class IngestError extends VolspikeError<'INGEST_HTTP' | 'INGEST_NETWORK' | 'INGEST_TIMEOUT'> {
  constructor(
    code: IngestError['code'],
    message: string,
    readonly status: number | null = null,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

/** `POST <VOLSPIKE_API_URL>/api/telegram/ingest` with `X-API-Key` and `Idempotency-Key`; one attempt per call. */
export class HttpIngestSink implements IngestSink {
  private readonly url: string;

  constructor(
    private readonly opts: { apiUrl: string; apiKey: string | undefined; timeoutMs: number; fetchImpl?: typeof fetch },
  ) {
    this.url = new URL('/api/telegram/ingest', opts.apiUrl).toString();
  }

  async send(batch: IngestBatch, signal?: AbortSignal): Promise<void> {
    const timeout = AbortSignal.timeout(this.opts.timeoutMs);
    let res: Response;
    try {
      res = await (this.opts.fetchImpl ?? fetch)(this.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'idempotency-key': batch.idempotencyKey,
          ...(this.opts.apiKey ? { 'x-api-key': this.opts.apiKey } : {}),
        },
        body: JSON.stringify(batch.body),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (err) {
      const e = err as Error;
      if (e.name === 'TimeoutError')
        throw new IngestError('INGEST_TIMEOUT', `ingest timed out after ${this.opts.timeoutMs} ms`, null, {
          cause: err,
        });
      throw new IngestError(
        'INGEST_NETWORK',
        `ingest failed: ${(e.cause as Error | undefined)?.message ?? e.message}`,
        null,
        {
          cause: err,
        },
      );
    }
    const text = await res.text().catch(() => '');
    if (!res.ok)
      throw new IngestError('INGEST_HTTP', `ingest answered ${res.status}: ${text.slice(0, 200)}`, res.status);
  }
}
