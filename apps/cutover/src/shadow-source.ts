import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseShadowLine } from '@volspike/backend-client';
import type { ShadowEntry } from '@volspike/backend-client';
import { slotOf } from './model.js';
import type { SideData, SnapshotItem, UniverseMember, VolumeAlertItem } from './model.js';

/** The journals compared: volume-alerts (alerts, snapshots) and universe-job (universe). */
const APPS = ['volume-alerts', 'universe-job'];

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const time = (v: unknown): number | null =>
  typeof v === 'string' && !Number.isNaN(Date.parse(v)) ? Date.parse(v) : null;

function volumeAlert(body: Record<string, unknown>): VolumeAlertItem | null {
  const timestamp = time(body.timestamp);
  const hourTimestamp = time(body.hourTimestamp);
  const [cur, prev, ratio] = [num(body.currentVolume), num(body.previousVolume), num(body.volumeRatio)];
  if (timestamp === null || hourTimestamp === null || cur === null || prev === null || ratio === null) return null;
  return {
    symbol: String(body.symbol),
    // the backend stores SPIKE when alertType is absent
    alertType: typeof body.alertType === 'string' ? body.alertType : 'SPIKE',
    hourTimestamp,
    timestamp,
    currentVolume: cur,
    previousVolume: prev,
    volumeRatio: ratio,
    price: num(body.price),
    fundingRate: num(body.fundingRate),
    priceChange: num(body.priceChange),
    oiChange: num(body.oiChange),
  };
}

function snapshotItems(body: Record<string, unknown>): SnapshotItem[] {
  // realtime samples (source "realtime") are not snapshots; the legacy snapshot has no source
  if (body.source !== undefined && body.source !== 'snapshot') return [];
  const ts = time(body.timestamp);
  if (ts === null || !Array.isArray(body.data)) return [];
  const out: SnapshotItem[] = [];
  for (const d of body.data as Record<string, unknown>[]) {
    const oi = num(d.openInterest);
    if (typeof d.symbol !== 'string' || oi === null) continue;
    out.push({
      symbol: d.symbol.replace(/[-_]/g, '').toUpperCase(),
      slot: slotOf(ts),
      openInterest: oi,
      openInterestUsd: num(d.openInterestUsd),
      markPrice: num(d.markPrice),
    });
  }
  return out;
}

async function* entries(dir: string): AsyncGenerator<ShadowEntry> {
  const names = (await readdir(dir)).filter((n) => APPS.some((a) => n.startsWith(`${a}-`) && n.endsWith('.jsonl')));
  for (const name of names.sort()) {
    const lines = createInterface({ input: createReadStream(join(dir, name), 'utf8'), crlfDelay: Infinity });
    for await (const line of lines) {
      const e = parseShadowLine(line);
      if (e) yield e;
    }
  }
}

/**
 * What the shadow daemons would have sent to the production backend (target `backend`; DEV copies are
 * not compared), selected by the times in the bodies: alerts by `timestamp`, snapshots by `timestamp`,
 * the universe as of the last update whose `updatedAt` lies in the window.
 */
export async function readShadow(dir: string, window: { since: number; until: number }): Promise<SideData> {
  const side: SideData = { volumeAlerts: [], snapshots: [], universe: null };
  const inWindow = (t: number | null): t is number => t !== null && t >= window.since && t < window.until;
  for await (const e of entries(dir)) {
    if (e.target !== 'backend' || typeof e.body !== 'object' || e.body === null) continue;
    const body = e.body as Record<string, unknown>;
    if (e.route === 'volumeAlertIngest') {
      const a = volumeAlert(body);
      if (a && inWindow(a.timestamp)) side.volumeAlerts.push(a);
    } else if (e.route === 'oiIngest' && e.app === 'volume-alerts') {
      if (inWindow(time(body.timestamp))) side.snapshots.push(...snapshotItems(body));
    } else if (e.route === 'liquidUniverseUpdate') {
      const at = time(body.updatedAt) ?? time(e.at);
      if (!inWindow(at) || (side.universe && side.universe.at > at) || !Array.isArray(body.symbols)) continue;
      const members: UniverseMember[] = (body.symbols as Record<string, unknown>[]).map((m) => ({
        symbol: String(m.symbol),
        quoteVolume24h: Number(m.quoteVolume24h),
      }));
      side.universe = { at, members };
    }
  }
  return side;
}
