// Email delivery of user cross alerts (deliveryMethod EMAIL/BOTH): the trigger route queues one email_outbox row
// in its transaction, the backend's EmailSender sends it over SMTP to a real in-process server (smtp-server).
import { Registry } from 'prom-client';
import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createBus, createLogger } from '@volspike/runtime';
import { loadAppEnv, start } from '../src/index.js';
import { userAlertEmail } from '../src/services/alert-email.js';
import { EmailSender, emailSenderFromEnv, smtpTransport } from '../src/services/email-sender.js';
import { INGEST_KEY, clearTables, createTestApp, startEnv, type TestApp } from './app-helpers.js';
import { SmtpSink } from './smtp-sink.js';

const POLL = { timeout: 10_000, interval: 20 };
const HOUR = 3_600_000;

async function alertOf(
  t: TestApp,
  deliveryMethod: 'DASHBOARD' | 'EMAIL' | 'BOTH',
  opts: { alertType?: 'PRICE_CROSS' | 'FUNDING_CROSS' | 'OI_CROSS'; threshold?: number; symbol?: string } = {},
) {
  const user = await t.prisma.user.create({
    data: { email: `${deliveryMethod.toLowerCase()}-${Math.random().toString(36).slice(2)}@example.com`, tier: 'pro' },
  });
  const alert = await t.prisma.userCrossAlert.create({
    data: {
      userId: user.id,
      symbol: opts.symbol ?? 'BTCUSDT',
      alertType: opts.alertType ?? 'PRICE_CROSS',
      threshold: opts.threshold ?? 100000,
      deliveryMethod,
    },
  });
  return { user, alert };
}

const trigger = (t: TestApp, alertId: string, body: Record<string, unknown> = {}) =>
  request(t.app)
    .post('/api/user-alerts-trigger/trigger')
    .set('X-API-Key', INGEST_KEY)
    .send({ alertId, symbol: 'BTCUSDT', currentValue: 100012.5, previousValue: 99950, crossedUp: true, ...body });

const outbox = (t: TestApp) => t.prisma.emailOutbox.findMany({ orderBy: { createdAt: 'asc' } });
const outboxRow = (t: TestApp, alertId: string) =>
  t.prisma.emailOutbox.findFirst({ where: { dedupeKey: { startsWith: `user-alert-triggered:${alertId}:` } } });

/**
 * The hooks of a describe block: an SMTP sink, then the app `open(sink)` makes; before each test the users and
 * emails are deleted and the sink accepts again.
 */
function useSinkAndApp(open: (sink: SmtpSink) => Promise<TestApp>) {
  const state: { sink: SmtpSink; t: TestApp | null } = { sink: new SmtpSink(), t: null };
  beforeAll(async () => {
    await state.sink.start();
    state.t = await open(state.sink);
  });
  afterAll(async () => {
    await state.t?.close();
    await state.sink.stop();
  });
  beforeEach(async () => {
    await clearTables(state.t!.prisma, ['users', 'email_outbox']);
    state.sink.mails.length = 0;
    state.sink.refuse = null;
    state.sink.delayMs = 0;
  });
  return state;
}

describe('alert emails with a running sender (SMTP_URL set)', () => {
  // A 10-minute poll: a mail that arrives within the test's deadline was sent because the trigger woke the sender.
  const s = useSinkAndApp((sink) =>
    createTestApp({
      SMTP_URL: sink.url,
      SMTP_ALLOW_INSECURE: 'true',
      EMAIL_POLL_INTERVAL_MS: '600000',
      FRONTEND_URL: 'https://volspike.com',
    }),
  );
  const sink = s.sink;
  let t: TestApp;
  beforeAll(() => {
    t = s.t!;
  });

  it('sends one email per EMAIL or BOTH trigger to the user, and none for DASHBOARD', async () => {
    const dash = await alertOf(t, 'DASHBOARD');
    const email = await alertOf(t, 'EMAIL');
    const both = await alertOf(t, 'BOTH', { alertType: 'FUNDING_CROSS', threshold: -0.0005, symbol: 'ETHUSDT' });
    await trigger(t, dash.alert.id).expect(200);
    expect(await outbox(t)).toEqual([]);
    const res = await trigger(t, email.alert.id).expect(200);
    await trigger(t, both.alert.id, {
      symbol: 'ETHUSDT',
      currentValue: -0.00051,
      previousValue: -0.0004,
      crossedUp: false,
    }).expect(200);
    // The answer is the contract's, untouched by the email.
    expect(Object.keys(res.body)).toEqual(['success', 'alert']);
    expect(res.body.alert).toMatchObject({ id: email.alert.id, isActive: false, triggeredCount: 1 });
    expect(res.body.alert.user).toBeUndefined();
    await expect.poll(() => sink.mails.length, POLL).toBe(2);
    const [toEmail, toBoth] = [sink.mailsTo(email.user.email), sink.mailsTo(both.user.email)];
    expect(toEmail).toHaveLength(1);
    expect(toEmail[0]).toMatchObject({
      from: 'alerts@localhost',
      subject: 'VolSpike alert: BTCUSDT price crossed above 100000',
    });
    // Exactly the wording alert-email.test.ts pins, filled with this trigger's values and FRONTEND_URL.
    expect(toEmail[0]!.text).toBe(
      userAlertEmail({
        alertId: email.alert.id,
        symbol: 'BTCUSDT',
        alertType: 'PRICE_CROSS',
        threshold: 100000,
        crossedUp: true,
        triggeredValue: 100012.5,
        previousValue: 99950,
        triggeredAt: new Date(res.body.alert.triggeredAt as string),
        dashboardUrl: 'https://volspike.com',
      }).text,
    );
    expect(toBoth).toHaveLength(1);
    expect(toBoth[0]!.subject).toBe('VolSpike alert: ETHUSDT funding rate crossed below -0.0005');
    expect(toBoth[0]!.text).toContain('Triggered value: -0.00051 (-0.051%)\n');
    expect(sink.mails.map((m) => m.text).join('')).not.toMatch(/NaN|undefined/);
    await expect
      .poll(async () => (await outbox(t)).map((r) => [r.toAddress, r.attempts, r.sentAt !== null]), POLL)
      .toEqual([
        [email.user.email, 1, true],
        [both.user.email, 1, true],
      ]);
    const metrics = await t.registry.getSingleMetricAsString('volspike_backend_emails_total');
    expect(metrics).toContain('volspike_backend_emails_total{result="queued"} 2');
    expect(metrics).toContain('volspike_backend_emails_total{result="sent"} 2');
  });

  it('queues and sends one email when the same alert is triggered concurrently', async () => {
    const { user, alert } = await alertOf(t, 'EMAIL');
    const results = await Promise.all(Array.from({ length: 8 }, () => trigger(t, alert.id)));
    expect(results.map((r) => r.status).sort()).toEqual([200, 400, 400, 400, 400, 400, 400, 400]);
    expect(await outbox(t)).toHaveLength(1);
    await expect.poll(async () => (await outboxRow(t, alert.id))?.sentAt ?? null, POLL).not.toBeNull();
    expect(sink.mailsTo(user.email)).toHaveLength(1);
  });

  it('keeps a refused (451) email queued with its error, then delivers it once when the server accepts', async () => {
    sink.refuse = { code: 451, message: 'Greylisted, try again later', at: 'rcpt' };
    const { user, alert } = await alertOf(t, 'EMAIL');
    await trigger(t, alert.id).expect(200);
    // attempts counts at the claim; lastError is written when the refusal comes back.
    await expect.poll(async () => (await outboxRow(t, alert.id))?.lastError ?? null, POLL).toContain('451');
    const queued = (await outboxRow(t, alert.id))!;
    expect(queued).toMatchObject({ attempts: 1, sentAt: null, failedAt: null });
    // The retry waits for its backoff (the test clock has not moved): a nudge does not resend early.
    expect(queued.nextAttemptAt.getTime()).toBeGreaterThan(t.clock.now);
    sink.refuse = null;
    t.clock.now += HOUR;
    t.email!.nudge();
    await expect.poll(async () => (await outboxRow(t, alert.id))?.sentAt ?? null, POLL).not.toBeNull();
    expect(await outboxRow(t, alert.id)).toMatchObject({ attempts: 2, lastError: null });
    expect(sink.mailsTo(user.email)).toHaveLength(1);
  });

  it('retries after the SMTP server was down and sends nothing twice', async () => {
    const port = sink.port;
    await sink.stop();
    try {
      const { user, alert } = await alertOf(t, 'BOTH');
      await trigger(t, alert.id).expect(200);
      await expect
        .poll(async () => (await outboxRow(t, alert.id))?.lastError ?? null, POLL)
        .toMatch(/ECONNREFUSED|connect/i);
      expect(await outboxRow(t, alert.id)).toMatchObject({ attempts: 1, sentAt: null, failedAt: null });
      await sink.start(port);
      t.clock.now += HOUR;
      t.email!.nudge();
      await expect.poll(async () => (await outboxRow(t, alert.id))?.sentAt ?? null, POLL).not.toBeNull();
      expect(sink.mailsTo(user.email)).toHaveLength(1);
    } finally {
      if (!sink.listening) await sink.start(port);
    }
  });
});

describe('alert emails without a running sender', () => {
  const s = useSinkAndApp(() => createTestApp()); // SMTP_URL unset
  const sink = s.sink;
  let t: TestApp;
  beforeAll(() => {
    t = s.t!;
  });
  const logger = createLogger({ name: 'test', level: 'silent' });
  const sender = (maxAttempts = 10) =>
    new EmailSender({
      prisma: t.prisma,
      logger,
      transport: smtpTransport(sink.url, { allowInsecure: true }),
      config: { from: 'VolSpike Alerts <alerts@localhost>', pollIntervalMs: 600_000, maxAttempts },
      now: () => t.clock.now,
    });

  it('answers the trigger with 200 and keeps the email queued until a sender with SMTP_URL starts', async () => {
    const { user, alert } = await alertOf(t, 'EMAIL');
    const res = await trigger(t, alert.id);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ success: true, alert: { id: alert.id, isActive: false } });
    expect(await outboxRow(t, alert.id)).toMatchObject({ toAddress: user.email, attempts: 0, sentAt: null });
    // As after a restart with SMTP_URL set.
    const env = loadAppEnv({ SMTP_URL: sink.url, SMTP_ALLOW_INSECURE: 'true', EMAIL_POLL_INTERVAL_MS: '600000' });
    const s = emailSenderFromEnv(env, { prisma: t.prisma, logger, now: () => t.clock.now })!;
    s.start();
    try {
      await expect.poll(() => sink.mailsTo(user.email).length, POLL).toBe(1);
    } finally {
      await s.stop();
    }
    expect(await outboxRow(t, alert.id)).toMatchObject({ attempts: 1, sentAt: expect.any(Date) });
  });

  it('does not send over an SMTP server without STARTTLS unless SMTP_ALLOW_INSECURE is set', async () => {
    const { user, alert } = await alertOf(t, 'EMAIL');
    await trigger(t, alert.id).expect(200);
    const strict = new EmailSender({
      prisma: t.prisma,
      logger,
      transport: smtpTransport(sink.url, { allowInsecure: false }),
      config: { from: 'VolSpike Alerts <alerts@localhost>', pollIntervalMs: 600_000, maxAttempts: 10 },
      now: () => t.clock.now,
    });
    expect(await strict.runOnce()).toEqual({ sent: 0, retried: 1, failed: 0 });
    expect(sink.mailsTo(user.email)).toEqual([]);
    expect((await outboxRow(t, alert.id))?.lastError).toMatch(/STARTTLS/i);
    await strict.stop();
    await t.prisma.emailOutbox.deleteMany({ where: { sentAt: null } });
  });

  it('gives up after EMAIL_MAX_ATTEMPTS with backoff between attempts, and at once on a permanent rejection', async () => {
    const greylisted = await alertOf(t, 'EMAIL');
    await trigger(t, greylisted.alert.id).expect(200);
    sink.refuse = { code: 451, message: 'Try again later', at: 'rcpt' };
    const s = sender(3);
    const gaps: number[] = [];
    for (let i = 1; i <= 3; i++) {
      expect(await s.runOnce()).toEqual(
        i < 3 ? { sent: 0, retried: 1, failed: 0 } : { sent: 0, retried: 0, failed: 1 },
      );
      const row = (await outboxRow(t, greylisted.alert.id))!;
      expect(row.attempts).toBe(i);
      if (i < 3) {
        gaps.push(row.nextAttemptAt.getTime() - t.clock.now);
        expect(await s.runOnce()).toEqual({ sent: 0, retried: 0, failed: 0 }); // not due yet
        t.clock.now = row.nextAttemptAt.getTime();
      }
    }
    expect(gaps[0]).toBeGreaterThan(0);
    expect(gaps[1]).toBeGreaterThan(gaps[0]! / 2); // jittered doubling: the second wait is not shorter than half the first
    expect(await outboxRow(t, greylisted.alert.id)).toMatchObject({
      failedAt: expect.any(Date),
      sentAt: null,
      lastError: expect.stringContaining('451'),
    });
    t.clock.now += 24 * HOUR;
    expect(await s.runOnce()).toEqual({ sent: 0, retried: 0, failed: 0 }); // given up means never retried

    const unknown = await alertOf(t, 'EMAIL');
    await trigger(t, unknown.alert.id).expect(200);
    sink.refuse = { code: 550, message: 'No such user', at: 'rcpt' };
    expect(await s.runOnce()).toEqual({ sent: 0, retried: 0, failed: 1 });
    expect(await outboxRow(t, unknown.alert.id)).toMatchObject({ attempts: 1, failedAt: expect.any(Date) });
    expect(sink.mails).toEqual([]);
    await s.stop();
  });

  it('lets two senders (two backends) drain one outbox without sending any email twice', async () => {
    for (let i = 0; i < 12; i++) {
      const { alert } = await alertOf(t, 'EMAIL');
      await trigger(t, alert.id).expect(200);
    }
    sink.delayMs = 20; // each send takes a while, so the two senders' claims overlap
    const [a, b] = [sender(), sender()];
    a.start();
    b.start();
    try {
      await expect.poll(() => t.prisma.emailOutbox.count({ where: { sentAt: null } }), POLL).toBe(0);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
    const rows = await outbox(t);
    expect(rows.every((r) => r.attempts === 1)).toBe(true);
    expect(sink.mails).toHaveLength(12);
    expect(new Set(sink.mails.map((m) => m.to[0])).size).toBe(12);
    expect(new Set(sink.mails.map((m) => m.messageId)).size).toBe(12);
  });
});

describe('start() with SMTP_URL', () => {
  it('wires the sender: a trigger over HTTP reaches the SMTP server, and stop() ends the sender', async () => {
    const sink = new SmtpSink();
    await sink.start();
    const t = await createTestApp(); // for its database; start() gets the same Prisma client
    const logger = createLogger({ name: 'test', level: 'silent' });
    const bus = createBus({ logger });
    const env = startEnv({
      SMTP_URL: sink.url,
      SMTP_ALLOW_INSECURE: 'true',
      EMAIL_POLL_INTERVAL_MS: '600000',
      EMAIL_FROM: 'Alerts <alerts@volspike.test>',
    });
    const handle = await start(env, { logger, bus, metrics: new Registry(), prisma: t.prisma });
    try {
      const { user, alert } = await alertOf(t, 'EMAIL');
      const res = await fetch(`http://127.0.0.1:${handle.port}/api/user-alerts-trigger/trigger`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': INGEST_KEY },
        body: JSON.stringify({
          alertId: alert.id,
          symbol: 'BTCUSDT',
          currentValue: 1,
          previousValue: 2,
          crossedUp: false,
        }),
      });
      expect(res.status).toBe(200);
      await expect.poll(() => sink.mailsTo(user.email).length, POLL).toBe(1);
      expect(sink.mails[0]).toMatchObject({
        from: 'alerts@volspike.test',
        subject: 'VolSpike alert: BTCUSDT price crossed below 100000',
      });
    } finally {
      await handle.stop();
      await bus.close();
      await t.close();
      await sink.stop();
    }
  });
});
