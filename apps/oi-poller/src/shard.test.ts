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
});
