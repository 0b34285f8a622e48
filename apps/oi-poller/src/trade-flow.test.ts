import { EventEmitter } from 'node:events';
import { createLogger } from '@volspike/runtime';
import type { KlineUpdate } from '@volspike/binance-client';
import { describe, expect, it } from 'vitest';
import { TradeFlow, type KlineStreamClient } from './trade-flow.js';

const logger = createLogger({ name: 'trade-flow-test', level: 'silent' });

/** A stand-in for BinanceWsClient: records subscriptions, lets the test push frames and open/close. */
class FakeStream extends EventEmitter {
  streams = new Set<string>();
  open = false;
  start(): void {
    this.open = true;
  }
  async stop(): Promise<void> {
    this.open = false;
  }
  subscribe(s: string[]): void {
    for (const x of s) this.streams.add(x);
  }
  unsubscribe(s: string[]): void {
    for (const x of s) this.streams.delete(x);
  }
  connected(): boolean {
    return this.open;
  }
  kline(symbol: string, openTime: number, volume: number, closed = false): void {
    const u: KlineUpdate = {
      symbol,
      interval: '1m',
      closed,
      eventTime: openTime,
      kline: {
        openTime,
        open: 1,
        high: 1,
        low: 1,
        close: 1,
        volume,
        closeTime: openTime + 59_999,
        quoteVolume: volume,
        trades: 1,
      },
    };
    this.emit('kline', u);
  }
}

function setup() {
  let now = 1_000_000;
  const fake = new FakeStream();
  const flow = new TradeFlow({
    wsUrl: 'ws://unused',
    logger,
    now: () => now,
    client: (streams) => {
      fake.subscribe(streams);
      return fake as unknown as KlineStreamClient;
    },
  });
  return { flow, fake, advance: (ms: number) => (now += ms) };
}

describe('TradeFlow (contracts traded since the last poll, from kline_1m)', () => {
  it.each([
    {
      why: 'growth inside a minute is what traded',
      frames: [
        [0, 10],
        [0, 14],
        [0, 20],
      ],
      want: 10,
    },
    {
      why: 'a new minute adds its volume so far (the old one ended with x: true)',
      frames: [
        [0, 10],
        [0, 30, 1],
        [60_000, 5],
      ],
      want: 25,
    },
    {
      why: 'a repeated frame adds nothing',
      frames: [
        [0, 10],
        [0, 10],
        [0, 10],
      ],
      want: 0,
    },
    {
      why: 'a late frame of an older minute is ignored',
      frames: [
        [60_000, 4],
        [0, 99],
        [60_000, 6],
      ],
      want: 2,
    },
  ])('$why', ({ frames, want }) => {
    const { flow, fake } = setup();
    flow.setSymbols(['AAAUSDT']);
    flow.markPolled('AAAUSDT');
    // the first frame of the table is a baseline, not a trade
    for (const [t, v, closed] of frames) fake.kline('AAAUSDT', t as number, v as number, closed === 1);
    expect(flow.tradedSince('AAAUSDT')).toBe(want);
  });

  it('counts from each poll, per symbol, and subscribes exactly the polled symbols', () => {
    const { flow, fake } = setup();
    flow.setSymbols(['AAAUSDT', 'BBBUSDT']);
    expect([...fake.streams].sort()).toEqual(['aaausdt@kline_1m', 'bbbusdt@kline_1m']);
    expect(flow.tradedSince('AAAUSDT')).toBeNull(); // unknown until its first poll
    flow.markPolled('AAAUSDT');
    flow.markPolled('BBBUSDT');
    fake.kline('AAAUSDT', 0, 1);
    fake.kline('BBBUSDT', 0, 1);
    fake.kline('AAAUSDT', 0, 8);
    expect(flow.tradedSince('AAAUSDT')).toBe(7);
    flow.markPolled('AAAUSDT');
    expect(flow.tradedSince('AAAUSDT')).toBe(0);
    fake.kline('BBBUSDT', 0, 3);
    expect(flow.tradedSince('BBBUSDT')).toBe(2);
    flow.setSymbols(['BBBUSDT', 'CCCUSDT']);
    expect([...fake.streams].sort()).toEqual(['bbbusdt@kline_1m', 'cccusdt@kline_1m']);
  });

  it('says nothing (null) while the stream is silent or closed, and forgets the gap after a reconnect', () => {
    const { flow, fake, advance } = setup();
    flow.setSymbols(['AAAUSDT']);
    fake.emit('open');
    flow.markPolled('AAAUSDT');
    fake.kline('AAAUSDT', 0, 1);
    fake.kline('AAAUSDT', 0, 5);
    expect(flow.live()).toBe(true);
    expect(flow.tradedSince('AAAUSDT')).toBe(4);
    advance(10_001); // no frame for longer than the silence window
    expect(flow.live()).toBe(false);
    expect(flow.tradedSince('AAAUSDT')).toBeNull();
    fake.open = false;
    fake.emit('close', { code: 1006, reason: '' });
    fake.open = true;
    fake.emit('open'); // what traded meanwhile is unknown
    fake.kline('AAAUSDT', 0, 9);
    expect(flow.tradedSince('AAAUSDT')).toBeNull();
    flow.markPolled('AAAUSDT');
    fake.kline('AAAUSDT', 0, 12);
    expect(flow.tradedSince('AAAUSDT')).toBe(3);
  });
});
