/** Small pure UTC time helpers shared by the rules. All times are epoch milliseconds. */
export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;

/** floor(ms / period) · period (works for negative times too). */
export function floorToPeriod(ms: number, periodMs: number): number {
  return Math.floor(ms / periodMs) * periodMs;
}

/** UTC minute of the hour (0..59). */
export function utcMinute(ms: number): number {
  return new Date(ms).getUTCMinutes();
}

/** `YYYY-MM-DDTHH:MM:SSZ`, fractional seconds truncated (Python `strftime('%Y-%m-%dT%H:%M:%SZ')`). */
export function isoSeconds(ms: number): string {
  return `${new Date(floorToPeriod(ms, 1000)).toISOString().slice(0, 19)}Z`;
}
