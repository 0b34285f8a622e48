import { floorToPeriod, utcMinute } from './time.js';

export const FIVE_MINUTES_MS = 300_000;

/**
 * Next clock boundary strictly after `nowMs` (multiples of `periodMs` since the epoch, i.e. UTC :00, :05 …
 * for 5 minutes). Exactly on a boundary → the FOLLOWING one, like the legacy
 * `300 − ((minute·60 + second) mod 300)` "or 300 if 0": a chain that computes its next delay right after a
 * cycle that started on the boundary must not run the same slot twice. Unlike the legacy (whole seconds),
 * milliseconds count: 10:04:59.400 → 10:05:00.000, not 10:05:00.400.
 */
export function nextBoundary(nowMs: number, periodMs: number): number {
  return floorToPeriod(nowMs, periodMs) + periodMs;
}

export function nextFiveMinuteBoundary(nowMs: number): number {
  return nextBoundary(nowMs, FIVE_MINUTES_MS);
}

/** Delay for a setTimeout chain: in (0, periodMs]; periodMs when exactly on a boundary. */
export function delayToNextBoundary(nowMs: number, periodMs: number = FIVE_MINUTES_MS): number {
  return nextBoundary(nowMs, periodMs) - nowMs;
}

/**
 * The time a cycle should use when its timer fires: never earlier than the boundary it was scheduled for.
 * Node timers can fire a millisecond "early" against Date.now(); 10:59:59.999 would read minute 59 and the
 * exact `minute == 0` slot (FULL_UPDATE) would be missed — legacy defect §6.3.
 */
export function cycleTimeFor(scheduledForMs: number, nowMs: number): number {
  return Math.max(scheduledForMs, nowMs);
}

/** Legacy `top_of_hour`: UTC minute == 0 exactly. */
export function isTopOfHour(cycleMs: number): boolean {
  return utcMinute(cycleMs) === 0;
}

/** Legacy `is_middle_hour`: UTC minute == 30 exactly. */
export function isMiddleHour(cycleMs: number): boolean {
  return utcMinute(cycleMs) === 30;
}

/** Legacy wait in whole seconds, for reference and replay: 300 − ((m·60 + s) mod 300), or 300 if that is 0. */
export function legacyWaitSeconds(nowMs: number): number {
  const d = new Date(nowMs);
  const w = 300 - ((d.getUTCMinutes() * 60 + d.getUTCSeconds()) % 300);
  return w === 0 ? 300 : w;
}
