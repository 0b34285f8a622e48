// OI freshness over ALL liquid symbols, from the sim's per-symbol request log of /fapi/v1/openInterest.
import { percentile, round } from './lib.js';

export interface OiFreshness {
  symbols: number;
  polls: number;
  pollsPerMin: number | null;
  /** 60 · N ÷ polls per minute */
  meanIntervalSec: number | null;
  intervalSec: { p50: number | null; p99: number | null; max: number | null };
  sampleAgeSec: { p50: number | null; p99: number | null; max: number | null };
  neverPolled: number;
}

/**
 * Intervals: for each symbol, every gap between consecutive polls that ends inside [t0, t1] (the first may
 * start before t0), plus the open gap at the end of the window when it is longer than all of the symbol's
 * closed ones (the symbol waited at least that long); a symbol not polled in the window counts the whole
 * window (or longer, since its previous poll). Sample age: on a 1 s grid over the window, for every symbol,
 * the time since its last poll; a symbol never polled so far counts the whole window.
 */
export function oiFreshness(
  log: Record<string, number[]>,
  members: readonly string[],
  t0: number,
  t1: number,
): OiFreshness {
  const windowSec = (t1 - t0) / 1000;
  const intervals: number[] = [];
  const ages: number[] = [];
  let polls = 0;
  let neverPolled = 0;
  for (const sym of members) {
    const times = (log[sym] ?? []).filter((t) => t <= t1).sort((a, b) => a - b);
    const inWindow = times.filter((t) => t >= t0);
    polls += inWindow.length;
    const before = times.filter((t) => t < t0).at(-1);
    if (inWindow.length === 0) {
      neverPolled++;
      intervals.push(before === undefined ? windowSec : (t1 - before) / 1000);
    } else {
      const own: number[] = [];
      const all = before === undefined ? inWindow : [before, ...inWindow];
      for (let i = 1; i < all.length; i++) own.push((all[i]! - all[i - 1]!) / 1000);
      const open = (t1 - inWindow.at(-1)!) / 1000;
      if (own.length === 0 || open > Math.max(...own)) own.push(open);
      intervals.push(...own);
    }
    let k = 0;
    for (let t = t0; t <= t1; t += 1000) {
      while (k < times.length && times[k]! <= t) k++;
      ages.push(k === 0 ? windowSec : (t - times[k - 1]!) / 1000);
    }
  }
  const minutes = (t1 - t0) / 60_000;
  const pollsPerMin = minutes > 0 ? polls / minutes : null;
  const stats = (v: number[]) => ({
    p50: round(percentile(v, 50)),
    p99: round(percentile(v, 99)),
    max: v.length ? round(Math.max(...v)) : null,
  });
  return {
    symbols: members.length,
    polls,
    pollsPerMin: round(pollsPerMin, 1),
    meanIntervalSec: pollsPerMin ? round((60 * members.length) / pollsPerMin) : null,
    intervalSec: stats(intervals),
    sampleAgeSec: stats(ages),
    neverPolled,
  };
}
