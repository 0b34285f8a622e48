import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../test/helpers.js';
import { startFakeWs, type FakeWsServer } from '../test/ws-helpers.js';
import { BinanceWsClient } from './ws-client.js';
import type { KlineUpdate, MarkPriceUpdate, TickerUpdate } from './ws-messages.js';

let server: FakeWsServer | null = null;
let client: BinanceWsClient | null = null;
afterEach(async () => {
  await client?.stop();
  await server?.close();
  client = server = null;
});

async function setup(
  opts: Partial<ConstructorParameters<typeof BinanceWsClient>[0]> = {},
): Promise<{ s: FakeWsServer; c: BinanceWsClient }> {
  server = await startFakeWs();
  client = new BinanceWsClient({
    baseUrl: server.url,
    streams: ['!markPrice@arr@1s'],
    logger: silentLogger(),
    reconnectBaseMs: 50,
    reconnectMaxMs: 200,
    ...opts,
  });
  return { s: server, c: client };
}

describe('BinanceWsClient', () => {
  it('connects to the routed combined URL and emits typed mark prices without COIN-M items', async () => {
    const { s, c } = await setup({ streams: ['!markPrice@arr@1s', '!ticker@arr', 'BTCUSDT@kline_1h'] });
    const marks: MarkPriceUpdate[][] = [];
    const tickers: TickerUpdate[][] = [];
    const klines: KlineUpdate[] = [];
    c.on('markPrice', (m) => marks.push(m));
    c.on('ticker', (t) => tickers.push(t));
    c.on('kline', (k) => klines.push(k));
    c.start();
    await expect.poll(() => marks.length > 0 && tickers.length > 0 && klines.length > 0).toBe(true);
    expect(s.conns[0]?.path).toBe('/market/stream');
    expect([...(s.conns[0]?.streams ?? [])]).toEqual(['!markPrice@arr@1s', '!ticker@arr', 'btcusdt@kline_1h']);
    expect(marks[0]).toEqual([
      {
        symbol: 'BTCUSDT',
        markPrice: 65000.1,
        indexPrice: 64990,
        fundingRate: 0.0001,
        nextFundingTime: expect.any(Number),
        eventTime: expect.any(Number),
      },
      {
        symbol: 'ETHUSDT',
        markPrice: 3000.5,
        indexPrice: null,
        fundingRate: null,
        nextFundingTime: null,
        eventTime: expect.any(Number),
      },
    ]);
    expect(tickers[0]!.map((t) => t.symbol)).toEqual(['BTCUSDT']);
    expect(tickers[0]![0]).toMatchObject({ lastPrice: 65000.1, quoteVolume: 65000000.5, volume: 1000 });
    expect(klines[0]).toMatchObject({
      symbol: 'BTCUSDT',
      interval: '1h',
      closed: false,
      kline: { quoteVolume: 110.5, trades: 12, openTime: 1767222000000 },
    });
    expect(c.stats()).toMatchObject({ connected: true, connections: 1 });
    expect(c.stats().coinMFiltered).toBeGreaterThan(0);
  });

  it('is back and receiving after the server drops every connection', async () => {
    const { s, c } = await setup();
    let n = 0;
    c.on('markPrice', () => n++);
    const closes: unknown[] = [];
    c.on('close', (e) => closes.push(e));
    c.start();
    await expect.poll(() => n).toBeGreaterThan(0);
    s.dropAll();
    await expect.poll(() => closes.length).toBe(1);
    const after = n;
    await expect.poll(() => n, { timeout: 3000 }).toBeGreaterThan(after + 2);
    expect(c.stats().reconnects).toBe(1);
    expect(s.open()).toHaveLength(1);
  });

  it('replaces a connection that stays open but goes silent', async () => {
    const { s, c } = await setup({ silenceTimeoutMs: 300 });
    let n = 0;
    c.on('markPrice', () => n++);
    c.start();
    await expect.poll(() => n).toBeGreaterThan(0);
    s.silenceAll();
    const silentAt = n;
    await expect.poll(() => s.conns.length, { timeout: 3000 }).toBe(2);
    await expect.poll(() => n, { timeout: 3000 }).toBeGreaterThan(silentAt);
    expect(s.conns[0]!.ws.readyState).not.toBe(s.conns[0]!.ws.OPEN);
  });

  it('answers server pings', async () => {
    const { s, c } = await setup();
    c.start();
    await expect.poll(() => s.open().length).toBe(1);
    s.ping();
    await expect.poll(() => s.conns[0]!.pongs).toBe(1);
  });

  it('subscribes and unsubscribes with paced JSON messages', async () => {
    const { s, c } = await setup({ maxMessagesPerSec: 5 });
    const klines: KlineUpdate[] = [];
    c.on('kline', (k) => klines.push(k));
    c.start();
    await expect.poll(() => s.open().length).toBe(1);
    c.subscribe(['ETHUSDT@kline_1h']);
    c.subscribe(['solusdt@kline_1h']);
    c.unsubscribe(['!markPrice@arr@1s']);
    await expect.poll(() => s.conns[0]!.received.length, { timeout: 3000 }).toBe(3);
    const r = s.conns[0]!.received;
    expect(r.map((x) => x.msg)).toEqual([
      { method: 'SUBSCRIBE', params: ['ethusdt@kline_1h'], id: 1 },
      { method: 'SUBSCRIBE', params: ['solusdt@kline_1h'], id: 2 },
      { method: 'UNSUBSCRIBE', params: ['!markPrice@arr@1s'], id: 3 },
    ]);
    // ≤ 5 messages per second: consecutive sends at least ~200 ms apart
    expect(r[1]!.at - r[0]!.at).toBeGreaterThanOrEqual(180);
    expect(r[2]!.at - r[1]!.at).toBeGreaterThanOrEqual(180);
    await expect.poll(() => klines.some((k) => k.symbol === 'SOLUSDT')).toBe(true);
    expect(c.streams().sort()).toEqual(['ethusdt@kline_1h', 'solusdt@kline_1h']);
  });

  it('resubscribes everything on reconnect (the new URL carries the current streams)', async () => {
    const { s, c } = await setup();
    c.start();
    await expect.poll(() => s.open().length).toBe(1);
    c.subscribe(['ethusdt@kline_1h']);
    await expect.poll(() => s.conns[0]!.received.length).toBe(1);
    s.dropAll();
    await expect.poll(() => s.open().length, { timeout: 3000 }).toBe(1);
    expect([...s.open()[0]!.streams].sort()).toEqual(['!markPrice@arr@1s', 'ethusdt@kline_1h']);
  });

  it('rotates by opening the new connection first and closing the old one only once the new one has data', async () => {
    const { s, c } = await setup({ rotateAfterMs: 300 });
    const closes: unknown[] = [];
    c.on('close', (e) => closes.push(e));
    let n = 0;
    c.on('markPrice', () => n++);
    c.start();
    await expect.poll(() => s.conns.length, { timeout: 3000 }).toBeGreaterThanOrEqual(2);
    await expect.poll(() => s.conns[0]!.closedCode, { timeout: 3000 }).toBe(1000);
    // the old one closed after the new one was opened, and no 'close' (gap) was reported
    expect(s.conns[1]!.firstSentAt).not.toBeNull();
    expect(s.conns[1]!.firstSentAt!).toBeLessThanOrEqual(s.conns[0]!.closedAt!);
    expect(closes).toEqual([]);
    expect(c.connected()).toBe(true);
    const before = n;
    await expect.poll(() => n).toBeGreaterThan(before);
  });

  it('spreads streams over several connections above maxStreamsPerConnection', async () => {
    const { s, c } = await setup({ streams: ['a@kline_1h', 'b@kline_1h', 'c@kline_1h'], maxStreamsPerConnection: 2 });
    c.start();
    await expect.poll(() => s.open().length).toBe(2);
    expect(
      s
        .open()
        .map((x) => x.streams.size)
        .sort(),
    ).toEqual([1, 2]);
  });
});
