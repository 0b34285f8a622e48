import { describe, expect, it } from 'vitest';
import {
  LiquidUniverseUpdateSchema,
  OiAlertIngestSchema,
  OiIngestSchema,
  DAEMON_NAMES,
  ROUTES,
  TelegramIngestSchema,
  TriggerRequestSchema,
  UserAlertCreateSchema,
  VolumeAlertIngestSchema,
  buildOpenApiDocument,
  buildUserAlertTriggeredEvent,
  normalizeSymbol,
} from './index.js';

// Payloads copied from docs/legacy-contracts.md (made-up values, legacy shapes).
const volumeExample = {
  symbol: 'FOOUSDT',
  asset: 'FOO',
  currentVolume: 12500000.5,
  previousVolume: 3100000.0,
  volumeRatio: 4.03,
  price: 1.2345,
  fundingRate: 0.0001,
  candleDirection: 'bullish',
  message: 'FOO hourly volume 12.50M (4.03× prev) — VOLUME SPIKE!',
  timestamp: '2025-03-01T10:25:00Z',
  detectionTime: '2025-03-01T10:25:00Z',
  hourTimestamp: '2025-03-01T10:00:00Z',
  isUpdate: false,
  alertType: 'SPIKE',
  priceChange: 0.021,
};
const oiExample = {
  data: [{ symbol: 'BTCUSDT', openInterest: 81234.5, openInterestUsd: 5280242500.0, markPrice: 65000.0 }],
  timestamp: '2025-03-01T10:05:07Z',
  totalSymbols: 100,
  source: 'realtime',
};
const oiAlertExample = {
  symbol: 'FOOUSDT',
  direction: 'UP',
  baseline: 1000000.0,
  current: 1042000.0,
  pctChange: 0.042,
  absChange: 42000.0,
  timestamp: '2025-03-01T10:05:03Z',
  source: 'oi_realtime_poller',
  timeframe: '5 min',
  priceChange: 0.0123,
  fundingRate: 0.0001,
};
const universeExample = {
  symbols: [
    {
      symbol: 'FOOUSDT',
      quoteVolume24h: 5123456.7,
      enteredAt: '2025-03-01T10:05:01.123456Z',
      lastSeenAt: '2025-03-01T10:05:01.123456Z',
    },
    { symbol: 'BARUSDT', quoteVolume24h: 2500000.0, enteredAt: null, lastSeenAt: '2025-03-01T10:05:01.123457Z' },
  ],
  updatedAt: '2025-03-01T10:05:01.200000Z',
};

describe('legacy payloads', () => {
  it.each([
    ['volume ingest', VolumeAlertIngestSchema, volumeExample],
    ['OI ingest', OiIngestSchema, oiExample],
    ['OI alert ingest', OiAlertIngestSchema, oiAlertExample],
    ['universe update', LiquidUniverseUpdateSchema, universeExample],
  ] as const)('accepts the %s example unchanged', (_name, schema, example) => {
    expect(schema.safeParse(example).success).toBe(true);
  });

  it('accepts the legacy poller zeros for a missing mark price (they are stored as null later)', () => {
    const r = OiIngestSchema.safeParse({
      data: [{ symbol: 'X', openInterest: 5, openInterestUsd: 0.0, markPrice: 0.0 }],
      source: 'realtime',
    });
    expect(r.success).toBe(true);
  });

  it('defaults source to snapshot and computes nothing else', () => {
    expect(OiIngestSchema.parse({ data: [{ symbol: 'x', openInterest: 1 }] }).source).toBe('snapshot');
  });
});

describe('bad input names the field', () => {
  const path = (r: { success: boolean; error?: { issues: { path: PropertyKey[] }[] } }) =>
    r.error?.issues.map((i) => i.path.join('.'));
  it.each([
    ['negative OI', { data: [{ symbol: 'X', openInterest: -1 }] }, 'data.0.openInterest'],
    ['unknown source', { data: [{ symbol: 'X', openInterest: 1 }], source: 'bogus' }, 'source'],
    ['missing OI without price', { data: [{ symbol: 'X', openInterestUsd: 5 }] }, 'data.0.openInterest'],
    ['OI as string', { data: [{ symbol: 'X', openInterest: '5' }] }, 'data.0.openInterest'],
    ['oversized array', { data: Array.from({ length: 2001 }, () => ({ symbol: 'X', openInterest: 1 })) }, 'data'],
    ['bad timestamp', { data: [{ symbol: 'X', openInterest: 1 }], timestamp: 'yesterday' }, 'timestamp'],
  ])('OI ingest rejects %s', (_n, body, field) => {
    const r = OiIngestSchema.safeParse(body);
    expect(r.success).toBe(false);
    expect(path(r)).toContain(field);
  });

  it('volume ingest rejects timestamps with an offset and null optionals (legacy zod rules)', () => {
    expect(
      VolumeAlertIngestSchema.safeParse({ ...volumeExample, timestamp: '2025-03-01T10:25:00+00:00' }).success,
    ).toBe(false);
    expect(VolumeAlertIngestSchema.safeParse({ ...volumeExample, price: null }).success).toBe(false);
  });

  it('OI alert ingest rejects an unknown direction and a missing pctChange', () => {
    expect(OiAlertIngestSchema.safeParse({ ...oiAlertExample, direction: 'SIDEWAYS' }).success).toBe(false);
    const { pctChange: _p, ...rest } = oiAlertExample;
    expect(path(OiAlertIngestSchema.safeParse(rest))).toContain('pctChange');
  });

  it('universe update rejects an unparseable quoteVolume24h but accepts a numeric string', () => {
    expect(LiquidUniverseUpdateSchema.safeParse({ symbols: [{ symbol: 'A', quoteVolume24h: 'abc' }] }).success).toBe(
      false,
    );
    expect(LiquidUniverseUpdateSchema.safeParse({ symbols: [{ symbol: 'A', quoteVolume24h: '123.5' }] }).success).toBe(
      true,
    );
  });

  it('telegram messages need their nullable keys present', () => {
    const msg = {
      id: 1,
      text: null,
      date: '2025-03-01T10:00:00+00:00',
      sender_name: null,
      views: null,
      forwards: null,
      media_type: null,
    };
    const ok = { channel: { id: -1001234, username: 'news', title: 'News' }, messages: [msg] };
    expect(TelegramIngestSchema.safeParse(ok).success).toBe(true);
    const { views: _v, ...noViews } = msg;
    expect(path(TelegramIngestSchema.safeParse({ ...ok, messages: [noViews] }))).toContain('messages.0.views');
  });
});

describe('user alerts', () => {
  it('allows negative funding thresholds but not negative price thresholds', () => {
    expect(
      UserAlertCreateSchema.safeParse({ symbol: 'btcusdt', alertType: 'FUNDING_CROSS', threshold: -0.0005 }).success,
    ).toBe(true);
    expect(
      UserAlertCreateSchema.safeParse({ symbol: 'btcusdt', alertType: 'FUNDING_CROSS', threshold: 0 }).success,
    ).toBe(false);
    expect(
      UserAlertCreateSchema.safeParse({ symbol: 'btcusdt', alertType: 'PRICE_CROSS', threshold: -1 }).success,
    ).toBe(false);
    expect(UserAlertCreateSchema.parse({ symbol: 'btcusdt', alertType: 'OI_CROSS', threshold: 1 }).symbol).toBe(
      'BTCUSDT',
    );
  });

  it('trigger body keeps apiKey optional (the header is preferred)', () => {
    expect(
      TriggerRequestSchema.safeParse({ alertId: 'a', symbol: 'X', currentValue: 1, previousValue: 0, crossedUp: true })
        .success,
    ).toBe(true);
  });

  it('formats the triggered event like the legacy broadcaster', () => {
    const ev = buildUserAlertTriggeredEvent({
      id: 'a1',
      symbol: 'BTCUSDT',
      alertType: 'PRICE_CROSS',
      threshold: 65000,
      currentValue: 65012.345,
      previousValue: 64990.1,
      crossedUp: true,
      timestamp: new Date('2025-03-01T10:00:00Z'),
    });
    expect(ev).toMatchObject({
      alertTypeName: 'Price',
      thresholdFormatted: '$65,000',
      currentValueFormatted: '$65,012.35',
      direction: 'above',
    });
    const f = buildUserAlertTriggeredEvent({
      id: 'a2',
      symbol: 'BTCUSDT',
      alertType: 'FUNDING_CROSS',
      threshold: -0.0005,
      currentValue: -0.00051,
      previousValue: -0.0004,
      crossedUp: false,
      timestamp: new Date(0),
    });
    expect([f.thresholdFormatted, f.currentValueFormatted, f.direction]).toEqual(['-0.0500%', '-0.0510%', 'below']);
  });
});

describe('normalizeSymbol', () => {
  it.each([
    ['btc_usdt', 'BTCUSDT'],
    ['eth-usdt', 'ETHUSDT'],
    ['SOLUSDT', 'SOLUSDT'],
  ])('%s → %s', (a, b) => {
    expect(normalizeSymbol(a)).toBe(b);
  });
});

describe('buildOpenApiDocument', () => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- walking a JSON document
  type J = any;
  const doc = buildOpenApiDocument() as {
    openapi: string;
    paths: Record<string, Record<string, J>>;
    components: { schemas: Record<string, J> };
  };

  it('has one operation per route, generated from the schemas', () => {
    expect(doc.openapi).toBe('3.1.0');
    const ops = Object.values(doc.paths).reduce((n, p) => n + Object.keys(p).length, 0);
    expect(ops).toBe(ROUTES.length);
    const body = doc.paths['/api/market/open-interest/ingest']!.post.requestBody.content['application/json'].schema;
    expect(body.$ref).toBe('#/components/schemas/OiIngestInput');
    expect(doc.components.schemas.OiIngestInput.properties.source.enum).toEqual([
      'snapshot',
      'realtime',
      'snapshot_legacy',
    ]);
  });

  it('turns express params into path parameters and query schemas into parameters', () => {
    const put = doc.paths['/api/user-alerts/{id}']!.put;
    expect(put.parameters).toContainEqual(expect.objectContaining({ name: 'id', in: 'path', required: true }));
    const samples = doc.paths['/api/market/open-interest/samples']!.get;
    expect(samples.parameters.map((p: { name: string }) => p.name)).toEqual(['symbol', 'since', 'limit']);
  });

  it('documents the Socket.IO events with their payload schemas', () => {
    const events = (doc as unknown as { 'x-socketio-events': Record<string, { schema: { $ref: string } }> })[
      'x-socketio-events'
    ];
    expect(Object.keys(events)).toContain('open-interest-update');
    expect(events['user-alert-triggered']!.schema.$ref).toBe('#/components/schemas/UserAlertTriggeredEvent');
  });

  it('leaves no dangling $ref', () => {
    const text = JSON.stringify(doc);
    for (const [, id] of text.matchAll(/"#\/components\/schemas\/([^"]+)"/g))
      expect(doc.components.schemas[id!]).toBeDefined();
    expect(text).not.toContain('$defs');
  });
});

describe('route callers (the scopes of the per-daemon ingest keys)', () => {
  it('names the calling daemons of every keyed route, and of no other', () => {
    for (const r of ROUTES) {
      const keyed = r.auth === 'ingestKey' || r.auth === 'triggerKey';
      expect(keyed ? (r.callers?.length ?? 0) > 0 : r.callers === undefined, `${r.method} ${r.path}`).toBe(true);
      for (const c of r.callers ?? []) expect(DAEMON_NAMES).toContain(c);
    }
  });
});
