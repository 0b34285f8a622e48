import {
  MAX_OI_ITEMS,
  OI_INGEST_SOURCES,
  OiIngestSchema,
  SYMBOL_INPUT_RE,
  isNormalisedSymbol,
  parseNormalisedSymbol,
  type OiIngestSource,
} from '@volspike/contracts';
import { HttpError, parseOr400 } from '../http/errors.js';
import type { OiRow } from './oi-store.js';

export interface OiIngestRows {
  rows: OiRow[];
  source: OiIngestSource;
}

/** A normalised symbol, or 400 naming the field. */
export function symbolOr400(raw: string, field: string): string {
  const s = parseNormalisedSymbol(raw);
  if (s === null) {
    throw new HttpError(400, 'BAD_REQUEST', { error: 'Invalid symbol', message: `${field}: "${raw}" is not a symbol` });
  }
  return s;
}

interface SampleItem {
  symbol: string;
  openInterest?: number | null;
  openInterestUsd?: number | null;
  markPrice?: number | null;
  ts?: string;
}

/** Legacy item → stored row: 0/absent mark or USD is missing (null), OI computed from usd ÷ mark when absent. */
function toRow(item: SampleItem, symbol: string, ts: Date): OiRow {
  const markPrice = typeof item.markPrice === 'number' && item.markPrice > 0 ? item.markPrice : null;
  const openInterestUsd =
    typeof item.openInterestUsd === 'number' && item.openInterestUsd > 0 ? item.openInterestUsd : null;
  const openInterest =
    typeof item.openInterest === 'number'
      ? item.openInterest
      : (item.openInterestUsd as number) / (item.markPrice as number);
  return { symbol, openInterest, openInterestUsd, markPrice, ts };
}

// What the columns hold (numeric(30,8), numeric(30,2), numeric(20,8)) and the years Postgres reads in ISO form:
// beyond them the insert fails, so such a body is a 400 naming the field instead of a 500.
const MAX_OI = 1e22;
const MAX_USD = 1e28;
const MAX_MARK = 1e12;
const MIN_TS = Date.parse('0001-01-01T00:00:00.000Z');
const MAX_TS = Date.parse('9999-12-31T23:59:59.999Z');

/** The first field of a row the database cannot store, with the reason; null when it fits. */
function outOfRange(r: OiRow): { field: string; message: string } | null {
  if (r.openInterest >= MAX_OI) return { field: 'openInterest', message: `must be below ${MAX_OI}` };
  if (r.openInterestUsd !== null && r.openInterestUsd >= MAX_USD)
    return { field: 'openInterestUsd', message: `must be below ${MAX_USD}` };
  if (r.markPrice !== null && r.markPrice >= MAX_MARK)
    return { field: 'markPrice', message: `must be below ${MAX_MARK}` };
  // The latest row's USD value is oi × mark when none is given.
  if (r.openInterestUsd === null && r.markPrice !== null && r.openInterest * r.markPrice >= MAX_USD)
    return { field: 'openInterest', message: `× markPrice must be below ${MAX_USD}` };
  const ms = r.ts.getTime();
  if (ms < MIN_TS || ms > MAX_TS) return { field: 'ts', message: 'must be between the years 1 and 9999' };
  return null;
}

/** Absent, null or a finite number ≥ 0 (what the schema's optional, nullable, non-negative numbers accept). */
const okAmount = (v: unknown): boolean => v === undefined || v === null || (Number.isFinite(v) && (v as number) >= 0);

/**
 * The rows of a body that is plainly valid, or null. It accepts only what OiIngestSchema accepts and yields what
 * the schema path yields (oi-ingest-body.test.ts checks both on generated bodies); anything unusual — including
 * every invalid body — is left to the schema, which names the field in its 400. It exists because zod's checks
 * and copies of 500 items were a visible share of the backend's CPU per batch.
 */
export function plainRows(body: { data: unknown[] } & Record<string, unknown>, now: number): OiIngestRows | null {
  const { data, timestamp, totalSymbols, source = 'snapshot' } = body;
  if (data.length < 1 || data.length > MAX_OI_ITEMS) return null;
  if (totalSymbols !== undefined && !Number.isFinite(totalSymbols)) return null;
  if (typeof source !== 'string' || !(OI_INGEST_SOURCES as readonly string[]).includes(source)) return null;
  let batchMs = now;
  if (timestamp !== undefined) {
    batchMs = typeof timestamp === 'string' ? Date.parse(timestamp) : NaN;
    if (Number.isNaN(batchMs)) return null;
  }
  const batchTs = new Date(batchMs);
  const rows: OiRow[] = new Array<OiRow>(data.length);
  // Consecutive items usually share their time (one poll cycle): parse each distinct string once.
  let prevTs: string | undefined;
  let prevDate = batchTs;
  for (let i = 0; i < data.length; i++) {
    const item = data[i] as SampleItem | null;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) return null;
    const { symbol, openInterest: oi, openInterestUsd: usd, markPrice: mark, ts } = item;
    // Exactly the schema's symbol format (no trimming: "BTC " is a 400 there, so it must not pass here).
    if (typeof symbol !== 'string' || !SYMBOL_INPUT_RE.test(symbol)) return null;
    if (!okAmount(oi) || !okAmount(usd) || !okAmount(mark)) return null;
    if (typeof oi !== 'number' && !(typeof usd === 'number' && typeof mark === 'number' && mark > 0)) return null;
    let rowTs = batchTs;
    if (ts !== undefined) {
      if (ts !== prevTs) {
        const ms = typeof ts === 'string' ? Date.parse(ts) : NaN;
        if (Number.isNaN(ms)) return null;
        prevTs = ts;
        prevDate = new Date(ms);
      }
      rowTs = prevDate;
    }
    // Already-normalised symbols (what the pollers send) skip the normalisation.
    const normalized = isNormalisedSymbol(symbol) ? symbol : parseNormalisedSymbol(symbol);
    if (normalized === null) return null;
    const row = toRow(item, normalized, rowTs);
    if (outOfRange(row)) return null;
    rows[i] = row;
  }
  return { rows, source: source as OiIngestSource };
}

/**
 * Validates an OI ingest body (400 naming the field when invalid, nothing written) and turns it into rows: each
 * item at its own `ts`, else at the batch `timestamp`, else at `now`.
 */
export function oiIngestRows(body: unknown, now: number): OiIngestRows {
  if (!body || typeof body !== 'object' || !Array.isArray((body as { data?: unknown }).data)) {
    throw new HttpError(400, 'BAD_REQUEST', {
      error: 'Invalid payload: data array required',
      message: 'data: must be an array',
    });
  }
  return plainRows(body as { data: unknown[] } & Record<string, unknown>, now) ?? schemaRows(body, now);
}

/** The reference path: OiIngestSchema (400 naming the field), then each item to a row. */
export function schemaRows(body: unknown, now: number): OiIngestRows {
  const payload = parseOr400(OiIngestSchema, body, 'Invalid payload');
  const ts = payload.timestamp ? new Date(Date.parse(payload.timestamp)) : new Date(now);
  const rows = payload.data.map((item, i) =>
    toRow(
      item,
      symbolOr400(item.symbol, `data[${i}].symbol`),
      item.ts !== undefined ? new Date(Date.parse(item.ts)) : ts,
    ),
  );
  rows.forEach((row, i) => {
    const bad = outOfRange(row);
    if (!bad) return;
    const field = bad.field === 'ts' && payload.data[i]?.ts === undefined ? 'timestamp' : `data[${i}].${bad.field}`;
    throw new HttpError(400, 'BAD_REQUEST', { error: 'Invalid payload', message: `${field}: ${bad.message}` });
  });
  return { rows, source: payload.source };
}
