import { readFile } from 'node:fs/promises';
import type { ShadowSink } from '@volspike/backend-client';
import type { Logger } from '@volspike/runtime';
import { backoffDelay, writeFileAtomic } from '@volspike/runtime';

interface QueuedMessage {
  id: string;
  text: string;
  attempts: number;
}

/**
 * Telegram delivery exactly as legacy (`GET <api>/bot<TOKEN>/sendMessage?chat_id=&text=`, plain text, 5 s
 * timeout) but through its own in-order queue: a Telegram outage or 429 delays only Telegram, never the
 * backend posts, and nothing is lost. Honours 429 `parameters.retry_after`; other 4xx are dropped and
 * logged. Queue and recently sent ids are persisted (`file`), so a restart neither loses nor repeats.
 * With a `shadow` sink (SHADOW=true) each message is recorded there instead (target `telegram`, route
 * `sendMessage`, body `{chat_id, text}`, never the bot token) and Telegram is not called.
 */
export class TelegramSender {
  private queue: QueuedMessage[] = [];
  private sent: string[] = [];
  private nextAt = 0;
  private timer: NodeJS.Timeout | null = null;
  private inflight: Promise<void> | null = null;
  private running = false;
  private failing = false;
  private waiters: (() => void)[] = [];
  private saving: Promise<void> = Promise.resolve();
  private readonly abort = new AbortController();
  private counters = { sent: 0, dropped: 0, failedAttempts: 0 };

  constructor(
    private readonly opts: {
      apiUrl: string;
      token: string;
      chatId: string;
      file: string | null;
      logger: Logger;
      timeoutMs?: number;
      baseDelayMs?: number;
      maxDelayMs?: number;
      fetchImpl?: typeof fetch;
      shadow?: ShadowSink | null;
    },
  ) {}

  async start(): Promise<void> {
    if (this.opts.file) {
      try {
        const saved = JSON.parse(await readFile(this.opts.file, 'utf8')) as {
          queue?: QueuedMessage[];
          sent?: string[];
        };
        const ids = new Set(this.queue.map((q) => q.id));
        this.queue = [...(saved.queue ?? []).filter((q) => !ids.has(q.id)), ...this.queue];
        this.sent = saved.sent ?? [];
        if (this.queue.length) this.opts.logger.info({ depth: this.queue.length }, 'telegram queue resumed');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
          this.opts.logger.error({ err }, 'telegram queue file unreadable; starting empty');
      }
    }
    this.running = true;
    this.kick();
  }

  /** Queues one message; an id already queued or recently sent is ignored (a re-run cycle repeats nothing). */
  async enqueue(id: string, text: string): Promise<void> {
    if (this.sent.includes(id) || this.queue.some((q) => q.id === id)) return;
    this.queue.push({ id, text, attempts: 0 });
    await this.persist();
    this.kick();
  }

  depth(): number {
    return this.queue.length;
  }

  stats(): { depth: number; sent: number; dropped: number; failedAttempts: number } {
    return { depth: this.queue.length, ...this.counters };
  }

  /** Waits (up to timeoutMs) until the queue is empty. Never throws. */
  async flush(timeoutMs: number): Promise<void> {
    if (this.queue.length === 0 || !this.running) return;
    let t: NodeJS.Timeout | undefined;
    await Promise.race([
      new Promise<void>((r) => this.waiters.push(r)),
      new Promise<void>((r) => (t = setTimeout(r, timeoutMs))),
    ]);
    clearTimeout(t);
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.abort.abort();
    await this.inflight;
    await this.saving.catch(() => undefined);
    for (const w of this.waiters.splice(0)) w();
  }

  private kick(): void {
    if (!this.running || this.inflight || this.queue.length === 0) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const wait = this.nextAt - Date.now();
    if (wait > 0) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.kick();
      }, wait);
      return;
    }
    const head = this.queue[0];
    if (!head) return;
    this.inflight = this.attempt(head).finally(() => {
      this.inflight = null;
      if (this.queue.length === 0) for (const w of this.waiters.splice(0)) w();
      this.kick();
    });
  }

  private async attempt(m: QueuedMessage): Promise<void> {
    if (this.opts.shadow) return this.record(this.opts.shadow, m);
    const url = `${this.opts.apiUrl.replace(/\/+$/, '')}/bot${this.opts.token}/sendMessage?${new URLSearchParams({ chat_id: this.opts.chatId, text: m.text }).toString()}`;
    let status: number | null = null;
    let retryAfterMs: number | null = null;
    let error: string;
    try {
      const signal = AbortSignal.any([this.abort.signal, AbortSignal.timeout(this.opts.timeoutMs ?? 5000)]);
      const res = await (this.opts.fetchImpl ?? fetch)(url, { signal });
      status = res.status;
      const text = await res.text();
      if (res.ok) {
        this.done(m, true);
        if (this.failing) {
          this.failing = false;
          this.opts.logger.info('telegram delivering again');
        }
        return;
      }
      error = `HTTP ${res.status}: ${text.slice(0, 200)}`;
      if (res.status === 429) {
        try {
          const ra = (JSON.parse(text) as { parameters?: { retry_after?: unknown } }).parameters?.retry_after;
          if (typeof ra === 'number' && ra >= 0) retryAfterMs = ra * 1000;
        } catch {
          retryAfterMs = null;
        }
      } else if (res.status < 500) {
        this.opts.logger.error({ status, error, id: m.id }, 'telegram rejected the message; dropped');
        this.done(m, false);
        return;
      }
    } catch (err) {
      if (!this.running) return;
      error = err instanceof Error ? err.message : String(err);
    }
    this.counters.failedAttempts++;
    m.attempts++;
    const delay = Math.max(
      backoffDelay(m.attempts - 1, { baseMs: this.opts.baseDelayMs ?? 1000, maxMs: this.opts.maxDelayMs ?? 60_000 }),
      retryAfterMs ?? 0,
    );
    this.nextAt = Date.now() + delay;
    if (!this.failing) {
      this.failing = true;
      this.opts.logger.warn(
        { status, error, retryInMs: delay, depth: this.queue.length },
        'telegram delivery failing; retrying (backend delivery is not affected)',
      );
    }
  }

  private async record(shadow: ShadowSink, m: QueuedMessage): Promise<void> {
    try {
      const body = { chat_id: this.opts.chatId, text: m.text };
      await shadow.record({ target: 'telegram', route: 'sendMessage', method: 'GET', path: '/sendMessage', body });
      this.done(m, true);
    } catch (err) {
      this.counters.failedAttempts++;
      this.nextAt = Date.now() + (this.opts.maxDelayMs ?? 60_000);
      this.opts.logger.error(
        { err, id: m.id },
        'could not record the Telegram message in the shadow journal; retrying',
      );
    }
  }

  private done(m: QueuedMessage, sent: boolean): void {
    this.queue = this.queue.filter((q) => q.id !== m.id);
    if (sent) this.counters.sent++;
    else this.counters.dropped++;
    this.sent.push(m.id);
    if (this.sent.length > 2000) this.sent = this.sent.slice(-2000);
    void this.persist().catch((err: unknown) => this.opts.logger.error({ err }, 'telegram queue file write failed'));
  }

  private persist(): Promise<void> {
    const file = this.opts.file;
    if (!file) return Promise.resolve();
    const snapshot = JSON.stringify({ queue: this.queue, sent: this.sent });
    this.saving = this.saving
      .catch(() => undefined)
      .then(async () => {
        await writeFileAtomic(file, snapshot);
      });
    return this.saving;
  }
}
