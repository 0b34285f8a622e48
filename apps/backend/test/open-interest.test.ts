import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { INGEST_KEY, clearTables, createTestApp, type TestApp } from './app-helpers.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await t.close();
});
beforeEach(async () => {
  // A new backend (the last one's pending latest values written first), then empty tables: its OI ingest reads
  // the symbols it counts as `cached` from the (now empty) table at its first batch.
  await t.restart();
  await clearTables(t.prisma, [
    'open_interest_snapshots',
    'open_interest_latest',
    'open_interest_liquid_symbols',
    'ingest_requests',
  ]);
  t.realtime.oiUpdates = [];
  t.clock.now = Date.now();
});

const legacyBatch = {
  data: [{ symbol: 'BTCUSDT', openInterest: 81234.5, openInterestUsd: 5280242500.0, markPrice: 65000.0 }],
  timestamp: '2025-03-01T10:05:07Z',
  totalSymbols: 100,
  source: 'realtime',
};

const post = (path: string, body: unknown, key: string | null = INGEST_KEY) => {
  const r = request(t.app).post(path).set('Content-Type', 'application/json');
  if (key !== null) r.set('X-API-Key', key);
  return r.send(typeof body === 'string' ? body : JSON.stringify(body));
};

const countSnapshots = () => t.prisma.openInterestSnapshot.count();

describe('POST /api/market/open-interest/ingest', () => {
  it('stores the legacy realtime payload unchanged and queues one socket update per symbol', async () => {
    const res = await post('/api/market/open-interest/ingest', legacyBatch);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ success: true, inserted: 1, duplicates: 0, cached: 1 });
    const row = await t.prisma.openInterestSnapshot.findFirstOrThrow();
    expect(row.ts.toISOString()).toBe('2025-03-01T10:05:07.000Z');
    expect([
      row.symbol,
      row.source,
      Number(row.openInterest),
      Number(row.openInterestUsd),
      Number(row.markPrice),
    ]).toEqual(['BTCUSDT', 'realtime', 81234.5, 5280242500, 65000]);
    expect(t.realtime.oiUpdates).toHaveLength(1);
    expect(t.realtime.oiUpdates[0]![0]).toMatchObject({
      symbol: 'BTCUSDT',
      openInterest: 81234.5,
      openInterestUsd: 5280242500,
      markPrice: 65000,
    });
  });

  it('accepts the legacy root alias, normalises symbols and defaults the source to snapshot (no socket updates)', async () => {
    const res = await post('/api/market/open-interest', { data: [{ symbol: 'eth_usdt', openInterest: 10 }] });
    expect(res.status).toBe(200);
    const row = await t.prisma.openInterestSnapshot.findFirstOrThrow();
    expect([row.symbol, row.source]).toEqual(['ETHUSDT', 'snapshot']);
    expect(t.realtime.oiUpdates).toHaveLength(0);
  });

  it('computes OI from usd ÷ mark when only those are given', async () => {
    await post('/api/market/open-interest/ingest', {
      data: [{ symbol: 'XUSDT', openInterestUsd: 1000, markPrice: 4 }],
    }).expect(200);
    const row = await t.prisma.openInterestSnapshot.findFirstOrThrow();
    expect(Number(row.openInterest)).toBe(250);
  });

  it('stores the legacy 0.0 mark/usd as missing and never overwrites a good USD value with it', async () => {
    await post('/api/market/open-interest/ingest', { ...legacyBatch, timestamp: '2025-03-01T10:05:00Z' }).expect(200);
    const zeros = {
      data: [{ symbol: 'BTCUSDT', openInterest: 81300, openInterestUsd: 0.0, markPrice: 0.0 }],
      timestamp: '2025-03-01T10:05:10Z',
      source: 'realtime',
    };
    await post('/api/market/open-interest/ingest', zeros).expect(200);
    const second = await t.prisma.openInterestSnapshot.findFirstOrThrow({
      where: { ts: new Date('2025-03-01T10:05:10Z') },
    });
    expect(second.markPrice).toBeNull();
    expect(second.openInterestUsd).toBeNull();
    const latest = await request(t.app).get('/api/market/open-interest/latest?symbols=BTCUSDT').expect(200);
    expect(latest.body.data[0]).toMatchObject({
      symbol: 'BTCUSDT',
      openInterest: 81300,
      openInterestUsd: 5280242500,
      markPrice: 65000,
    });
    const map = await request(t.app).get('/api/market/open-interest').expect(200);
    expect(map.body.data.BTCUSDT).toBe(5280242500);
    expect(t.realtime.oiUpdates[1]![0]).toMatchObject({ openInterestUsd: null, markPrice: null });
  });

  it('writes a 500-sample batch and adds nothing when the same batch is retried', async () => {
    const data = Array.from({ length: 500 }, (_, i) => ({ symbol: `S${i}USDT`, openInterest: i + 1, markPrice: 2 }));
    const body = { data, timestamp: '2025-03-01T10:05:07Z', source: 'realtime' };
    const first = await post('/api/market/open-interest/ingest', body).expect(200);
    expect(first.body).toMatchObject({ inserted: 500, duplicates: 0, cached: 500 });
    const again = await post('/api/market/open-interest/ingest', body).expect(200);
    expect(again.body).toMatchObject({ inserted: 0, duplicates: 500 });
    expect(await countSnapshots()).toBe(500);
  });

  it('parses a JSON body sent without a JSON Content-Type', async () => {
    const res = await request(t.app)
      .post('/api/market/open-interest/ingest')
      .set('X-API-Key', INGEST_KEY)
      .set('Content-Type', 'text/plain')
      .send(JSON.stringify(legacyBatch));
    expect(res.status).toBe(200);
    expect(await countSnapshots()).toBe(1);
  });

  it('stores a symbol repeated in one batch once and keeps the last value as latest', async () => {
    const body = {
      data: [
        { symbol: 'BTCUSDT', openInterest: 1 },
        { symbol: 'btc_usdt', openInterest: 2 },
      ],
      source: 'realtime',
      timestamp: '2025-03-01T10:00:00Z',
    };
    const res = await post('/api/market/open-interest/ingest', body).expect(200);
    expect(res.body).toMatchObject({ inserted: 1, duplicates: 1, cached: 1 });
    await t.oiLatest.flush();
    const latest = await t.prisma.openInterestLatest.findUniqueOrThrow({ where: { symbol: 'BTCUSDT' } });
    expect(Number(latest.openInterest)).toBe(2);
  });

  it('keeps each sample at its own per-item ts, so one batch can carry several polls of a symbol', async () => {
    const body = {
      data: [
        { symbol: 'BTCUSDT', openInterest: 10, ts: '2025-03-01T10:00:05.250Z' },
        { symbol: 'BTCUSDT', openInterest: 12, ts: '2025-03-01T10:00:10.500Z' },
        { symbol: 'ETHUSDT', openInterest: 7 },
      ],
      source: 'realtime',
      timestamp: '2025-03-01T10:00:11Z',
    };
    const res = await post('/api/market/open-interest/ingest', body).expect(200);
    expect(res.body).toMatchObject({ inserted: 3, duplicates: 0 });
    const rows = await t.prisma.openInterestSnapshot.findMany({ orderBy: [{ symbol: 'asc' }, { ts: 'asc' }] });
    expect(rows.map((r) => [r.symbol, Number(r.openInterest), r.ts.toISOString()])).toEqual([
      ['BTCUSDT', 10, '2025-03-01T10:00:05.250Z'],
      ['BTCUSDT', 12, '2025-03-01T10:00:10.500Z'],
      ['ETHUSDT', 7, '2025-03-01T10:00:11.000Z'],
    ]);
    await t.oiLatest.flush();
    const latest = await t.prisma.openInterestLatest.findUniqueOrThrow({ where: { symbol: 'BTCUSDT' } });
    expect([Number(latest.openInterest), latest.ts.toISOString()]).toEqual([12, '2025-03-01T10:00:10.500Z']);
    expect(t.realtime.oiUpdates.flat().map((u) => u.ts.toISOString())).toContain('2025-03-01T10:00:10.500Z');
  });

  it('rejects a per-item ts that is not a date, naming the item', async () => {
    const res = await post('/api/market/open-interest/ingest', {
      data: [{ symbol: 'BTCUSDT', openInterest: 1, ts: 'yesterday-ish' }],
      source: 'realtime',
    }).expect(400);
    expect(JSON.stringify(res.body)).toContain('data[0].ts');
    expect(await countSnapshots()).toBe(0);
  });

  it('does not let a late (older) batch replace the latest value', async () => {
    await post('/api/market/open-interest/ingest', { ...legacyBatch, timestamp: '2025-03-01T10:10:00Z' }).expect(200);
    const older = {
      data: [{ symbol: 'BTCUSDT', openInterest: 1, markPrice: 1 }],
      timestamp: '2025-03-01T10:00:00Z',
      source: 'realtime',
    };
    await post('/api/market/open-interest/ingest', older).expect(200);
    await t.oiLatest.flush();
    const latest = await t.prisma.openInterestLatest.findUniqueOrThrow({ where: { symbol: 'BTCUSDT' } });
    expect([Number(latest.openInterest), latest.ts.toISOString()]).toEqual([81234.5, '2025-03-01T10:10:00.000Z']);
    expect(await countSnapshots()).toBe(2);
  });

  it('replays the stored response for a repeated Idempotency-Key without writing', async () => {
    const first = await post('/api/market/open-interest/ingest', legacyBatch).set('Idempotency-Key', 'k-1').expect(200);
    const second = await post('/api/market/open-interest/ingest', { ...legacyBatch, timestamp: '2025-03-01T11:00:00Z' })
      .set('Idempotency-Key', 'k-1')
      .expect(200);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.body).toEqual(first.body);
    expect(await countSnapshots()).toBe(1);
    // Both were queued on receipt, as every valid realtime batch: the fan-out sends a sample only when it is newer
    // than its symbol's last one (realtime-oi-feeds.test.ts), so a retry is not sent twice.
    expect(t.realtime.oiUpdates).toHaveLength(2);
  });

  it('queues a realtime batch for the live feed on receipt, not once Postgres has committed it', async () => {
    let request: Promise<request.Response> | undefined;
    await t.prisma.$transaction(
      async (tx) => {
        // Holds every write to the table: the ingest statement waits for this transaction.
        await tx.$executeRawUnsafe('LOCK TABLE open_interest_snapshots IN ACCESS EXCLUSIVE MODE');
        request = post('/api/market/open-interest/ingest', legacyBatch).then((r) => r);
        await expect.poll(() => t.realtime.oiUpdates.length, { timeout: 20_000, interval: 20 }).toBe(1);
        let answered = false;
        void request.then(() => (answered = true));
        await new Promise((r) => setTimeout(r, 200));
        expect(answered).toBe(false); // still waiting for the lock: nothing stored yet
      },
      { maxWait: 10_000, timeout: 30_000 },
    );
    const res = await request!;
    expect(res.status).toBe(200);
    expect(await countSnapshots()).toBe(1);
    expect(t.realtime.oiUpdates[0]![0]).toMatchObject({ symbol: 'BTCUSDT', openInterest: 81234.5 });
  });

  it('reports its ingest gate on /metrics (statements running and waiting, and how long they waited)', async () => {
    await post('/api/market/open-interest/ingest', legacyBatch).expect(200);
    const text = await t.registry.metrics();
    expect(text).toMatch(/^volspike_backend_oi_ingest_gate_wait_seconds_count [1-9]\d*$/m);
    expect(text).toContain('volspike_backend_oi_ingest_statements{state="running"} 0');
    expect(text).toContain('volspike_backend_oi_ingest_statements{state="waiting"} 0');
  });

  it('queues nothing of a batch it refuses', async () => {
    const res = await post('/api/market/open-interest/ingest', {
      ...legacyBatch,
      data: [...legacyBatch.data, { symbol: 'ETHUSDT', openInterest: 'lots' }],
    });
    expect(res.status).toBe(400);
    expect(t.realtime.oiUpdates).toHaveLength(0);
    expect(await countSnapshots()).toBe(0);
  });

  it('refuses an Idempotency-Key used on another route with 409 and writes nothing', async () => {
    await post('/api/market/open-interest/liquid-universe/update', {
      symbols: [{ symbol: 'FOOUSDT', quoteVolume24h: 5e6 }],
    })
      .set('Idempotency-Key', 'k-shared')
      .expect(200);
    const res = await post('/api/market/open-interest/ingest', legacyBatch).set('Idempotency-Key', 'k-shared');
    expect(res.status).toBe(409);
    expect(await countSnapshots()).toBe(0);
    await t.oiLatest.flush();
    expect(await t.prisma.openInterestLatest.count()).toBe(0);
  });

  it('answers a concurrent request with the same Idempotency-Key with the winner’s response, writing nothing', async () => {
    // The winner's transaction holds the key's row; ours writes its samples, then waits on the key's primary
    // key. When the winner commits, our statement fails on that key and everything it wrote is undone.
    const winnerBody = { success: true, inserted: 7, duplicates: 0, cached: 7 };
    let request: Promise<request.Response> | undefined;
    await t.prisma.$transaction(
      async (tx) => {
        await tx.ingestRequest.create({
          data: {
            idempotencyKey: 'k-race',
            route: 'POST /api/market/open-interest/ingest',
            statusCode: 200,
            responseBody: winnerBody,
          },
        });
        request = post('/api/market/open-interest/ingest', legacyBatch)
          .set('Idempotency-Key', 'k-race')
          .then((r) => r);
        await expect
          .poll(
            async () =>
              (
                await t.prisma.$queryRawUnsafe<{ n: bigint }[]>(
                  `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
                )
              )[0]?.n,
            { timeout: 20_000, interval: 50 },
          )
          .toBe(1n);
      },
      { maxWait: 10_000, timeout: 30_000 },
    );
    const res = await request!;
    expect(res.status).toBe(200);
    expect(res.headers['idempotent-replayed']).toBe('true');
    expect(res.body).toEqual(winnerBody);
    expect(await countSnapshots()).toBe(0);
    await t.oiLatest.flush();
    expect(await t.prisma.openInterestLatest.count()).toBe(0);
    expect(t.realtime.oiUpdates).toHaveLength(1); // on receipt (the test above)
  });

  it('stores the first of a repeated (symbol, ts) and makes the last one latest, nulls staying null', async () => {
    const body = {
      data: [
        { symbol: 'BTCUSDT', openInterest: 1, openInterestUsd: null, markPrice: 10, ts: '2025-03-01T10:00:00Z' },
        { symbol: 'ETHUSDT', openInterest: 5, openInterestUsd: 0, markPrice: 0, ts: '2025-03-01T10:00:00Z' },
        { symbol: 'BTCUSDT', openInterest: 2, openInterestUsd: 30, markPrice: null, ts: '2025-03-01T10:00:00Z' },
        { symbol: 'SOLUSDT', openInterestUsd: 100, markPrice: 4, ts: '2025-03-01T10:00:01Z' },
        { symbol: 'SOLUSDT', openInterest: 24, ts: '2025-03-01T09:59:59Z' },
      ],
      source: 'realtime',
    };
    const res = await post('/api/market/open-interest/ingest', body).expect(200);
    expect(res.body).toEqual({ success: true, inserted: 4, duplicates: 1, cached: 3 });
    const rows = await t.prisma.openInterestSnapshot.findMany({ orderBy: [{ symbol: 'asc' }, { ts: 'asc' }] });
    expect(
      rows.map((r) => [
        r.symbol,
        r.ts.toISOString(),
        Number(r.openInterest),
        r.openInterestUsd && Number(r.openInterestUsd),
        r.markPrice && Number(r.markPrice),
      ]),
    ).toEqual([
      ['BTCUSDT', '2025-03-01T10:00:00.000Z', 1, null, 10],
      ['ETHUSDT', '2025-03-01T10:00:00.000Z', 5, null, null],
      ['SOLUSDT', '2025-03-01T09:59:59.000Z', 24, null, null],
      ['SOLUSDT', '2025-03-01T10:00:01.000Z', 25, 100, 4],
    ]);
    const latest = await request(t.app).get('/api/market/open-interest/latest').expect(200);
    expect(
      latest.body.data.map((d: Record<string, unknown>) => [
        d.symbol,
        d.openInterest,
        d.openInterestUsd,
        d.markPrice,
        d.ts,
      ]),
    ).toEqual([
      // equal times: the last item wins; its USD is given, its missing mark stays missing
      ['BTCUSDT', 2, 30, null, '2025-03-01T10:00:00.000Z'],
      ['ETHUSDT', 5, null, null, '2025-03-01T10:00:00.000Z'],
      // the newer item wins over a later but older one
      ['SOLUSDT', 25, 100, 4, '2025-03-01T10:00:01.000Z'],
    ]);
    // A second batch: a sample without USD or mark keeps the stored ones; cached counts the other symbols too.
    const next = await post('/api/market/open-interest/ingest', {
      data: [
        { symbol: 'SOLUSDT', openInterest: 26, ts: '2025-03-01T10:00:02Z' },
        { symbol: 'XRPUSDT', openInterest: 3, ts: '2025-03-01T10:00:02Z' },
      ],
      source: 'realtime',
    }).expect(200);
    expect(next.body).toEqual({ success: true, inserted: 2, duplicates: 0, cached: 4 });
    await t.oiLatest.flush();
    const sol = await t.prisma.openInterestLatest.findUniqueOrThrow({ where: { symbol: 'SOLUSDT' } });
    expect([Number(sol.openInterest), Number(sol.openInterestUsd), Number(sol.markPrice)]).toEqual([26, 100, 4]);
  });

  it('gives every stored row its own id, ordered by time of writing', async () => {
    for (const ts of ['2025-03-01T10:00:00Z', '2025-03-01T10:00:10Z']) {
      await post('/api/market/open-interest/ingest', {
        data: Array.from({ length: 12 }, (_, i) => ({ symbol: `S${i}USDT`, openInterest: i + 1 })),
        timestamp: ts,
        source: 'realtime',
      }).expect(200);
    }
    const rows = await t.prisma.openInterestSnapshot.findMany({ select: { id: true, ts: true } });
    expect(new Set(rows.map((r) => r.id)).size).toBe(24);
    const first = rows.filter((r) => r.ts.toISOString() === '2025-03-01T10:00:00.000Z').map((r) => r.id);
    const second = rows.filter((r) => r.ts.toISOString() === '2025-03-01T10:00:10.000Z').map((r) => r.id);
    // Later batches sort after earlier ones, so the primary-key index grows at its end.
    expect(first.every((a) => second.every((b) => a < b))).toBe(true);
  });

  it.each([
    ['an OI beyond numeric(30,8)', { symbol: 'A', openInterest: 1e22 }, 'data[1].openInterest'],
    ['a mark beyond numeric(20,8)', { symbol: 'A', openInterest: 1, markPrice: 1e12 }, 'data[1].markPrice'],
    ['an oi × mark beyond numeric(30,2)', { symbol: 'A', openInterest: 1e20, markPrice: 1e9 }, 'data[1].openInterest'],
    ['a year Postgres does not take', { symbol: 'A', openInterest: 1, ts: '+010000-01-01T00:00:00Z' }, 'data[1].ts'],
  ])('rejects %s with 400 naming the field and writes nothing', async (_n, bad, field) => {
    const res = await post('/api/market/open-interest/ingest', { data: [{ symbol: 'B', openInterest: 1 }, bad] });
    expect(res.status).toBe(400);
    expect(res.body.message).toContain(field);
    expect(await countSnapshots()).toBe(0);
  });

  it.each([
    ['a missing key', null, 401, { error: 'Unauthorized' }],
    ['a wrong key', 'nope', 401, { error: 'Unauthorized' }],
  ])('answers %s with the legacy 401', async (_n, key, status, body) => {
    const res = await post('/api/market/open-interest/ingest', legacyBatch, key);
    expect(res.status).toBe(status);
    expect(res.body).toEqual(body);
  });

  it.each([
    ['negative OI', { data: [{ symbol: 'A', openInterest: -5 }] }, 'data[0].openInterest'],
    ['an unknown source', { data: [{ symbol: 'A', openInterest: 5 }], source: 'bogus' }, 'source'],
    ['a string OI', { data: [{ symbol: 'A', openInterest: '5' }] }, 'data[0].openInterest'],
    [
      'an item without symbol among good ones',
      { data: [{ symbol: 'A', openInterest: 5 }, { openInterest: 5 }] },
      'data[1].symbol',
    ],
    ['an oversized array', { data: Array.from({ length: 2001 }, () => ({ symbol: 'A', openInterest: 1 })) }, 'data'],
    ['an unparseable timestamp', { data: [{ symbol: 'A', openInterest: 5 }], timestamp: 'soon' }, 'timestamp'],
    ['an empty data array', { data: [] }, 'data'],
  ])('rejects %s with 400 naming the field and writes nothing', async (_n, body, field) => {
    const res = await post('/api/market/open-interest/ingest', body);
    expect(res.status).toBe(400);
    expect(res.body.message).toContain(field);
    expect(await countSnapshots()).toBe(0);
  });

  it('rejects a body without a data array with the legacy message', async () => {
    const res = await post('/api/market/open-interest/ingest', { items: [] });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('Invalid payload: data array required');
  });

  it.each([
    ['malformed JSON', '{"data": [', 'body'],
    ['a NaN (as Python json.dumps writes it)', '{"data":[{"symbol":"A","openInterest":NaN}]}', 'body'],
  ])('rejects %s with 400', async (_n, raw, field) => {
    const res = await post('/api/market/open-interest/ingest', raw);
    expect(res.status).toBe(400);
    expect(res.body.message).toContain(field);
    expect(await countSnapshots()).toBe(0);
  });

  it('checks the key before the body: malformed JSON without the key is 401', async () => {
    expect((await post('/api/market/open-interest/ingest', '{"data": [', null)).status).toBe(401);
    expect((await post('/api/market/open-interest/ingest', '{"data": [', 'wrong')).status).toBe(401);
  });

  it('rejects a body over 5 MB with 413', async () => {
    const big = JSON.stringify({ data: [{ symbol: 'A', openInterest: 1 }], pad: 'x'.repeat(5 * 1024 * 1024 + 10) });
    const res = await post('/api/market/open-interest/ingest', big);
    expect(res.status).toBe(413);
    expect(res.body.message).toContain('5 MB');
    expect(await countSnapshots()).toBe(0);
  });
});

describe('OI queries', () => {
  it('serves the legacy empty map before any ingest', async () => {
    const res = await request(t.app).get('/api/market/open-interest').expect(200);
    expect(res.body).toEqual({ data: {}, stale: true, asOf: null, dangerouslyStale: true });
  });

  it('marks the map stale after 5 minutes and dangerously stale after 6.5', async () => {
    await post('/api/market/open-interest/ingest', legacyBatch).expect(200);
    const fresh = await request(t.app).get('/api/market/open-interest').expect(200);
    expect(fresh.body).toMatchObject({ data: { BTCUSDT: 5280242500 }, stale: false, dangerouslyStale: false });
    expect(typeof fresh.body.asOf).toBe('number');
    t.clock.now = fresh.body.asOf + 6 * 60_000;
    const later = await request(t.app).get('/api/market/open-interest').expect(200);
    expect(later.body).toMatchObject({ stale: true, dangerouslyStale: false });
    t.clock.now = fresh.body.asOf + 7 * 60_000;
    expect((await request(t.app).get('/api/market/open-interest')).body.dangerouslyStale).toBe(true);
  });

  it('serves latest per symbol with age, and samples oldest first', async () => {
    t.clock.now = Date.parse('2025-03-01T10:10:00Z');
    for (const [ts, oi] of [
      ['2025-03-01T10:05:00Z', 1],
      ['2025-03-01T10:05:10Z', 2],
      ['2025-03-01T10:05:20Z', 3],
    ] as const) {
      await post('/api/market/open-interest/ingest', {
        data: [
          { symbol: 'BTCUSDT', openInterest: oi, markPrice: 10 },
          { symbol: 'ETHUSDT', openInterest: oi },
        ],
        timestamp: ts,
        source: 'realtime',
      }).expect(200);
    }
    const latest = await request(t.app).get('/api/market/open-interest/latest?symbols=btcusdt,ETHUSDT').expect(200);
    expect(latest.body.count).toBe(2);
    expect(latest.body.data[0]).toEqual({
      symbol: 'BTCUSDT',
      openInterest: 3,
      openInterestUsd: 30,
      markPrice: 10,
      ts: '2025-03-01T10:05:20.000Z',
      source: 'realtime',
      ageMs: 280_000,
    });
    expect(latest.body.data[1]).toMatchObject({ symbol: 'ETHUSDT', openInterestUsd: null, markPrice: null });
    const samples = await request(t.app)
      .get('/api/market/open-interest/samples?symbol=BTCUSDT&since=2025-03-01T10:05:05Z&limit=10')
      .expect(200);
    expect(samples.body.samples.map((s: { openInterest: number }) => s.openInterest)).toEqual([2, 3]);
    const limited = await request(t.app)
      .get('/api/market/open-interest/samples?symbol=BTCUSDT&since=2025-03-01T10:00:00Z&limit=1')
      .expect(200);
    expect(limited.body.samples.map((s: { openInterest: number }) => s.openInterest)).toEqual([3]);
    expect((await request(t.app).get('/api/market/open-interest/samples?symbol=BTCUSDT&limit=abc')).status).toBe(400);
    expect((await request(t.app).get('/api/market/open-interest/samples')).status).toBe(400);
  });

  it('answers snapshot lookups with the legacy shapes (key required)', async () => {
    await post('/api/market/open-interest/ingest', legacyBatch).expect(200);
    const get = (q: string, key: string | null = INGEST_KEY) => {
      const r = request(t.app).get(`/api/market/open-interest/snapshot${q}`);
      return key ? r.set('X-API-Key', key) : r;
    };
    expect((await get('?symbol=BTCUSDT&ts=2025-03-01T10:05:07Z', null)).status).toBe(401);
    const found = await get('?symbol=btc-usdt&ts=2025-03-01T10:06:00Z').expect(200);
    expect(found.body).toEqual({
      found: true,
      symbol: 'BTCUSDT',
      openInterest: 81234.5,
      openInterestUsd: 5280242500,
      markPrice: 65000,
      ts: '2025-03-01T10:05:07.000Z',
      source: 'realtime',
    });
    const none = await get('?symbol=BTCUSDT&ts=2025-03-01T10:00:00Z').expect(200);
    expect(none.body).toEqual({ found: false, symbol: 'BTCUSDT', requestedTs: '2025-03-01T10:00:00.000Z' });
    expect((await get('?ts=2025-03-01T10:00:00Z')).body.error).toBe('symbol parameter required');
    expect((await get('?symbol=BTCUSDT')).body.error).toBe('ts parameter required (ISO 8601 timestamp)');
    expect((await get('?symbol=BTCUSDT&ts=nope')).body.error).toBe('Invalid timestamp format');
  });
});

describe('liquid universe', () => {
  const legacyUpdate = {
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
  const update = (body: unknown) => post('/api/market/open-interest/liquid-universe/update', body);

  it('stores the legacy update and serves it sorted with the poll interval estimate', async () => {
    const res = await update(legacyUpdate).expect(200);
    expect(res.body).toEqual({ success: true, upserted: 2, removed: 0, totalSymbols: 2 });
    const u = await request(t.app).get('/api/market/open-interest/liquid-universe').expect(200);
    expect(u.body).toMatchObject({
      enterThreshold: 4000000,
      exitThreshold: 2000000,
      totalSymbols: 2,
      updatedAt: '2025-03-01T10:05:01.123Z',
    });
    expect(u.body.symbols.map((s: { symbol: string }) => s.symbol)).toEqual(['FOOUSDT', 'BARUSDT']);
    expect(u.body.symbols[0]).toEqual({
      symbol: 'FOOUSDT',
      quoteVolume24h: 5123456.7,
      enteredAt: '2025-03-01T10:05:01.123Z',
      lastSeenAt: '2025-03-01T10:05:01.123Z',
      estimatedPollIntervalSec: 5,
      maxStalenessSec: null,
    });
    expect(u.body.pollIntervalSource).toBe('formula');
  });

  it('reports what the OI poller measured (its fresh heartbeat), and the formula again once that is stale', async () => {
    await update(legacyUpdate).expect(200);
    const beat = (ageMs: number, scheduler: Record<string, number | string | null>, status = 'ok') =>
      t.prisma.componentHeartbeat.upsert({
        where: { component: 'oi-poller' },
        create: { component: 'oi-poller', status, lastSeenAt: new Date(t.clock.now - ageMs), details: { scheduler } },
        update: { status, lastSeenAt: new Date(t.clock.now - ageMs), details: { scheduler } },
      });
    const get = async () =>
      (await request(t.app).get('/api/market/open-interest/liquid-universe').expect(200)).body as {
        pollIntervalSource: string;
        symbols: { estimatedPollIntervalSec: number; maxStalenessSec: number | null }[];
      };
    await beat(5000, { mode: 'activity', meanIntervalSec: 13.5, maxStalenessSec: 28.2 });
    let u = await get();
    expect(u.pollIntervalSource).toBe('measured');
    // 13.5 rounds half up, like the legacy formula; the staleness bound rounds up (never understated)
    expect(u.symbols.map((s) => [s.estimatedPollIntervalSec, s.maxStalenessSec])).toEqual([
      [14, 29],
      [14, 29],
    ]);
    // not measured yet (first seconds of the poller): the formula
    await beat(5000, { mode: 'activity', meanIntervalSec: null, maxStalenessSec: null });
    expect((await get()).pollIntervalSource).toBe('formula');
    // a heartbeat older than HEALTH_HEARTBEAT_STALE_SEC, or a stopped poller: the formula
    await beat(3_600_000, { mode: 'activity', meanIntervalSec: 13.5, maxStalenessSec: 28 });
    u = await get();
    expect(u.pollIntervalSource).toBe('formula');
    expect(u.symbols[0]).toMatchObject({ estimatedPollIntervalSec: 5, maxStalenessSec: null });
    await beat(1000, { mode: 'activity', meanIntervalSec: 13.5, maxStalenessSec: 28 }, 'stopped');
    expect((await get()).pollIntervalSource).toBe('formula');
    await t.prisma.componentHeartbeat.deleteMany({});
  });

  it('keeps enteredAt of retained members and removes the ones left out', async () => {
    await update(legacyUpdate).expect(200);
    const next = {
      symbols: [
        {
          symbol: 'FOOUSDT',
          quoteVolume24h: '6000000',
          enteredAt: '2025-03-02T00:00:00Z',
          lastSeenAt: '2025-03-02T00:00:00Z',
        },
      ],
    };
    const res = await update(next).expect(200);
    expect(res.body).toMatchObject({ upserted: 1, removed: 1, totalSymbols: 1 });
    const row = await t.prisma.openInterestLiquidSymbol.findUniqueOrThrow({ where: { symbol: 'FOOUSDT' } });
    expect(row.enteredAt.toISOString()).toBe('2025-03-01T10:05:01.123Z');
    expect(row.lastSeenAt.toISOString()).toBe('2025-03-02T00:00:00.000Z');
    expect(Number(row.quoteVolume24h)).toBe(6000000);
  });

  it('refuses to empty the universe unless allowEmpty is true', async () => {
    await update(legacyUpdate).expect(200);
    const res = await update({ symbols: [] });
    expect(res.status).toBe(400);
    expect(res.body.message).toContain('symbols');
    expect(await t.prisma.openInterestLiquidSymbol.count()).toBe(2);
    expect((await update({})).status).toBe(400);
    expect(await t.prisma.openInterestLiquidSymbol.count()).toBe(2);
    const cleared = await update({ symbols: [], allowEmpty: true }).expect(200);
    expect(cleared.body).toMatchObject({ upserted: 0, removed: 2, totalSymbols: 0 });
  });

  it('rejects an unparseable quoteVolume24h and leaves the universe as it was', async () => {
    await update(legacyUpdate).expect(200);
    const res = await update({
      symbols: [
        { symbol: 'NEWUSDT', quoteVolume24h: 5e6 },
        { symbol: 'BADUSDT', quoteVolume24h: 'lots' },
      ],
    });
    expect(res.status).toBe(400);
    expect(res.body.message).toContain('symbols[1].quoteVolume24h');
    const symbols = (await t.prisma.openInterestLiquidSymbol.findMany()).map((r) => r.symbol).sort();
    expect(symbols).toEqual(['BARUSDT', 'FOOUSDT']);
  });

  it('is public to read but needs the key to write', async () => {
    expect((await post('/api/market/open-interest/liquid-universe/update', legacyUpdate, null)).status).toBe(401);
    const empty = await request(t.app).get('/api/market/open-interest/liquid-universe').expect(200);
    expect(empty.body).toMatchObject({ symbols: [], totalSymbols: 0 });
  });
});
