import { describe, expect, it } from 'vitest';
import { inShard, parseShard, symbolHash } from './shard.js';

describe('OI_SHARD', () => {
  it.each([
    ['', { index: 0, count: 1 }],
    ['0/2', { index: 0, count: 2 }],
    [' 2 / 3 ', { index: 2, count: 3 }],
  ])('parses %j', (v, want) => expect(parseShard(v)).toEqual(want));

  it.each(['2/2', '1', 'a/b', '0/0', '-1/2'])('rejects %j with a typed error', (v) => {
    expect(() => parseShard(v)).toThrow(expect.objectContaining({ code: 'OI_SHARD_INVALID' }));
  });

  it('splits a universe into disjoint shards that cover it, stably', () => {
    const symbols = Array.from({ length: 500 }, (_, i) => `C${i}USDT`);
    const shards = [0, 1, 2].map((index) => symbols.filter((s) => inShard(s, { index, count: 3 })));
    expect(shards.reduce((n, s) => n + s.length, 0)).toBe(500);
    expect(new Set(shards.flat()).size).toBe(500);
    for (const s of shards) expect(s.length).toBeGreaterThan(120);
    expect(symbolHash('BTCUSDT')).toBe(symbolHash('BTCUSDT'));
    expect(symbolHash('BTCUSDT')).not.toBe(symbolHash('ETHUSDT'));
  });

  // Fixed values: the shard of a symbol must never change between versions or machines, or two pollers of a
  // rolling upgrade would both poll (or both skip) a symbol. The first three are the published FNV-1a 32-bit
  // test vectors; the others were computed with an independent implementation.
  it.each([
    ['', 0x811c9dc5],
    ['a', 0xe40c292c],
    ['foobar', 0xbf9cf968],
    ['BTCUSDT', 0xe82cd26c],
    ['ETHUSDT', 0x606fd670],
    ['SOLUSDT', 0x7449ea3d],
    ['1000PEPEUSDT', 0xe8339130],
  ])('symbolHash(%j) is FNV-1a 32-bit: %i', (symbol, hash) => {
    expect(symbolHash(symbol)).toBe(hash);
  });

  it.each([
    ['BTCUSDT', { index: 0, count: 2 }, { index: 0, count: 3 }],
    ['ETHUSDT', { index: 0, count: 2 }, { index: 2, count: 3 }],
    ['SOLUSDT', { index: 1, count: 2 }, { index: 1, count: 3 }],
    ['1000PEPEUSDT', { index: 0, count: 2 }, { index: 2, count: 3 }],
  ])('%s is polled by shard %j of 2 and %j of 3', (symbol, of2, of3) => {
    expect(inShard(symbol, of2)).toBe(true);
    expect(inShard(symbol, { index: 1 - of2.index, count: 2 })).toBe(false);
    expect(inShard(symbol, of3)).toBe(true);
  });
});
