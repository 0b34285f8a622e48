/** Exponential backoff with full jitter: up to 250 ms × 2^(attempt-1), capped at 10 s. */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const cap = Math.min(10_000, 250 * 2 ** Math.max(0, attempt - 1));
  return Math.round(cap / 2 + (random() * cap) / 2);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
