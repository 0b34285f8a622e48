// Alert latency per injected move (from the instant the sim's OI crossed the threshold — the step — to the
// receipt by the Socket.IO client), per rank third, and the alerts the sim's own OI path does not justify.
import { percentile } from './lib.js';
import { THIRDS, type PlannedMove, type Third } from './moves.js';
import type { AlertSeen } from './oi-path.js';

export interface AlertReceipt extends AlertSeen {
  /** receipt time at the client (epoch ms) */
  at: number;
  /** when the backend stored it (ISO; the payload's createdAt) */
  createdAt?: string;
}

export interface Injected extends PlannedMove {
  /** the instant of the step at the sim (epoch ms) */
  at: number;
  direction: 'UP' | 'DOWN';
}

const dist = (v: number[]) => ({
  p50: percentile(v, 50),
  p99: percentile(v, 99),
  max: v.length ? Math.max(...v) : null,
});

/**
 * Where a move's latency went: step → first OI request of the symbol at the sim (`firstPollMs`), → the alert's
 * sample time at the poller (`sampleMs`), → stored by the backend (`storedMs`), → received (`deliveredMs`).
 */
function breakdown(
  i: Injected,
  r: AlertReceipt | undefined,
  firstPollAfter?: (symbol: string, at: number) => number | null,
) {
  const poll = firstPollAfter?.(i.symbol, i.at) ?? null;
  const sample = r ? Date.parse(r.ts) : NaN;
  const stored = r?.createdAt ? Date.parse(r.createdAt) : NaN;
  const ms = (a: number, b: number) => (Number.isFinite(a) && Number.isFinite(b) ? b - a : null);
  return {
    firstPollMs: poll === null ? null : poll - i.at,
    sampleMs: ms(i.at, sample),
    storedMs: ms(sample, stored),
    deliveredMs: r ? ms(stored, r.at) : null,
  };
}

export function alertLatencies(
  injected: readonly Injected[],
  receipts: readonly AlertReceipt[],
  justify: (a: AlertSeen) => boolean | null,
  firstPollAfter?: (symbol: string, at: number) => number | null,
): Record<string, unknown> & { expected: number; received: number; falseAlerts: number } {
  const start = Math.min(...injected.map((i) => i.at));
  const perMove = injected.map((i) => {
    const r = receipts.find((x) => x.symbol === i.symbol && x.direction === i.direction && x.at >= i.at);
    return {
      symbol: i.symbol,
      rank: i.rank,
      third: i.third,
      direction: i.direction,
      latencyMs: r ? r.at - i.at : null,
      timeframe: r?.timeframe ?? null,
      /** seconds after the first move's step */
      stepSec: Math.round((i.at - start) / 100) / 10,
      ...breakdown(i, r, firstPollAfter),
    };
  });
  const got = perMove.filter((p): p is typeof p & { latencyMs: number } => p.latencyMs !== null);
  const byThird = Object.fromEntries(
    THIRDS.map((t: Third) => {
      const mine = perMove.filter((p) => p.third === t);
      const lat = got.filter((p) => p.third === t).map((p) => p.latencyMs);
      return [t, { expected: mine.length, received: lat.length, latencyMs: dist(lat) }];
    }),
  );
  const unjustified = receipts.filter((r) => justify(r) === false);
  const unknownRule = receipts.filter((r) => justify(r) === null).length;
  const injectedSymbols = new Set(injected.map((i) => i.symbol));
  return {
    expected: injected.length,
    received: got.length,
    latencyMs: dist(got.map((p) => p.latencyMs)),
    byThird,
    falseAlerts: unjustified.length,
    falseAlertList: unjustified.slice(0, 20),
    alertsOfUnknownRule: unknownRule,
    alertsOnOtherSymbols: receipts.filter((r) => !injectedSymbols.has(r.symbol)).length,
    alertsReceived: receipts.length,
    missed: perMove.filter((p) => p.latencyMs === null).map((p) => `${p.symbol} (${p.third} #${p.rank})`),
    moves: perMove,
  };
}
