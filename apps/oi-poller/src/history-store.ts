import { OiRingBuffer, type OiSample } from '@volspike/oi-core';

/** Slots added on top of the planned resolution for warm-start points (5-minute history) and jitter. */
const EXTRA_SLOTS = 48;

/**
 * One OiRingBuffer per symbol covering `historyMinutes` at the symbol's planned poll interval. A buffer
 * grows (copying its samples) when a faster interval is planned; it never holds more than that.
 */
export class HistoryStore {
  private readonly buffers = new Map<string, OiRingBuffer>();

  constructor(private readonly historyMinutes: number) {}

  capacityFor(intervalMs: number): number {
    return OiRingBuffer.capacityFor(this.historyMinutes, intervalMs) + EXTRA_SLOTS;
  }

  /** The symbol's buffer sized for `intervalMs` (created or grown as needed). */
  ensure(symbol: string, intervalMs: number): OiRingBuffer {
    const need = this.capacityFor(intervalMs);
    const cur = this.buffers.get(symbol);
    if (cur && cur.capacity >= need && cur.capacity <= need * 2) return cur;
    const next = new OiRingBuffer(need);
    if (cur) for (const s of cur.toArray().slice(-need)) next.push(s.ts, s.oi, s.mark);
    this.buffers.set(symbol, next);
    return next;
  }

  get(symbol: string): OiRingBuffer | undefined {
    return this.buffers.get(symbol);
  }

  delete(symbol: string): void {
    this.buffers.delete(symbol);
  }

  symbols(): string[] {
    return [...this.buffers.keys()];
  }

  /** Sample storage bytes over all buffers. */
  bytes(): number {
    let b = 0;
    for (const buf of this.buffers.values()) b += buf.bytesPerSymbol();
    return b;
  }
}

/**
 * Merges older samples (warm start) into a buffer in one pass: existing samples win on equal times, the
 * result is time-ordered and keeps the newest `capacity` samples. Returns how many were added.
 */
export function mergeSamples(buffer: OiRingBuffer, incoming: readonly OiSample[]): number {
  if (incoming.length === 0) return 0;
  const existing = buffer.toArray();
  const seen = new Set(existing.map((s) => s.ts));
  const fresh = incoming.filter((s) => Number.isFinite(s.ts) && Number.isFinite(s.oi) && s.oi > 0 && !seen.has(s.ts));
  if (fresh.length === 0) return 0;
  const all = [...existing, ...fresh].sort((a, b) => a.ts - b.ts);
  const deduped: OiSample[] = [];
  for (const s of all)
    if (deduped.length === 0 || (deduped[deduped.length - 1] as OiSample).ts !== s.ts) deduped.push(s);
  buffer.clear();
  for (const s of deduped.slice(-buffer.capacity)) buffer.push(s.ts, s.oi, s.mark);
  return fresh.length;
}
