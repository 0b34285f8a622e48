import { hourOf } from './model.js';
import type { SideData, SnapshotItem, UniverseMember, VolumeAlertItem } from './model.js';
import {
  CLOSED_CANDLE,
  OPEN_CANDLE,
  SNAPSHOT,
  UNIVERSE_BORDERLINE_REL,
  describeTolerance,
  within,
} from './tolerances.js';

export type FindingKind = 'difference' | 'legacy-only' | 'shadow-only' | 'borderline';
export type Area = 'volume' | 'snapshot' | 'universe';

export interface Finding {
  area: Area;
  kind: FindingKind;
  /** hour the item belongs to (epoch ms); the universe's is the comparison time */
  hour: number;
  text: string;
}

export interface HourSummary {
  hour: number;
  volume: { legacy: number; shadow: number; matched: number };
  snapshots: { legacy: number; shadow: number; matched: number; legacySlots: number; shadowSlots: number };
}

export interface CompareResult {
  hours: HourSummary[];
  findings: Finding[];
  universe: {
    legacyAt: number | null;
    shadowAt: number | null;
    legacy: number;
    shadow: number;
    matched: number;
  } | null;
  /** true when no finding is a difference or a one-side-only item (borderline ones are allowed) */
  agree: boolean;
}

const iso = (t: number): string => new Date(t).toISOString().replace(':00.000Z', 'Z');

function hourSummary(hours: Map<number, HourSummary>, hour: number): HourSummary {
  let h = hours.get(hour);
  if (!h) {
    h = {
      hour,
      volume: { legacy: 0, shadow: 0, matched: 0 },
      snapshots: { legacy: 0, shadow: 0, matched: 0, legacySlots: 0, shadowSlots: 0 },
    };
    hours.set(hour, h);
  }
  return h;
}

const volumeKey = (a: VolumeAlertItem): string => `${a.alertType}|${a.symbol}|${a.hourTimestamp}`;
const VOLUME_FIELDS = [
  'currentVolume',
  'previousVolume',
  'volumeRatio',
  'price',
  'fundingRate',
  'priceChange',
  'oiChange',
] as const;

/** Legacy retries left duplicate rows: one per key is compared (the first), the others are only counted. */
function byKey<T>(items: T[], key: (t: T) => string): Map<string, T> {
  const m = new Map<string, T>();
  for (const it of items) if (!m.has(key(it))) m.set(key(it), it);
  return m;
}

function compareVolume(
  legacy: VolumeAlertItem[],
  shadow: VolumeAlertItem[],
  hours: Map<number, HourSummary>,
): Finding[] {
  const out: Finding[] = [];
  const l = byKey(legacy, volumeKey);
  const s = byKey(shadow, volumeKey);
  const label = (a: VolumeAlertItem): string => `${a.alertType} ${a.symbol} (hour ${iso(a.hourTimestamp)})`;
  for (const [k, a] of l) {
    const h = hourSummary(hours, hourOf(a.timestamp));
    h.volume.legacy++;
    const b = s.get(k);
    if (!b) {
      out.push({ area: 'volume', kind: 'legacy-only', hour: h.hour, text: `volume alert ${label(a)} only in legacy` });
      continue;
    }
    const table = a.alertType === 'FULL_UPDATE' ? CLOSED_CANDLE : OPEN_CANDLE;
    const diffs = VOLUME_FIELDS.filter((f) => !within(a[f], b[f], table[f] ?? { rel: 0, abs: 0 })).map(
      (f) =>
        `${f} legacy ${String(a[f])} vs shadow ${String(b[f])} (tolerance ${describeTolerance(table[f] ?? { rel: 0, abs: 0 })})`,
    );
    if (diffs.length === 0) h.volume.matched++;
    else
      out.push({
        area: 'volume',
        kind: 'difference',
        hour: h.hour,
        text: `volume alert ${label(a)}: ${diffs.join('; ')}`,
      });
  }
  for (const [k, b] of s) {
    const h = hourSummary(hours, hourOf(b.timestamp));
    h.volume.shadow++;
    if (!l.has(k))
      out.push({ area: 'volume', kind: 'shadow-only', hour: h.hour, text: `volume alert ${label(b)} only in shadow` });
  }
  return out;
}

function compareSnapshots(legacy: SnapshotItem[], shadow: SnapshotItem[], hours: Map<number, HourSummary>): Finding[] {
  const out: Finding[] = [];
  const key = (x: SnapshotItem): string => `${x.slot}|${x.symbol}`;
  const l = byKey(legacy, key);
  const s = byKey(shadow, key);
  const slots = (items: Map<string, SnapshotItem>): Map<number, Set<number>> => {
    const m = new Map<number, Set<number>>();
    for (const x of items.values()) {
      const set = m.get(hourOf(x.slot)) ?? new Set<number>();
      set.add(x.slot);
      m.set(hourOf(x.slot), set);
    }
    return m;
  };
  const oneSide = new Map<string, { hour: number; kind: FindingKind; symbols: string[] }>();
  const note = (hour: number, kind: FindingKind, slot: number, symbol: string): void => {
    const k = `${kind}|${slot}`;
    const e = oneSide.get(k) ?? { hour, kind, symbols: [] };
    e.symbols.push(symbol);
    oneSide.set(k, e);
  };
  for (const [k, a] of l) {
    const h = hourSummary(hours, hourOf(a.slot));
    h.snapshots.legacy++;
    const b = s.get(k);
    if (!b) {
      note(h.hour, 'legacy-only', a.slot, a.symbol);
      continue;
    }
    const diffs = (['openInterest', 'openInterestUsd', 'markPrice'] as const)
      .filter((f) => !within(a[f], b[f], SNAPSHOT[f]))
      .map(
        (f) => `${f} legacy ${String(a[f])} vs shadow ${String(b[f])} (tolerance ${describeTolerance(SNAPSHOT[f])})`,
      );
    if (diffs.length === 0) h.snapshots.matched++;
    else
      out.push({
        area: 'snapshot',
        kind: 'difference',
        hour: h.hour,
        text: `snapshot ${iso(a.slot)} ${a.symbol}: ${diffs.join('; ')}`,
      });
  }
  for (const [k, b] of s) {
    const h = hourSummary(hours, hourOf(b.slot));
    h.snapshots.shadow++;
    if (!l.has(k)) note(h.hour, 'shadow-only', b.slot, b.symbol);
  }
  for (const [hour, set] of slots(l)) hourSummary(hours, hour).snapshots.legacySlots = set.size;
  for (const [hour, set] of slots(s)) hourSummary(hours, hour).snapshots.shadowSlots = set.size;
  for (const [k, e] of oneSide) {
    const slot = Number(k.split('|')[1]);
    const side = e.kind === 'legacy-only' ? 'legacy' : 'shadow';
    out.push({
      area: 'snapshot',
      kind: e.kind,
      hour: e.hour,
      text: `snapshot ${iso(slot)}: ${e.symbols.length} symbol(s) only in ${side}: ${e.symbols.sort().slice(0, 20).join(', ')}${e.symbols.length > 20 ? ', …' : ''}`,
    });
  }
  return out;
}

function compareUniverse(
  legacy: SideData['universe'],
  shadow: SideData['universe'],
  thresholds: { enter: number; exit: number },
): { findings: Finding[]; summary: CompareResult['universe'] } {
  if (!legacy && !shadow) return { findings: [], summary: null };
  const at = shadow?.at ?? legacy?.at ?? 0;
  const l = new Map((legacy?.members ?? []).map((m) => [m.symbol, m]));
  const s = new Map((shadow?.members ?? []).map((m) => [m.symbol, m]));
  const borderline = (m: UniverseMember): boolean =>
    [thresholds.enter, thresholds.exit].some((t) => Math.abs(m.quoteVolume24h - t) <= UNIVERSE_BORDERLINE_REL * t);
  const findings: Finding[] = [];
  let matched = 0;
  for (const [sym, m] of l) {
    if (s.has(sym)) matched++;
    else
      findings.push({
        area: 'universe',
        kind: borderline(m) ? 'borderline' : 'legacy-only',
        hour: at,
        text: `universe member ${sym} (24 h quote volume ${Math.round(m.quoteVolume24h)}) only in legacy`,
      });
  }
  for (const [sym, m] of s) {
    if (!l.has(sym))
      findings.push({
        area: 'universe',
        kind: borderline(m) ? 'borderline' : 'shadow-only',
        hour: at,
        text: `universe member ${sym} (24 h quote volume ${Math.round(m.quoteVolume24h)}) only in shadow`,
      });
  }
  return {
    findings,
    summary: { legacyAt: legacy?.at ?? null, shadowAt: shadow?.at ?? null, legacy: l.size, shadow: s.size, matched },
  };
}

/** Compares what the legacy scripts delivered with what the shadow daemons would have sent. */
export function compareSides(
  legacy: SideData,
  shadow: SideData,
  thresholds: { enter: number; exit: number },
): CompareResult {
  const hours = new Map<number, HourSummary>();
  const universe = compareUniverse(legacy.universe, shadow.universe, thresholds);
  const findings = [
    ...compareVolume(legacy.volumeAlerts, shadow.volumeAlerts, hours),
    ...compareSnapshots(legacy.snapshots, shadow.snapshots, hours),
    ...universe.findings,
  ];
  return {
    hours: [...hours.values()].sort((a, b) => a.hour - b.hour),
    findings,
    universe: universe.summary,
    agree: findings.every((f) => f.kind === 'borderline'),
  };
}
