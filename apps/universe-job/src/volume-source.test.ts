import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import type { BinanceRestClient, Ticker24h } from '@volspike/binance-client';
import { createLogger } from '@volspike/runtime';
import { TickerVolumeFeed, VolumeSource, VolumeUnavailableError } from './volume-source.js';
import type { TickerStream } from './volume-source.js';

const logger = createLogger({ name: 'volume-source-test', level: 'silent' });

class FakeStream extends EventEmitter implements TickerStream {
  isConnected = false;
  start(): void {}
  async stop(): Promise<void> {}
  connected(): boolean {
    return this.isConnected;
  }
  open(): void {
    this.isConnected = true;
    this.emit('open');
  }
  push(rows: [string, number][]): void {
    this.emit(
      'ticker',
      rows.map(([symbol, quoteVolume]) => ({ symbol, quoteVolume, lastPrice: 1, volume: 1, eventTime: 0 })),
    );
  }
}

const row = (symbol: string, quoteVolume: number): Ticker24h => ({
  symbol,
  quoteVolume,
  lastPrice: 1,
  volume: 1,
  priceChangePercent: 0,
  openTime: 0,
  closeTime: 0,
});

function fakeRest(all: Ticker24h[] | Error) {
  const ticker24hr = vi.fn(async (symbol?: string) => {
    if (all instanceof Error) throw all;
    if (symbol === undefined) return all;
    const r = all.find((t) => t.symbol === symbol);
    if (!r) throw new Error('unknown symbol');
    return r;
  });
  return { rest: { ticker24hr } as unknown as BinanceRestClient, ticker24hr };
}

function setup(opts: { warmupMs?: number; all?: Ticker24h[] | Error } = {}) {
  let now = 1_000_000;
  const stream = new FakeStream();
  const feed = new TickerVolumeFeed({
    wsUrl: 'ws://unused',
    warmupMs: opts.warmupMs ?? 10_000,
    logger,
    now: () => now,
    createStream: () => stream,
  });
  feed.start();
  const { rest, ticker24hr } = fakeRest(opts.all ?? [row('AUSDT', 5e6), row('BUSDT', 3e6), row('CUSDT', 1e6)]);
  const source = new VolumeSource({ rest, feed, logger, maxGapFill: 1 });
  return { stream, feed, source, ticker24hr, advance: (ms: number) => (now += ms) };
}

describe('VolumeSource', () => {
  it('uses REST (all symbols, weight 40) until the stream has been connected for the warm-up time', async () => {
    const { stream, source, ticker24hr, advance } = setup();
    stream.open();
    stream.push([
      ['AUSDT', 9e6],
      ['BUSDT', 9e6],
      ['CUSDT', 9e6],
    ]);
    advance(5_000);
    const r = await source.read(['AUSDT', 'BUSDT', 'CUSDT']);
    expect(r.source).toBe('rest');
    expect(r.volumes.get('AUSDT')).toBe(5e6);
    expect(ticker24hr).toHaveBeenCalledWith();
  });

  it('uses the merged stream once warmed up and every symbol has been seen', async () => {
    const { stream, source, ticker24hr, advance } = setup();
    stream.open();
    stream.push([
      ['AUSDT', 9e6],
      ['BUSDT', 8e6],
    ]);
    stream.push([
      ['CUSDT', 7e6],
      ['AUSDT', 9.5e6],
    ]);
    advance(10_000);
    const r = await source.read(['AUSDT', 'BUSDT', 'CUSDT']);
    expect(r.source).toBe('ws');
    expect(Object.fromEntries(r.volumes)).toEqual({ AUSDT: 9.5e6, BUSDT: 8e6, CUSDT: 7e6 });
    expect(ticker24hr).not.toHaveBeenCalled();
  });

  it('fills a small gap with single-symbol tickers and falls back to the full list for a large one', async () => {
    const { stream, source, ticker24hr, advance } = setup();
    stream.open();
    stream.push([['AUSDT', 9e6]]);
    advance(10_000);
    const twoMissing = await source.read(['AUSDT', 'BUSDT', 'CUSDT']);
    expect(twoMissing.source).toBe('rest');
    stream.push([['BUSDT', 8e6]]);
    ticker24hr.mockClear();
    const oneMissing = await source.read(['AUSDT', 'BUSDT', 'CUSDT']);
    expect(oneMissing.source).toBe('ws');
    expect(oneMissing.volumes.get('CUSDT')).toBe(1e6);
    expect(ticker24hr).toHaveBeenCalledWith('CUSDT');
  });

  it('falls back to REST after a disconnect and restarts the warm-up on reconnect', async () => {
    const { stream, source, advance } = setup();
    stream.open();
    stream.push([
      ['AUSDT', 9e6],
      ['BUSDT', 8e6],
      ['CUSDT', 7e6],
    ]);
    advance(10_000);
    expect((await source.read(['AUSDT'])).source).toBe('ws');
    stream.isConnected = false;
    stream.emit('close', { code: 1006, reason: '' });
    expect((await source.read(['AUSDT'])).source).toBe('rest');
    stream.open();
    expect((await source.read(['AUSDT'])).source).toBe('rest');
    advance(10_000);
    expect((await source.read(['AUSDT'])).source).toBe('ws');
  });

  it('fails (never returns an empty reading) when the REST fallback fails', async () => {
    const { source } = setup({ all: new Error('503') });
    await expect(source.read(['AUSDT'])).rejects.toBeInstanceOf(VolumeUnavailableError);
  });
});
