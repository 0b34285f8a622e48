import { randomUUID } from 'node:crypto';
import { Prisma } from '@volspike/db';
import type { OiIngestSource } from '@volspike/contracts';
import type { Tx } from '../http/idempotency.js';

export interface OiRow {
  symbol: string;
  openInterest: number;
  /** null when unknown (the legacy 0.0 is turned into null before this point). */
  openInterestUsd: number | null;
  markPrice: number | null;
  /** The sample's own time; a batch without per-item times gives every row the batch time. */
  ts: Date;
}

/**
 * Writes one batch: ONE multi-row INSERT … ON CONFLICT DO NOTHING into open_interest_snapshots (a retried batch
 * adds nothing), then ONE upsert of open_interest_latest per batch. Returns how many snapshot rows were new.
 */
export async function writeOiBatch(tx: Tx, rows: OiRow[], source: OiIngestSource): Promise<number> {
  const values = rows.map(
    (r) =>
      Prisma.sql`(${randomUUID()}, ${r.symbol}, ${r.ts.toISOString()}::timestamp(3), ${String(r.openInterest)}::numeric, ${
        r.openInterestUsd === null ? null : String(r.openInterestUsd)
      }::numeric, ${r.markPrice === null ? null : String(r.markPrice)}::numeric, ${source}, timezone('UTC', now()))`,
  );
  const inserted = await tx.$executeRaw`
    INSERT INTO open_interest_snapshots (id, symbol, ts, "openInterest", "openInterestUsd", "markPrice", source, "createdAt")
    VALUES ${Prisma.join(values)}
    ON CONFLICT (symbol, ts, source) DO NOTHING`;

  // Latest per symbol: the newest item of the batch wins (the last one on equal times); a USD value is derived from oi × mark when only the
  // mark is given. A sample without USD keeps the previous USD value and mark (never overwritten by null/0).
  const latest = new Map<string, OiRow>();
  for (const r of rows) {
    const usd = r.openInterestUsd ?? (r.markPrice !== null ? r.openInterest * r.markPrice : null);
    const prev = latest.get(r.symbol);
    if (prev && prev.ts.getTime() > r.ts.getTime()) continue;
    latest.set(r.symbol, { ...r, openInterestUsd: usd !== null && usd > 0 ? usd : null });
  }
  const latestValues = [...latest.values()].map(
    (r) =>
      Prisma.sql`(${r.symbol}, ${String(r.openInterest)}::numeric, ${
        r.openInterestUsd === null ? null : String(r.openInterestUsd)
      }::numeric, ${r.markPrice === null ? null : String(r.markPrice)}::numeric, ${r.ts.toISOString()}::timestamp(3), ${source}, timezone('UTC', now()))`,
  );
  await tx.$executeRaw`
    INSERT INTO open_interest_latest (symbol, "openInterest", "openInterestUsd", "markPrice", ts, source, "updatedAt")
    VALUES ${Prisma.join(latestValues)}
    ON CONFLICT (symbol) DO UPDATE SET
      "openInterest" = EXCLUDED."openInterest",
      "openInterestUsd" = COALESCE(EXCLUDED."openInterestUsd", open_interest_latest."openInterestUsd"),
      "markPrice" = CASE WHEN EXCLUDED."openInterestUsd" IS NULL THEN COALESCE(EXCLUDED."markPrice", open_interest_latest."markPrice") ELSE EXCLUDED."markPrice" END,
      ts = EXCLUDED.ts,
      source = EXCLUDED.source,
      "updatedAt" = timezone('UTC', now())
    WHERE open_interest_latest.ts <= EXCLUDED.ts`;
  return inserted;
}
