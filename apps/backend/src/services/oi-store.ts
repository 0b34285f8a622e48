import { randomBytes } from 'node:crypto';
import { queryDirect, type PrismaClient } from '@volspike/db';
import type { OiIngestSource } from '@volspike/contracts';
import { IngestGate } from './ingest-gate.js';
import { type LatestOiValue, type LatestOiWriter } from './oi-latest.js';
import { isUniqueViolation, type OneStatementResult, type StoredResponse } from '../http/idempotency.js';

export interface OiRow {
  symbol: string;
  openInterest: number;
  /** null when unknown (the legacy 0.0 is turned into null before this point). */
  openInterestUsd: number | null;
  markPrice: number | null;
  /** The sample's own time; a batch without per-item times gives every row the batch time. */
  ts: Date;
}

/** Body of a 200 answer of the OI ingest route (built by the statement, stored with the idempotency key). */
export interface OiIngestBody {
  success: true;
  inserted: number;
  duplicates: number;
  cached: number;
}

/**
 * The whole ingest of one batch as ONE statement (so one round trip and one implicit transaction):
 *
 * - `prior`: the stored answer of this Idempotency-Key ($8, null without a key). When there is one, every other
 *   part sees an empty batch and writes nothing; the caller replays the stored answer.
 * - `batch`: the rows, passed as 5 array parameters ($2–$6) with their 1-based position `n`. A constant SQL text
 *   with array parameters instead of a 500-row VALUES list: a few parameters to send, no new SQL text per size.
 * - `ins`: the snapshot rows, ordered by (symbol, ts) so that concurrent batches over the same rows take their
 *   index locks in one order (in batch order, two batches in opposite orders deadlocked). Two forms (see
 *   {@link OiIngestStore.ingest}): the usual one is a plain insert, optimistic: a batch is almost never stored
 *   twice (a retry carries its Idempotency-Key, which `prior` catches), and the whole statement fails with a
 *   unique violation (nothing written) if a row is already there. It is then run again in the other form,
 *   `ON CONFLICT (symbol, ts, source) DO NOTHING`, which is also the form for a batch that repeats a
 *   (symbol, ts) (the first item is the stored one). ON CONFLICT for every batch cost every row a pre-check, a
 *   speculative token and a confirmation WAL record; a `NOT EXISTS` probe instead was planned, in a generic plan
 *   made while the table was empty, on the (source, ts) index and scanned every row of that time per item.
 * - open_interest_latest is not written here: the newest item per symbol goes to {@link LatestOiWriter}, which
 *   writes it behind (coalesced per symbol) once this statement has committed.
 * - `answer`: the response body; `cached` ($10) is counted by the caller (see {@link LatestSymbols}).
 * - `record`: with a key, the answer is stored in ingest_requests. A concurrent request with the same key fails
 *   on its primary key, which aborts this whole statement (nothing written); the caller then replays.
 *
 * The leading comment makes @volspike/db prepare it once per connection (parsed and planned once, not per call).
 * Row ids ($1 || n) are ordered by time instead of random: the primary-key index then grows at its right edge
 * instead of touching a random leaf page per row (measured 2–3× cheaper inserts on a 400k-row table).
 */
function ingestSql(name: string, insertTail: string): string {
  return `/* prepared: ${name} */
WITH prior AS (
  SELECT route, "statusCode", "responseBody" FROM ingest_requests WHERE "idempotencyKey" = $8::text
), batch AS (
  SELECT b.* FROM unnest($2::text[], $3::timestamp(3)[], $4::numeric[], $5::numeric[], $6::numeric[])
    WITH ORDINALITY AS b(symbol, ts, oi, usd, mark, n)
  WHERE NOT EXISTS (SELECT 1 FROM prior)
), ins AS (
  INSERT INTO open_interest_snapshots (id, symbol, ts, "openInterest", "openInterestUsd", "markPrice", source, "createdAt")
  SELECT $1::text || n, symbol, ts, oi, usd, mark, $7::text, timezone('UTC', now()) FROM batch
  ${insertTail}
  RETURNING 1
), answer AS (
  SELECT json_build_object(
    'success', true,
    'inserted', (SELECT count(*) FROM ins),
    'duplicates', (SELECT count(*) FROM batch) - (SELECT count(*) FROM ins),
    'cached', $10::int
  ) AS body
), record AS (
  INSERT INTO ingest_requests ("idempotencyKey", route, "statusCode", "responseBody", "createdAt")
  SELECT $8::text, $9::text, 200, body::jsonb, timezone('UTC', now()) FROM answer
  WHERE $8::text IS NOT NULL AND NOT EXISTS (SELECT 1 FROM prior)
)
SELECT a.body, p.route AS "priorRoute", p."statusCode" AS "priorStatus", p."responseBody" AS "priorBody"
FROM answer a LEFT JOIN prior p ON true`;
}

/** The unique key of open_interest_snapshots (prisma/schema.prisma: @@unique([symbol, ts, source])). */
const SNAPSHOT_KEY = 'open_interest_snapshots_symbol_ts_source_key';

/** The usual form: a plain insert, which fails with a unique violation when one of the rows is already stored. */
const INGEST_SQL = ingestSql('oi_ingest_v3', 'ORDER BY symbol, ts, n');
/** A batch that repeats a (symbol, ts), or the retry after a concurrent insert of the same rows. */
const INGEST_ON_CONFLICT_SQL = ingestSql(
  'oi_ingest_on_conflict_v3',
  `ORDER BY symbol, ts, n
  ON CONFLICT (symbol, ts, source) DO NOTHING`,
);

/**
 * The symbols with a latest value, for the answer's `cached` (the legacy answer's "size of the map": the number
 * of symbols the backend holds a latest value for). Read from open_interest_latest once, at the first ingest,
 * then kept up to date from the batches this process writes (the ingest route is the table's only writer and
 * rows are never deleted): counting the table in every statement scanned all of it, ≈ 15 % of Postgres' time
 * per batch. With several backend processes on one database, each counts what it read at its first ingest plus
 * what it wrote since (the legacy map was per process too).
 */
export class LatestSymbols {
  private symbols: Set<string> | null = null;
  private loading: Promise<Set<string>> | null = null;

  constructor(private readonly prisma: PrismaClient) {}

  /**
   * The size of the set once `rows` are added, and the symbols that are new to it; the set itself changes only
   * in {@link add}, after the write.
   */
  async countWith(rows: readonly OiRow[]): Promise<{ count: number; fresh: string[] }> {
    const known = this.symbols ?? (await this.load());
    const fresh: string[] = [];
    for (const r of rows) {
      // rows come in symbol order, so a new symbol repeated in the batch is the previous fresh one
      if (!known.has(r.symbol) && fresh[fresh.length - 1] !== r.symbol) fresh.push(r.symbol);
    }
    return { count: known.size + new Set(fresh).size, fresh };
  }

  add(fresh: readonly string[]): void {
    if (!this.symbols) return; // not loaded: the load reads them from the table
    for (const symbol of fresh) this.symbols.add(symbol);
  }

  private load(): Promise<Set<string>> {
    this.loading ??= queryDirect<{ symbol: string }>(this.prisma, 'SELECT symbol FROM open_interest_latest', []).then(
      (rows) => (this.symbols = new Set(rows.map((r) => r.symbol))),
      (err: unknown) => {
        this.loading = null; // the next ingest tries again
        throw err;
      },
    );
    return this.loading;
  }
}

/** Per-process part of the row ids; the time in front keeps them ordered across batches and processes. */
const ID_PROCESS = randomBytes(4).toString('hex');
let idBatch = 0;

/** Prefix of one batch's row ids (`<ms base36><process><batch>-`; the row's position is appended in SQL). */
export function oiBatchIdPrefix(now = Date.now()): string {
  idBatch = (idBatch + 1) % 36 ** 4;
  return `${now.toString(36).padStart(9, '0')}${ID_PROCESS}${idBatch.toString(36).padStart(4, '0')}-`;
}

/** Finite numbers in JavaScript's shortest round-trip form (what String() gave the old VALUES list), null → NULL. */
const numeric = (v: number | null): string => (v === null ? 'NULL' : String(v));

/**
 * The array parameters $2–$6 as Postgres array literals, built in one pass (this ran for every row of every
 * batch; per-column map/join and one toISOString per row were a visible share of the backend's CPU). Items
 * never contain `"` or `\`: symbols are [A-Z0-9] (checked by the route), times are ISO; symbols are quoted so
 * that a symbol "NULL" stays text.
 */
function arrayParams(rows: OiRow[]): string[] {
  let symbols = '';
  let times = '';
  let oi = '';
  let usd = '';
  let mark = '';
  let prevMs = NaN;
  let prevIso = '';
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i] as OiRow;
    const sep = i === 0 ? '' : ',';
    const ms = r.ts.getTime();
    if (ms !== prevMs) {
      prevMs = ms;
      prevIso = r.ts.toISOString();
    }
    symbols += `${sep}"${r.symbol}"`;
    times += `${sep}"${prevIso}"`;
    oi += sep + String(r.openInterest);
    usd += sep + numeric(r.openInterestUsd);
    mark += sep + numeric(r.markPrice);
  }
  return [symbols, times, oi, usd, mark].map((items) => `{${items}}`);
}

/**
 * The newest item per symbol of rows in (symbol, time) order (the last one on equal times), as its
 * open_interest_latest value: USD given, else oi × mark (computed in JavaScript as before), null unless > 0.
 */
export function newestPerSymbol(rows: readonly OiRow[], source: string): LatestOiValue[] {
  const out: LatestOiValue[] = [];
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i] as OiRow;
    if (i + 1 < rows.length && (rows[i + 1] as OiRow).symbol === r.symbol) continue;
    let usd = r.openInterestUsd;
    if (usd === null && r.markPrice !== null) {
      const derived = r.openInterest * r.markPrice;
      usd = derived > 0 ? derived : null;
    }
    out.push({
      symbol: r.symbol,
      openInterest: r.openInterest,
      openInterestUsd: usd,
      markPrice: r.markPrice,
      ts: r.ts,
      source,
    });
  }
  return out;
}

/**
 * The rows ordered by (symbol, time), keeping the batch order of equal ones (a stable sort): the order the
 * statement inserts and locks them in, so that Postgres' sorts find them presorted (a linear check instead of a
 * sort with a collation-aware comparison per pair: ≈ 5 % of its time per batch). Symbols are [A-Z0-9], ordered
 * the same by code unit here and by the database's collation. The batch itself when already in order.
 */
function inSymbolTimeOrder(rows: OiRow[]): OiRow[] {
  const before = (a: OiRow, b: OiRow) =>
    a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : a.ts.getTime() - b.ts.getTime();
  for (let i = 1; i < rows.length; i++) {
    if (before(rows[i - 1] as OiRow, rows[i] as OiRow) > 0) return [...rows].sort(before);
  }
  return rows;
}

/** Whether rows in (symbol, time) order have two items of one symbol at one time (then next to each other). */
function repeatsSymbolTime(rows: readonly OiRow[]): boolean {
  for (let i = 1; i < rows.length; i++) {
    const a = rows[i - 1] as OiRow;
    const b = rows[i] as OiRow;
    if (a.symbol === b.symbol && a.ts.getTime() === b.ts.getTime()) return true;
  }
  return false;
}

type IngestRow = { body: OiIngestBody; priorRoute: string | null; priorStatus: number | null; priorBody: unknown };

/**
 * The OI ingest of one backend: the statement above, the symbols counted for `cached`, and the newest value per
 * symbol handed to the open_interest_latest writer.
 */
export class OiIngestStore {
  private readonly latest: LatestSymbols;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly latestWriter: LatestOiWriter,
    private readonly gate: IngestGate = new IngestGate({ concurrency: 64 }),
  ) {
    this.latest = new LatestSymbols(prisma);
  }

  /**
   * Writes one batch (see ingestSql) and, with `idempotency.key`, records the answer in the same statement; once
   * it has committed, gives the newest item per symbol to the latest writer.
   * Returns the stored answer instead when the key was already used (nothing is written then). A unique
   * violation of the plain insert (a concurrent request stored some of these rows first) is retried once with
   * ON CONFLICT; any other error, and a violation of the key's own primary key, is the caller's.
   */
  async ingest(
    batch: OiRow[],
    source: OiIngestSource,
    idempotency: { key: string | undefined; route: string },
  ): Promise<OneStatementResult<OiIngestBody>> {
    const rows = inSymbolTimeOrder(batch);
    const { count: cached, fresh } = await this.latest.countWith(rows);
    const params = [
      oiBatchIdPrefix(),
      ...arrayParams(rows),
      source,
      idempotency.key ?? null,
      idempotency.route,
      cached,
    ];
    const r = await this.gate.run(rows.length, () => this.write(rows, params));
    if (!r) throw new Error('OI ingest statement returned no row');
    if (r.priorRoute !== null) {
      const prior: StoredResponse = {
        route: r.priorRoute,
        status: r.priorStatus ?? 200,
        body: r.priorBody as Record<string, unknown>,
      };
      return { prior };
    }
    this.latest.add(fresh);
    this.latestWriter.record(newestPerSymbol(rows, source));
    return { status: 200, body: r.body };
  }

  /** The statement in its usual form, or with ON CONFLICT (see ingestSql). */
  private async write(rows: readonly OiRow[], params: unknown[]): Promise<IngestRow | undefined> {
    if (repeatsSymbolTime(rows)) return (await queryDirect<IngestRow>(this.prisma, INGEST_ON_CONFLICT_SQL, params))[0];
    try {
      return (await queryDirect<IngestRow>(this.prisma, INGEST_SQL, params))[0];
    } catch (err) {
      if (!isUniqueViolation(err, SNAPSHOT_KEY)) throw err;
      return (await queryDirect<IngestRow>(this.prisma, INGEST_ON_CONFLICT_SQL, params))[0];
    }
  }
}
