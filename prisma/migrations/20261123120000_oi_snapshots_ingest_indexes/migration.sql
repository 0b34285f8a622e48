-- Realtime ingest writes every OI sample through each index of open_interest_snapshots; two of them served no
-- query. Every per-symbol read (GET samples and snapshot, the oi-poller's warm start: symbol = $1 AND a ts
-- range, ORDER BY ts DESC) is a backward scan of the unique (symbol, ts, source) index, and nothing filters on
-- ts alone: the retention job reads (source, ts).

-- DropIndex
DROP INDEX "open_interest_snapshots_symbol_ts_idx";

-- DropIndex
DROP INDEX "open_interest_snapshots_ts_idx";

-- open_interest_latest (one row per symbol) is updated by every ingest batch. Free room on each page keeps those
-- updates HOT (no index write) and the table small, which the row count of every ingest answer scans. Not
-- expressible in schema.prisma; Prisma leaves storage parameters alone.
ALTER TABLE "open_interest_latest" SET (fillfactor = 20);
