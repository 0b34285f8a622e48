// One create → read → update round trip per Prisma model, setting every column, so that a mismatch
// between schema.prisma and the hand-written migration SQL (name, type, nullability, default, key)
// fails here. Shared by the real-Postgres and PGlite runs in models.test.ts.
import { expect } from 'vitest';
import { Prisma, type PrismaClient } from '../src/index.js';

export interface ModelCase {
  model: Prisma.ModelName;
  run(prisma: PrismaClient): Promise<void>;
}

const T0 = new Date('2026-11-23T10:00:00.123Z');
const T1 = new Date('2026-11-23T10:05:00.456Z');

function dec(v: string): Prisma.Decimal {
  return new Prisma.Decimal(v);
}

async function newUser(prisma: PrismaClient, email: string) {
  return prisma.user.create({ data: { email } });
}

async function expectUniqueViolation(p: Promise<unknown>): Promise<void> {
  await expect(p).rejects.toMatchObject({ code: 'P2002' });
}

export const modelCases: ModelCase[] = [
  {
    model: 'User',
    async run(prisma) {
      const u = await newUser(prisma, 'user@example.com');
      expect(u).toMatchObject({ tier: 'free', role: 'USER', status: 'ACTIVE', refreshInterval: 900 });
      expect(u.id).toMatch(/^c[a-z0-9]{20,}$/);
      expect(u.updatedAt).toBeInstanceOf(Date);
      const updated = await prisma.user.update({
        where: { email: 'user@example.com' },
        data: { tier: 'elite', role: 'ADMIN', status: 'SUSPENDED', refreshInterval: 300 },
      });
      expect(updated).toMatchObject({ tier: 'elite', role: 'ADMIN', status: 'SUSPENDED', refreshInterval: 300 });
      expect(updated.updatedAt.getTime()).toBeGreaterThanOrEqual(u.updatedAt.getTime());
      await prisma.user.update({ where: { id: u.id }, data: { status: 'BANNED' } });
      expect((await prisma.user.findUniqueOrThrow({ where: { id: u.id } })).status).toBe('BANNED');
      await expectUniqueViolation(newUser(prisma, 'user@example.com'));
      // The legacy backend's account columns: defaults, and unique wallet / Stripe ids (many nulls allowed).
      expect(u).toMatchObject({ theme: 'light', verificationAttempts: 0, loginAttempts: 0, twoFactorEnabled: false });
      expect(u).toMatchObject({ walletAddress: null, stripeCustomerId: null, passwordChangedAt: null });
      const legacy = {
        walletAddress: '0xabc',
        stripeCustomerId: 'cus_1',
        theme: 'dark',
        emailVerified: T0,
        lastVerificationSent: T0,
        verificationAttempts: 2,
        ipAddress: '10.0.0.2',
        lastLoginAt: T1,
        lockedUntil: T1,
        loginAttempts: 1,
        notes: 'vip',
        passwordHash: '$2b$10$hash',
        twoFactorEnabled: true,
        twoFactorSecret: 'secret',
        userAgent: 'ua',
        passwordChangedAt: T0,
      };
      await prisma.user.update({ where: { id: u.id }, data: legacy });
      expect(await prisma.user.findUniqueOrThrow({ where: { id: u.id } })).toMatchObject(legacy);
      await newUser(prisma, 'second@example.com');
      await expectUniqueViolation(prisma.user.create({ data: { email: 'third@example.com', walletAddress: '0xabc' } }));
      await expectUniqueViolation(
        prisma.user.create({ data: { email: 'fourth@example.com', stripeCustomerId: 'cus_1' } }),
      );
    },
  },
  {
    model: 'TokenSession',
    async run(prisma) {
      const u = await newUser(prisma, 'session@example.com');
      const s = await prisma.tokenSession.create({ data: { userId: u.id, expiresAt: T1 } });
      expect(s.revokedAt).toBeNull();
      expect(s.expiresAt).toEqual(T1);
      await prisma.tokenSession.update({ where: { id: s.id }, data: { revokedAt: T0 } });
      const read = await prisma.tokenSession.findFirstOrThrow({ where: { userId: u.id }, include: { user: true } });
      expect(read.revokedAt).toEqual(T0);
      expect(read.user.email).toBe('session@example.com');
      await prisma.user.delete({ where: { id: u.id } });
      expect(await prisma.tokenSession.count({ where: { id: s.id } })).toBe(0); // ON DELETE CASCADE
    },
  },
  {
    model: 'Session',
    async run(prisma) {
      // The legacy backend's sign-in sessions: unique sessionToken, cascade with the user.
      const u = await newUser(prisma, 'signin@example.com');
      const s = await prisma.session.create({ data: { userId: u.id, sessionToken: 'tok-1', expires: T1 } });
      expect(s.id).toMatch(/^c[a-z0-9]{20,}$/);
      await prisma.session.update({ where: { sessionToken: 'tok-1' }, data: { expires: T0 } });
      expect((await prisma.session.findUniqueOrThrow({ where: { id: s.id } })).expires).toEqual(T0);
      await expectUniqueViolation(
        prisma.session.create({ data: { userId: u.id, sessionToken: 'tok-1', expires: T1 } }),
      );
      await prisma.user.delete({ where: { id: u.id } });
      expect(await prisma.session.count()).toBe(0);
    },
  },
  {
    model: 'UserSession',
    async run(prisma) {
      const u = await newUser(prisma, 'device@example.com');
      const s = await prisma.userSession.create({
        data: {
          userId: u.id,
          deviceId: 'dev-1',
          tier: 'pro',
          expiresAt: T1,
          deviceName: 'laptop',
          ipAddress: '10.0.0.1',
        },
      });
      expect(s).toMatchObject({ isActive: true, invalidatedAt: null, invalidatedBy: null, userAgent: null });
      expect(s.lastActivityAt).toBeInstanceOf(Date);
      await prisma.userSession.update({
        where: { userId_deviceId: { userId: u.id, deviceId: 'dev-1' } },
        data: { isActive: false, invalidatedAt: T0, invalidatedBy: 'NEW_LOGIN', userAgent: 'ua' },
      });
      const read = await prisma.userSession.findUniqueOrThrow({ where: { id: s.id }, include: { user: true } });
      expect(read).toMatchObject({ isActive: false, invalidatedAt: T0, invalidatedBy: 'NEW_LOGIN', userAgent: 'ua' });
      await expectUniqueViolation(
        prisma.userSession.create({ data: { userId: u.id, deviceId: 'dev-1', tier: 'pro', expiresAt: T1 } }),
      );
      await prisma.user.delete({ where: { id: u.id } });
      expect(await prisma.userSession.count()).toBe(0);
    },
  },
  {
    model: 'Adoption',
    async run(prisma) {
      const a = await prisma.adoption.create({ data: { startedAt: T0 } });
      expect(a).toMatchObject({ id: 1, finishedAt: null, report: null });
      await prisma.adoption.update({ where: { id: 1 }, data: { finishedAt: T1, report: { steps: 3 } } });
      expect(await prisma.adoption.findUniqueOrThrow({ where: { id: 1 } })).toMatchObject({
        finishedAt: T1,
        report: { steps: 3 },
      });
      await expectUniqueViolation(prisma.adoption.create({ data: { startedAt: T1 } }));
    },
  },
  {
    model: 'VolumeAlert',
    async run(prisma) {
      const a = await prisma.volumeAlert.create({
        data: {
          symbol: 'BTCUSDT',
          asset: 'BTC',
          currentVolume: 1234.5,
          previousVolume: 400.25,
          volumeRatio: 3.0843,
          price: 97000.1,
          fundingRate: 0.0001,
          message: 'BTC spike',
          hourTimestamp: T0,
          candleDirection: 'bullish',
          detectionTime: T1,
          oiChange: 2.5,
          priceChange: -0.4,
          idempotencyKey: 'idem-1',
        },
      });
      expect(a).toMatchObject({ alertType: 'SPIKE', isUpdate: false, fundingRate: 0.0001, hourTimestamp: T0 });
      expect(a.timestamp).toBeInstanceOf(Date);
      await prisma.volumeAlert.update({
        where: { id: a.id },
        data: { alertType: 'HALF_UPDATE', isUpdate: true, price: null },
      });
      const read = await prisma.volumeAlert.findUniqueOrThrow({ where: { idempotencyKey: 'idem-1' } });
      expect(read).toMatchObject({ alertType: 'HALF_UPDATE', isUpdate: true, price: null, detectionTime: T1 });
      // Legacy rows have no key; many nulls are allowed, a repeated key is not.
      const base = {
        symbol: 'ETHUSDT',
        asset: 'ETH',
        currentVolume: 1,
        previousVolume: 1,
        volumeRatio: 1,
        message: 'm',
        hourTimestamp: T0,
      };
      await prisma.volumeAlert.createMany({ data: [base, base] });
      await prisma.volumeAlert.update({ where: { id: a.id }, data: { alertType: 'FULL_UPDATE' } });
      await expectUniqueViolation(prisma.volumeAlert.create({ data: { ...base, idempotencyKey: 'idem-1' } }));
    },
  },
  {
    model: 'OpenInterestSnapshot',
    async run(prisma) {
      const s = await prisma.openInterestSnapshot.create({
        data: {
          symbol: 'BTCUSDT',
          ts: T0,
          openInterest: dec('81234.12345678'),
          openInterestUsd: dec('7880000000.25'),
          markPrice: dec('97000.12345678'),
        },
      });
      expect(s.source).toBe('snapshot');
      expect(s.openInterest.toString()).toBe('81234.12345678');
      expect(s.openInterestUsd?.toString()).toBe('7880000000.25');
      expect(s.markPrice?.toString()).toBe('97000.12345678');
      await prisma.openInterestSnapshot.create({
        data: { symbol: 'BTCUSDT', ts: T0, openInterest: dec('1'), source: 'realtime' },
      });
      await expectUniqueViolation(
        prisma.openInterestSnapshot.create({ data: { symbol: 'BTCUSDT', ts: T0, openInterest: dec('2') } }),
      );
      const dup = await prisma.openInterestSnapshot.createMany({
        data: [
          { symbol: 'BTCUSDT', ts: T0, openInterest: dec('3') },
          { symbol: 'BTCUSDT', ts: T1, openInterest: dec('4') },
        ],
        skipDuplicates: true,
      });
      expect(dup.count).toBe(1);
      await prisma.openInterestSnapshot.update({
        where: { id: s.id },
        data: { openInterestUsd: null, markPrice: null },
      });
      const latest = await prisma.openInterestSnapshot.findFirstOrThrow({
        where: { symbol: 'BTCUSDT' },
        orderBy: { ts: 'desc' },
      });
      expect(latest.ts).toEqual(T1);
      const byKey = await prisma.openInterestSnapshot.findUniqueOrThrow({
        where: { symbol_ts_source: { symbol: 'BTCUSDT', ts: T0, source: 'snapshot' } },
      });
      expect(byKey.openInterestUsd).toBeNull();
    },
  },
  {
    model: 'OpenInterestLatest',
    async run(prisma) {
      const row = await prisma.openInterestLatest.upsert({
        where: { symbol: 'ETHUSDT' },
        create: {
          symbol: 'ETHUSDT',
          openInterest: dec('1000.5'),
          openInterestUsd: null,
          markPrice: null,
          ts: T0,
          source: 'realtime',
        },
        update: {},
      });
      expect(row.openInterestUsd).toBeNull();
      const updated = await prisma.openInterestLatest.upsert({
        where: { symbol: 'ETHUSDT' },
        create: { symbol: 'ETHUSDT', openInterest: dec('0'), ts: T0, source: 'realtime' },
        update: {
          openInterest: dec('1001.00000001'),
          openInterestUsd: dec('3500000.99'),
          markPrice: dec('3498.25'),
          ts: T1,
        },
      });
      expect(updated.openInterest.toString()).toBe('1001.00000001');
      expect(updated.updatedAt.getTime()).toBeGreaterThanOrEqual(row.updatedAt.getTime());
      expect(await prisma.openInterestLatest.findUniqueOrThrow({ where: { symbol: 'ETHUSDT' } })).toMatchObject({
        ts: T1,
        source: 'realtime',
      });
    },
  },
  {
    model: 'OpenInterestAlert',
    async run(prisma) {
      const details = { thresholdPct: 3, samples: [{ ts: T0.toISOString(), oi: 1 }], note: 'ünïcode ✓' };
      const a = await prisma.openInterestAlert.create({
        data: {
          symbol: 'SOLUSDT',
          direction: 'UP',
          baseline: dec('100.12345678'),
          current: dec('110.5'),
          pctChange: dec('10.365432'),
          absChange: dec('10.37654322'),
          priceChange: dec('1.25'),
          fundingRate: dec('0.0001234567'),
          source: 'realtime',
          ts: T0,
          details,
        },
      });
      expect(a.timeframe).toBe('5 min');
      // numeric(18,10): the legacy numeric(10,6) would have returned 0.000123 (docs/legacy-contracts.md §6-40).
      expect(a.fundingRate?.toString()).toBe('0.0001234567');
      expect(a.details).toEqual(details);
      await expectUniqueViolation(
        prisma.openInterestAlert.create({
          data: {
            symbol: 'SOLUSDT',
            direction: 'UP',
            baseline: dec('1'),
            current: dec('1'),
            pctChange: dec('1'),
            absChange: dec('1'),
            source: 'realtime',
            ts: T0,
          },
        }),
      );
      const other = await prisma.openInterestAlert.create({
        data: {
          symbol: 'SOLUSDT',
          direction: 'DOWN',
          baseline: dec('1'),
          current: dec('1'),
          pctChange: dec('-1'),
          absChange: dec('-1'),
          source: 'realtime',
          ts: T0,
          timeframe: '15 min',
        },
      });
      expect(other.details).toBeNull();
      expect(other.fundingRate).toBeNull();
      await prisma.openInterestAlert.update({
        where: { id: a.id },
        data: { details: Prisma.DbNull, priceChange: null },
      });
      const read = await prisma.openInterestAlert.findUniqueOrThrow({
        where: { symbol_direction_timeframe_ts: { symbol: 'SOLUSDT', direction: 'UP', timeframe: '5 min', ts: T0 } },
      });
      expect(read.details).toBeNull();
      expect(read.priceChange).toBeNull();
    },
  },
  {
    model: 'OiAlertState',
    async run(prisma) {
      const key = { symbol: 'XRPUSDT', timeframe: '5 min', direction: 'UP' };
      const s = await prisma.oiAlertState.create({ data: key });
      expect(s).toMatchObject({ state: 'INSIDE', lastAlertAt: null });
      await prisma.oiAlertState.update({
        where: { symbol_timeframe_direction: key },
        data: { state: 'OUTSIDE', lastAlertAt: T1 },
      });
      expect(await prisma.oiAlertState.findUniqueOrThrow({ where: { symbol_timeframe_direction: key } })).toMatchObject(
        { state: 'OUTSIDE', lastAlertAt: T1 },
      );
      await expectUniqueViolation(prisma.oiAlertState.create({ data: key }));
      await prisma.oiAlertState.create({ data: { ...key, direction: 'DOWN' } });
      expect(await prisma.oiAlertState.count({ where: { symbol: 'XRPUSDT' } })).toBe(2);
    },
  },
  {
    model: 'OpenInterestLiquidSymbol',
    async run(prisma) {
      await prisma.openInterestLiquidSymbol.create({
        data: { symbol: 'DOGEUSDT', quoteVolume24h: dec('2500000.55'), enteredAt: T0, lastSeenAt: T0 },
      });
      await prisma.openInterestLiquidSymbol.update({
        where: { symbol: 'DOGEUSDT' },
        data: { lastSeenAt: T1, quoteVolume24h: dec('123456789012.34') },
      });
      const r = await prisma.openInterestLiquidSymbol.findUniqueOrThrow({ where: { symbol: 'DOGEUSDT' } });
      expect(r.quoteVolume24h.toString()).toBe('123456789012.34');
      expect(r).toMatchObject({ enteredAt: T0, lastSeenAt: T1 });
      await expectUniqueViolation(
        prisma.openInterestLiquidSymbol.create({
          data: { symbol: 'DOGEUSDT', quoteVolume24h: dec('1'), enteredAt: T0, lastSeenAt: T0 },
        }),
      );
    },
  },
  {
    model: 'UserCrossAlert',
    async run(prisma) {
      const u = await newUser(prisma, 'cross@example.com');
      const a = await prisma.userCrossAlert.create({
        data: { userId: u.id, symbol: 'BTCUSDT', alertType: 'FUNDING_CROSS', threshold: -0.0005 },
      });
      expect(a).toMatchObject({
        deliveryMethod: 'DASHBOARD',
        isActive: true,
        triggeredCount: 0,
        threshold: -0.0005,
        lastCheckedValue: null,
      });
      // Conditional update: only an active alert can be triggered (the legacy race, §6-29).
      const first = await prisma.userCrossAlert.updateMany({
        where: { id: a.id, isActive: true },
        data: {
          isActive: false,
          triggeredAt: T1,
          triggeredValue: -0.0006,
          triggeredCount: { increment: 1 },
          lastCheckedValue: -0.0006,
          lastCheckedAt: T1,
        },
      });
      const second = await prisma.userCrossAlert.updateMany({
        where: { id: a.id, isActive: true },
        data: { isActive: false },
      });
      expect([first.count, second.count]).toEqual([1, 0]);
      await prisma.userCrossAlert.update({
        where: { id: a.id },
        data: { deliveryMethod: 'BOTH', alertType: 'OI_CROSS' },
      });
      const r = await prisma.userCrossAlert.findFirstOrThrow({ where: { userId: u.id, isActive: false } });
      expect(r).toMatchObject({
        triggeredCount: 1,
        triggeredValue: -0.0006,
        triggeredAt: T1,
        deliveryMethod: 'BOTH',
        alertType: 'OI_CROSS',
      });
      await prisma.userCrossAlert.create({
        data: { userId: u.id, symbol: 'ETHUSDT', alertType: 'PRICE_CROSS', threshold: 3000, deliveryMethod: 'EMAIL' },
      });
      await prisma.user.delete({ where: { id: u.id } });
      expect(await prisma.userCrossAlert.count({ where: { userId: u.id } })).toBe(0);
    },
  },
  {
    model: 'AlertSubscription',
    async run(prisma) {
      const u = await newUser(prisma, 'subs@example.com');
      const s = await prisma.alertSubscription.create({ data: { userId: u.id, symbol: 'BTCUSDT' } });
      expect(s.createdAt).toBeInstanceOf(Date);
      await expectUniqueViolation(prisma.alertSubscription.create({ data: { userId: u.id, symbol: 'BTCUSDT' } }));
      await prisma.alertSubscription.update({ where: { id: s.id }, data: { symbol: 'ETHUSDT' } });
      const r = await prisma.alertSubscription.findUniqueOrThrow({
        where: { userId_symbol: { userId: u.id, symbol: 'ETHUSDT' } },
      });
      expect(r.id).toBe(s.id);
      await prisma.user.delete({ where: { id: u.id } });
      expect(await prisma.alertSubscription.count()).toBe(0);
    },
  },
  {
    model: 'TelegramChannel',
    async run(prisma) {
      const big = -1001234567890123n; // beyond 2^32, negative like Telegram channel ids
      const c = await prisma.telegramChannel.create({
        data: { channelId: big, username: 'markets', title: 'Markets' },
      });
      expect(c).toMatchObject({
        channelId: big,
        category: 'general',
        enabled: true,
        errorCount: 0,
        lastFetchAt: null,
        lastError: null,
      });
      await prisma.telegramChannel.update({
        where: { username: 'markets' },
        data: { errorCount: { increment: 1 }, lastError: 'timeout', lastFetchAt: T0, enabled: false, category: 'news' },
      });
      const r = await prisma.telegramChannel.findUniqueOrThrow({ where: { channelId: big } });
      expect(r).toMatchObject({
        errorCount: 1,
        lastError: 'timeout',
        lastFetchAt: T0,
        enabled: false,
        category: 'news',
      });
      await expectUniqueViolation(
        prisma.telegramChannel.create({ data: { channelId: 1n, username: 'markets', title: 'x' } }),
      );
    },
  },
  {
    model: 'TelegramMessage',
    async run(prisma) {
      const c = await prisma.telegramChannel.create({ data: { channelId: 42n, username: 'alerts', title: 'Alerts' } });
      const m = await prisma.telegramMessage.create({
        data: {
          channelId: c.id,
          messageId: 9007199254740993n,
          text: 'hello 👋',
          date: T0,
          senderName: 'bot',
          views: 10,
          forwards: 2,
          hasMedia: true,
          mediaType: 'photo',
          links: ['https://a.example', 'https://b.example'],
        },
      });
      expect(m.messageId).toBe(9007199254740993n);
      const bare = await prisma.telegramMessage.create({ data: { channelId: c.id, messageId: 2n, date: T1 } });
      expect(bare).toMatchObject({
        links: [],
        hasMedia: false,
        text: null,
        views: null,
        forwards: null,
        mediaType: null,
        senderName: null,
      });
      await expectUniqueViolation(
        prisma.telegramMessage.create({ data: { channelId: c.id, messageId: 2n, date: T1 } }),
      );
      await prisma.telegramMessage.update({
        where: { id: m.id },
        data: { views: 11, links: { push: 'https://c.example' } },
      });
      const r = await prisma.telegramMessage.findUniqueOrThrow({
        where: { channelId_messageId: { channelId: c.id, messageId: 9007199254740993n } },
      });
      expect(r.views).toBe(11);
      expect(r.links).toEqual(['https://a.example', 'https://b.example', 'https://c.example']);
      const newest = await prisma.telegramMessage.findMany({ orderBy: { date: 'desc' }, take: 1 });
      expect(newest[0]?.messageId).toBe(2n);
      await prisma.telegramChannel.delete({ where: { id: c.id } });
      expect(await prisma.telegramMessage.count({ where: { channelId: c.id } })).toBe(0);
    },
  },
  {
    model: 'ComponentHeartbeat',
    async run(prisma) {
      const h = await prisma.componentHeartbeat.create({
        data: { component: 'oi-poller', status: 'ok', lastSeenAt: T0 },
      });
      expect(h.details).toEqual({});
      await prisma.componentHeartbeat.upsert({
        where: { component: 'oi-poller' },
        create: { component: 'oi-poller', status: 'ok', lastSeenAt: T1 },
        update: { status: 'degraded', details: { lagMs: 1500, symbols: ['BTCUSDT'] }, lastSeenAt: T1 },
      });
      expect(await prisma.componentHeartbeat.findUniqueOrThrow({ where: { component: 'oi-poller' } })).toMatchObject({
        status: 'degraded',
        details: { lagMs: 1500, symbols: ['BTCUSDT'] },
        lastSeenAt: T1,
      });
    },
  },
  {
    model: 'IngestRequest',
    async run(prisma) {
      const r = await prisma.ingestRequest.create({
        data: {
          idempotencyKey: 'k-1',
          route: '/api/volume-alerts/ingest',
          statusCode: 200,
          responseBody: { success: true, alertId: 'a1' },
        },
      });
      expect(r.createdAt).toBeInstanceOf(Date);
      await expectUniqueViolation(
        prisma.ingestRequest.create({
          data: { idempotencyKey: 'k-1', route: '/x', statusCode: 200, responseBody: {} },
        }),
      );
      await prisma.ingestRequest.update({
        where: { idempotencyKey: 'k-1' },
        data: { statusCode: 201, responseBody: [1, 'two', null] },
      });
      expect(await prisma.ingestRequest.findUniqueOrThrow({ where: { idempotencyKey: 'k-1' } })).toMatchObject({
        statusCode: 201,
        responseBody: [1, 'two', null],
      });
    },
  },
  {
    model: 'EmailOutbox',
    async run(prisma) {
      const e = await prisma.emailOutbox.create({
        data: {
          kind: 'user-alert-triggered',
          dedupeKey: 'user-alert-triggered:a1:1',
          toAddress: 'pro@example.com',
          subject: 'VolSpike alert: BTCUSDT price crossed above 100000',
          textBody: 'body',
        },
      });
      expect(e).toMatchObject({ attempts: 0, htmlBody: null, lastError: null, sentAt: null, failedAt: null });
      expect(e.nextAttemptAt).toBeInstanceOf(Date);
      expect(e.createdAt).toBeInstanceOf(Date);
      // One trigger enqueues one email: the dedupe key is unique.
      await expectUniqueViolation(
        prisma.emailOutbox.create({
          data: { kind: 'x', dedupeKey: 'user-alert-triggered:a1:1', toAddress: 'a@b.c', subject: 's', textBody: 't' },
        }),
      );
      await prisma.emailOutbox.update({
        where: { id: e.id },
        data: { htmlBody: '<p>body</p>', attempts: { increment: 2 }, lastError: '451 try later', nextAttemptAt: T1 },
      });
      await prisma.emailOutbox.update({ where: { dedupeKey: 'user-alert-triggered:a1:1' }, data: { sentAt: T0 } });
      await prisma.emailOutbox.create({
        data: { kind: 'x', dedupeKey: 'k2', toAddress: 'a@b.c', subject: 's', textBody: 't', failedAt: T1 },
      });
      const due = await prisma.emailOutbox.findMany({ where: { sentAt: null, failedAt: null } });
      expect(due).toEqual([]);
      expect(await prisma.emailOutbox.findUniqueOrThrow({ where: { id: e.id } })).toMatchObject({
        htmlBody: '<p>body</p>',
        attempts: 2,
        lastError: '451 try later',
        nextAttemptAt: T1,
        sentAt: T0,
      });
    },
  },
];
