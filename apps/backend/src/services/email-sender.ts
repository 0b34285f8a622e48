import { createTransport } from 'nodemailer';
import type { PrismaClient } from '@volspike/db';
import { backoffDelay, type Logger } from '@volspike/runtime';
import type { Env } from '../env.js';
import type { BackendMetrics } from '../metrics.js';

export interface MailMessage {
  from: string;
  to: string;
  subject: string;
  text: string;
  html?: string;
  /** Stable per outbox row, so a receiver can drop the duplicate a crash between send and commit may cause. */
  messageId: string;
}

/** What the sender needs of a mail transport (nodemailer's SMTP transport in production). */
export interface MailTransport {
  sendMail(message: MailMessage): Promise<unknown>;
  close(): void;
}

/**
 * nodemailer's SMTP transport for `SMTP_URL` (smtp:// or smtps://, credentials in the URL), with bounded timeouts.
 * smtp:// must upgrade with STARTTLS (a server that does not offer it is refused, so credentials and addresses
 * never cross the network in clear) unless `allowInsecure` (SMTP_ALLOW_INSECURE, for a local relay).
 */
export function smtpTransport(url: string, opts: { allowInsecure: boolean }): MailTransport {
  return createTransport({
    url,
    requireTLS: !opts.allowInsecure,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
    dnsTimeout: 10_000,
  });
}

export interface EmailSenderConfig {
  /** EMAIL_FROM */
  from: string;
  /** EMAIL_POLL_INTERVAL_MS: how often due rows are looked for (a trigger also nudges the sender at once). */
  pollIntervalMs: number;
  /** EMAIL_MAX_ATTEMPTS: a row still failing after this many attempts is given up (`failedAt`). */
  maxAttempts: number;
  /** A claimed row is hidden from other senders this long (longer than one send can take with the SMTP timeouts). */
  leaseMs?: number;
  /** Retry backoff of a row: backoffDelay(attempts - 1) with this base and cap. */
  retryBaseMs?: number;
  retryMaxMs?: number;
}

export interface EmailPassResult {
  sent: number;
  retried: number;
  failed: number;
}

interface ClaimedRow {
  id: string;
  toAddress: string;
  subject: string;
  textBody: string;
  htmlBody: string | null;
  attempts: number;
}

/** SMTP rejected this message for good (5xx to RCPT TO or DATA); 503 is a sequence error, connection-level. */
export function isPermanentRejection(err: unknown): boolean {
  const e = err as { responseCode?: unknown; command?: unknown } | null;
  const code = typeof e?.responseCode === 'number' ? e.responseCode : 0;
  const command = typeof e?.command === 'string' ? e.command.toUpperCase() : '';
  return code >= 500 && code < 600 && code !== 503 && (command.startsWith('RCPT') || command.startsWith('DATA'));
}

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err)).slice(0, 1000);

/**
 * Sends `email_outbox` rows. A row is claimed by one UPDATE that takes it with `FOR UPDATE SKIP LOCKED`, counts
 * the attempt and pushes `nextAttemptAt` out by a lease, so two backends never send the same row; then it is
 * sent and marked `sentAt`, or on failure gets `lastError` and a backoff (`backoffDelay`) until EMAIL_MAX_ATTEMPTS
 * or a permanent rejection marks it `failedAt`. A crash between sending and marking re-sends the row once the
 * lease ends (with the same Message-ID). One row at a time; a transient failure ends the pass (the server is
 * likely down) and the next try is a poll interval later. Runs as a setTimeout chain with an in-flight guard;
 * `nudge()` starts a pass at once (after a trigger enqueued a row).
 */
export class EmailSender {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private started = false;
  private stopped = false;
  private again = false;
  private dbFailures = 0;
  private smtpFailing = false;
  private readonly log: Logger;
  private readonly now: () => number;

  constructor(
    private readonly opts: {
      prisma: PrismaClient;
      logger: Logger;
      transport: MailTransport;
      config: EmailSenderConfig;
      metrics?: BackendMetrics;
      now?: () => number;
    },
  ) {
    this.log = opts.logger.child({ component: 'email-sender' });
    this.now = opts.now ?? Date.now;
  }

  start(): void {
    this.started = true;
    this.stopped = false;
    this.schedule(0);
  }

  /** Looks for due rows now instead of at the next poll (no-op before start and after stop). */
  nudge(): void {
    if (!this.started || this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.schedule(0);
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.running) return;
      this.running = this.drain()
        .then(() => {
          if (this.dbFailures > 0) this.log.info('email outbox readable again');
          this.dbFailures = 0;
          return this.opts.config.pollIntervalMs;
        })
        .catch((err: unknown) => {
          if (this.dbFailures === 0) this.log.error({ err }, 'email outbox pass failed; will retry');
          this.dbFailures++;
          return backoffDelay(this.dbFailures - 1, { baseMs: 1000, maxMs: this.opts.config.pollIntervalMs });
        })
        .then((next) => {
          this.running = null;
          const again = this.again;
          this.again = false;
          this.schedule(again ? 0 : next);
        });
    }, delay);
    this.timer.unref();
  }

  private async drain(): Promise<void> {
    for (;;) {
      if (this.stopped) return;
      const r = await this.runOnce();
      if (r.sent + r.failed === 0) return; // nothing due, or a transient failure
    }
  }

  /** Claims and handles at most one due row. */
  async runOnce(): Promise<EmailPassResult> {
    const result: EmailPassResult = { sent: 0, retried: 0, failed: 0 };
    const row = await this.claim();
    if (!row) return result;
    const { prisma, transport, config, metrics } = this.opts;
    try {
      await transport.sendMail({
        from: config.from,
        to: row.toAddress,
        subject: row.subject,
        text: row.textBody,
        ...(row.htmlBody === null ? {} : { html: row.htmlBody }),
        messageId: `<${row.id}@volspike.outbox>`,
      });
    } catch (err) {
      const now = this.now();
      const giveUp = isPermanentRejection(err) || row.attempts >= config.maxAttempts;
      const nextAttemptAt = new Date(
        now +
          backoffDelay(row.attempts - 1, { baseMs: config.retryBaseMs ?? 10_000, maxMs: config.retryMaxMs ?? 600_000 }),
      );
      await prisma.emailOutbox.update({
        where: { id: row.id },
        data: giveUp
          ? { failedAt: new Date(now), lastError: errorText(err) }
          : { nextAttemptAt, lastError: errorText(err) },
      });
      if (giveUp) {
        this.log.error({ err, emailId: row.id, attempts: row.attempts }, 'email given up');
        metrics?.emails.inc({ result: 'failed' });
        result.failed++;
        return result;
      }
      if (!this.smtpFailing) this.log.warn({ err, emailId: row.id, nextAttemptAt }, 'email send failed; will retry');
      this.smtpFailing = true;
      metrics?.emails.inc({ result: 'retry' });
      result.retried++;
      return result;
    }
    await prisma.emailOutbox.update({ where: { id: row.id }, data: { sentAt: new Date(this.now()), lastError: null } });
    if (this.smtpFailing) this.log.info('email delivery recovered');
    this.smtpFailing = false;
    metrics?.emails.inc({ result: 'sent' });
    result.sent++;
    return result;
  }

  private async claim(): Promise<ClaimedRow | null> {
    const now = this.now();
    const lease = new Date(now + (this.opts.config.leaseMs ?? 120_000)).toISOString();
    const rows = await this.opts.prisma.$queryRaw<ClaimedRow[]>`
      UPDATE email_outbox o SET attempts = o.attempts + 1, "nextAttemptAt" = ${lease}::timestamp(3)
      FROM (
        SELECT id FROM email_outbox
        WHERE "sentAt" IS NULL AND "failedAt" IS NULL AND "nextAttemptAt" <= ${new Date(now).toISOString()}::timestamp(3)
        ORDER BY "nextAttemptAt", "createdAt"
        LIMIT 1
        FOR UPDATE SKIP LOCKED
      ) due
      WHERE o.id = due.id
      RETURNING o.id, o."toAddress", o.subject, o."textBody", o."htmlBody", o.attempts`;
    return rows[0] ?? null;
  }

  /** Stops the loop, waits for the pass in flight (its send is bounded by the SMTP timeouts), closes the transport. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
    this.opts.transport.close();
  }
}

/** The sender for this env, or null when SMTP_URL is unset (emails then wait in email_outbox). */
export function emailSenderFromEnv(
  env: Pick<Env, 'SMTP_URL' | 'SMTP_ALLOW_INSECURE' | 'EMAIL_FROM' | 'EMAIL_POLL_INTERVAL_MS' | 'EMAIL_MAX_ATTEMPTS'>,
  deps: { prisma: PrismaClient; logger: Logger; metrics?: BackendMetrics; now?: () => number },
): EmailSender | null {
  if (!env.SMTP_URL) return null;
  return new EmailSender({
    ...deps,
    transport: smtpTransport(env.SMTP_URL, { allowInsecure: env.SMTP_ALLOW_INSECURE }),
    config: { from: env.EMAIL_FROM, pollIntervalMs: env.EMAIL_POLL_INTERVAL_MS, maxAttempts: env.EMAIL_MAX_ATTEMPTS },
  });
}
