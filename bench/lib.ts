// Small helpers of the bench: statistics, waiting, HTTP, free ports, the legacy cost model.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { io, type ManagerOptions, type Socket } from 'socket.io-client';
import { ENDPOINT_WEIGHTS, klinesWeight } from '@volspike/binance-client';
import type { PrismaClient } from '@volspike/db';

/** Nearest-rank percentile (p in 0..100) of unsorted numbers; null for an empty list. */
export function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

export const round = (v: number | null, digits = 2): number | null =>
  v === null || !Number.isFinite(v) ? null : Number(v.toFixed(digits));

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls fn until it returns a truthy value or the deadline passes (then null). Bounded, never throws. */
export async function waitUntil<T>(
  fn: () => Promise<T | null | undefined | false> | T | null | undefined | false,
  timeoutMs: number,
  everyMs = 500,
): Promise<T | null> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v;
    } catch {
      // not ready yet
    }
    await sleep(everyMs);
  }
  return null;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export async function getJson<T>(url: string, headers: Record<string, string> = {}): Promise<T> {
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`GET ${url} → ${res.status}`);
  return (await res.json()) as T;
}

export async function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // keep the text
  }
  return { status: res.status, body: parsed };
}

/**
 * Weight of one classic 5-minute REST cycle over n symbols (the legacy design, docs/legacy-contracts.md §4.1/§4.2):
 * `ticker/24hr` for all symbols (40) + per symbol `klines` (interval 1h, limit 2 → 1), `openInterest` (1)
 * and `premiumIndex?symbol=` (1).
 */
export function classicCycleWeight(n: number): number {
  return (
    ENDPOINT_WEIGHTS.ticker24hrAll +
    n * (klinesWeight(2) + ENDPOINT_WEIGHTS.openInterest + ENDPOINT_WEIGHTS.premiumIndexSymbol)
  );
}

/** Pooled intervals (seconds) between consecutive timestamps per symbol, inside [from, to]. */
export function intervalsSec(
  log: Record<string, number[]>,
  symbols: Iterable<string>,
  from: number,
  to: number,
): { all: number[]; perSymbolMedian: Map<string, number> } {
  const all: number[] = [];
  const perSymbolMedian = new Map<string, number>();
  for (const s of symbols) {
    const times = (log[s] ?? []).filter((t) => t >= from && t <= to);
    const own: number[] = [];
    for (let i = 1; i < times.length; i++) own.push((times[i]! - times[i - 1]!) / 1000);
    all.push(...own);
    const m = percentile(own, 50);
    if (m !== null) perSymbolMedian.set(s, m);
  }
  return { all, perSymbolMedian };
}

/**
 * A Socket.IO client of the backend (websocket only, no reconnection), resolved once the server says `connected`;
 * `parser` replaces the default packet codec (bench/fanout-process.ts).
 */
export function connectSocket(url: string, token: string, parser?: ManagerOptions['parser']): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = io(url, {
      transports: ['websocket'],
      auth: { token },
      reconnection: false,
      forceNew: true,
      timeout: 20_000,
      ...(parser ? { parser } : {}),
    });
    const timer = setTimeout(() => {
      s.close();
      reject(new Error('socket connect timeout'));
    }, 30_000);
    s.once('connected', () => {
      clearTimeout(timer);
      resolve(s);
    });
    s.once('connect_error', (err) => {
      clearTimeout(timer);
      s.close();
      reject(err);
    });
  });
}

/** CPU seconds (user + system) a process has used so far; null when /proc does not show it (not Linux, remote). */
export function cpuSec(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    // Fields after the ") " closing the command name: utime and stime are the 12th and 13th, in clock ticks (100/s).
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return null;
  }
}

/** CPU seconds of every server process connected to the bench database (those of a local server only). */
export async function postgresCpu(prisma: PrismaClient, database: string): Promise<Map<number, number>> {
  const rows = await prisma.$queryRawUnsafe<{ pid: number }[]>(
    `SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`,
    database,
  );
  const out = new Map<number, number>();
  for (const { pid } of rows) {
    const sec = cpuSec(pid);
    if (sec !== null) out.set(pid, sec);
  }
  return out;
}

/** CPU seconds (user + system + steal excluded) the whole machine has spent so far, all cores together. */
export function machineCpuSec(): number | null {
  try {
    // cpu  user nice system idle iowait irq softirq steal ... (clock ticks, 100/s)
    const f = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0] = f;
    return (user + nice + system + irq + softirq) / 100;
  } catch {
    return null;
  }
}

/** Sums CPU seconds between two {@link postgresCpu} readings (connections that came later count from 0). */
export function postgresCpuSince(before: Map<number, number>, after: Map<number, number>): number | null {
  if (after.size === 0) return null;
  let sec = 0;
  for (const [pid, v] of after) sec += v - (before.get(pid) ?? 0);
  return sec;
}

/** The Prometheus text of the backend's /metrics ('' when it does not answer). */
export async function scrapeMetrics(api: string): Promise<string> {
  return fetch(`${api}/metrics`, { signal: AbortSignal.timeout(5000) })
    .then((r) => r.text())
    .catch(() => '');
}

/** The value of an unlabelled (or first labelled) sample of `name` in Prometheus text; null when absent. */
export function metricValue(text: string, name: string): number | null {
  return Object.values(metricSamples(text, name))[0] ?? null;
}

/** Every sample of `name` by its label set (`reason="idle"` …; '' when unlabelled). */
export function metricSamples(text: string, name: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of text.matchAll(new RegExp(`^${name}(?:\\{([^}]*)\\})? ([0-9.e+-]+)$`, 'gm')))
    out[m[1] ?? ''] = Number(m[2]);
  return out;
}
