// The sim's own OI path, recorded in the bench's process (the sim runs here): every symbol's OI after each
// market tick, and every injected step at the instant it is applied. An alert is justified when this path
// moved by at least its threshold, in its direction, between its baseline window and its sample time.
import type { Market } from '@volspike/binance-sim';
import type { OiTimeframe } from '../packages/oi-core/src/index.js';

const FIVE_MIN_MS = 300_000;
/** how far the path may be from the alert's sample time: the sim stamps a response with its last tick */
const CURRENT_SLACK_MS = 2000;
/** rounding of thresholds (3 decimals of OI on the wire, float maths) */
const EPSILON = 1e-4;

export interface AlertSeen {
  symbol: string;
  direction: string;
  timeframe: string;
  ts: string;
}

export class OiPathRecorder {
  private readonly t = new Map<string, number[]>();
  private readonly oi = new Map<string, number[]>();
  readonly startedAt = Date.now();
  /** the instant of each symbol's last injected step (epoch ms) */
  readonly lastStep = new Map<string, number>();

  constructor(private readonly market: Market) {
    const tick = market.tick.bind(market);
    const move = market.moveOpenInterest.bind(market);
    market.tick = (now: number) => {
      tick(now);
      for (const st of market.all()) this.push(st.info.symbol, Date.now(), st.oi);
    };
    market.moveOpenInterest = (symbol: string, changePct: number, rampSec: number) => {
      move(symbol, changePct, rampSec);
      const at = Date.now();
      this.lastStep.set(symbol, at);
      this.push(symbol, at, market.openInterest(symbol));
    };
    for (const st of market.all()) this.push(st.info.symbol, Date.now(), st.oi);
  }

  private push(symbol: string, at: number, oi: number): void {
    let ts = this.t.get(symbol);
    let vs = this.oi.get(symbol);
    if (!ts || !vs) {
      ts = [];
      vs = [];
      this.t.set(symbol, ts);
      this.oi.set(symbol, vs);
    }
    ts.push(at);
    vs.push(oi);
  }

  /** The OI values the path took in [from, to]: recorded points, the one in force at `from`, or the sim's 5-minute history before recording. */
  values(symbol: string, from: number, to: number): number[] {
    const ts = this.t.get(symbol) ?? [];
    const vs = this.oi.get(symbol) ?? [];
    const out: number[] = [];
    for (let i = 0; i < ts.length; i++) {
      const next = ts[i + 1] ?? Infinity;
      if (ts[i]! <= to && next >= from) out.push(vs[i]!);
    }
    if (from < this.startedAt) {
      const hist = this.market.oiHistory(symbol, FIVE_MIN_MS, {
        startTime: from - FIVE_MIN_MS,
        endTime: Math.min(to, this.startedAt) + FIVE_MIN_MS,
        limit: 500,
      });
      out.push(...hist.map((p) => p.oi));
    }
    return out;
  }

  /** True when the path justifies the alert, false when it does not, null when the rule is unknown. */
  justifies(alert: AlertSeen, timeframes: readonly OiTimeframe[]): boolean | null {
    const tf = timeframes.find((x) => x.label === alert.timeframe);
    const t = Date.parse(alert.ts);
    if (!tf || !Number.isFinite(t)) return null;
    const tol = tf.toleranceSec * 1000;
    const [bFrom, bTo] =
      tf.kind === 'lookback'
        ? [t - tf.lookbackSec * 1000 - tol, t - tf.lookbackSec * 1000 + tol]
        : [t - (tf.fromMin ?? 60) * 60_000 - tol, t - (tf.toMin ?? 30) * 60_000 + tol];
    const base = this.values(alert.symbol, bFrom, bTo);
    const cur = this.values(alert.symbol, t - CURRENT_SLACK_MS, t + CURRENT_SLACK_MS);
    if (base.length === 0 || cur.length === 0) return false;
    const thr = tf.thresholdPct / 100 - EPSILON;
    return alert.direction === 'UP'
      ? Math.max(...cur) / Math.min(...base) - 1 >= thr
      : Math.min(...cur) / Math.max(...base) - 1 <= -thr;
  }
}
