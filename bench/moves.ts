// The injected OI moves: which symbols, when and which way, from a seed. The same plan runs under both
// schedulers, so their latencies compare move for move.

export type Third = 'head' | 'middle' | 'tail';
export const THIRDS: readonly Third[] = ['head', 'middle', 'tail'];

export interface PlannedMove {
  symbol: string;
  /** rank in the liquid universe (0 = most liquid) and its third */
  rank: number;
  third: Third;
  /** ms after the window's start */
  offsetMs: number;
  changePct: number;
}

/** mulberry32: a small, fast, seedable PRNG (the plan must be the same on every machine). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function thirdOf(rank: number, n: number): Third {
  return THIRDS[Math.min(2, Math.floor((rank * 3) / n))]!;
}

/**
 * `count` distinct symbols of `ranked` (the universe, most liquid first), as evenly as possible per rank third,
 * each chosen at random within its third; each at a random time in [10 %, 70 %] of the window (so its alert
 * can arrive inside the window under the slowest plan) and a random direction of ±movePct.
 */
export function planMoves(opts: {
  ranked: readonly string[];
  count: number;
  windowMs: number;
  seed: number;
  movePct: number;
  exclude?: readonly string[];
}): PlannedMove[] {
  const rnd = seededRandom(opts.seed);
  const n = opts.ranked.length;
  const byThird = THIRDS.map((t) =>
    opts.ranked
      .map((symbol, rank) => ({ symbol, rank }))
      .filter((s) => thirdOf(s.rank, n) === t && !(opts.exclude ?? []).includes(s.symbol)),
  );
  const moves: PlannedMove[] = [];
  for (let i = 0; i < opts.count; i++) {
    const third = THIRDS[i % 3]!;
    const pool = byThird[i % 3]!;
    if (pool.length === 0) continue;
    const [pick] = pool.splice(Math.floor(rnd() * pool.length), 1);
    const offsetMs = Math.round(opts.windowMs * (0.1 + 0.6 * rnd()));
    const changePct = rnd() < 0.5 ? -opts.movePct : opts.movePct;
    moves.push({ symbol: pick!.symbol, rank: pick!.rank, third, offsetMs, changePct });
  }
  return moves.sort((a, b) => a.offsetMs - b.offsetMs);
}
