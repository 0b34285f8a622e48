import { OiPollerError } from './errors.js';

export interface Shard {
  index: number;
  count: number;
}

/** `"i/n"` → { index: i, count: n }; blank → the whole universe (0/1). */
export function parseShard(value: string | undefined): Shard {
  if (value === undefined || value.trim() === '') return { index: 0, count: 1 };
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(value);
  if (!m) throw new OiPollerError('OI_SHARD_INVALID', `"${value}" must look like i/n, e.g. 0/2`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (!(count >= 1) || !(index < count))
    throw new OiPollerError('OI_SHARD_INVALID', `"${value}": need 0 ≤ i < n and n ≥ 1`);
  return { index, count };
}

/** FNV-1a 32-bit of the symbol: stable across processes, versions and machines. */
export function symbolHash(symbol: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < symbol.length; i++) {
    h ^= symbol.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export function inShard(symbol: string, shard: Shard): boolean {
  return shard.count <= 1 || symbolHash(symbol) % shard.count === shard.index;
}

export function shardLabel(shard: Shard): string {
  return shard.count <= 1 ? 'all' : `${shard.index}of${shard.count}`;
}
