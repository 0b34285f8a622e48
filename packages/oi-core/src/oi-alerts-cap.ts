import type { OiDirection } from './oi-alerts.js';

/** A timeframe that crossed while its symbol's cap was in force: recorded on the sent alert, never sent itself. */
export interface OiAlsoCrossed {
  timeframe: string;
  /** sample time of the crossing, epoch ms */
  ts: number;
  baseline: number;
  current: number;
  /** fraction: 0.042 = +4.2 % */
  pctChange: number;
  /** contracts, signed */
  absChange: number;
}

/** The alert that holds one direction's cap: its key in the backend (with symbol and direction) and what crossed after it. */
export interface OiSymbolCapEntry {
  timeframe: string;
  /** sample time of the sent alert, epoch ms: the cap runs from here */
  ts: number;
  alsoCrossed: OiAlsoCrossed[];
}

/** One symbol's cap (FR-OI-ALERT-3): at most one UP and one DOWN alert per symbol cooldown. Missing = no cap. */
export type OiSymbolCap = Partial<Record<OiDirection, OiSymbolCapEntry>>;

/** A crossing recorded against an alert sent by an earlier sample (the poller appends it to that alert). */
export interface OiCappedCrossing {
  symbol: string;
  direction: OiDirection;
  /** the sent alert this crossing is recorded on */
  alert: { timeframe: string; ts: number };
  crossing: OiAlsoCrossed;
}

/** The cap entry of `direction` if it is still in force at sample time `t`, else null (0 = no cap at all). */
export function activeCap(
  cap: OiSymbolCap | undefined,
  direction: OiDirection,
  t: number,
  symbolCooldownSec: number,
): OiSymbolCapEntry | null {
  const entry = cap?.[direction];
  if (!entry || symbolCooldownSec <= 0) return null;
  return t - entry.ts < symbolCooldownSec * 1000 ? entry : null;
}

/** A copy without the entries whose cap has ended by `now` (nothing left to record on them); undefined when none is left. */
export function liveCap(cap: OiSymbolCap | undefined, now: number, symbolCooldownSec: number): OiSymbolCap | undefined {
  if (!cap) return undefined;
  const out: OiSymbolCap = {};
  for (const d of ['UP', 'DOWN'] as const) {
    const entry = activeCap(cap, d, now, symbolCooldownSec);
    if (entry) out[d] = { ...entry, alsoCrossed: [...entry.alsoCrossed] };
  }
  return out.UP || out.DOWN ? out : undefined;
}
