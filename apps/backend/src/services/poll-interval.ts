/**
 * Legacy backend `estimatedPollIntervalSec` (CONTRACTS §1.4/§4.4): clamp(round(60 ÷ (maxReqPerMin ÷ N)), min, max),
 * N ≤ 0 → max; rounds half UP like the legacy backend (the Python poller rounded half to even, §6-12).
 * Implemented here because @volspike/oi-core did not export it when this was written.
 */
export function estimatedPollIntervalSec(universeSize: number, opts: { maxReqPerMin: number; minSec: number; maxSec: number }): number {
  if (universeSize <= 0) return opts.maxSec;
  const raw = 60 / (opts.maxReqPerMin / universeSize);
  const rounded = Math.floor(raw + 0.5);
  return Math.min(opts.maxSec, Math.max(opts.minSec, rounded));
}
