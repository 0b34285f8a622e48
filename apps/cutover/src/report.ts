import type { CompareResult, Finding } from './compare.js';
import { toleranceLines } from './tolerances.js';

const iso = (t: number): string => new Date(t).toISOString().replace(':00.000Z', 'Z');
const TAG: Record<Finding['kind'], string> = {
  difference: 'DIFFERENCE ',
  'legacy-only': 'LEGACY ONLY',
  'shadow-only': 'SHADOW ONLY',
  borderline: 'borderline ',
};

/** The human report: tolerances, hour by hour counts and findings, the universe, and a verdict line. */
export function formatReport(r: CompareResult, window: { since: number; until: number }): string {
  const lines = [
    `compare ${iso(window.since)} … ${iso(window.until)} (legacy DB vs shadow journal)`,
    ...toleranceLines(),
    '',
  ];
  for (const h of r.hours) {
    const v = h.volume;
    const s = h.snapshots;
    lines.push(
      `${iso(h.hour)}  volume alerts: legacy ${v.legacy}, shadow ${v.shadow}, ${v.matched} match | ` +
        `snapshots: legacy ${s.legacy} rows in ${s.legacySlots} slot(s), shadow ${s.shadow} in ${s.shadowSlots}, ${s.matched} match`,
    );
    for (const f of r.findings.filter((x) => x.area !== 'universe' && x.hour === h.hour))
      lines.push(`  ${TAG[f.kind]}  ${f.text}`);
  }
  if (r.hours.length === 0) lines.push('no volume alerts or snapshots on either side in the window');
  lines.push('');
  if (r.universe) {
    const u = r.universe;
    lines.push(
      `universe: legacy ${u.legacy} members (table now, last seen ${u.legacyAt === null ? '—' : iso(u.legacyAt)}), ` +
        `shadow ${u.shadow} (last update in the window ${u.shadowAt === null ? '—' : iso(u.shadowAt)}), ${u.matched} match`,
    );
    for (const f of r.findings.filter((x) => x.area === 'universe')) lines.push(`  ${TAG[f.kind]}  ${f.text}`);
  } else lines.push('universe: nothing on either side');
  const bad = r.findings.filter((f) => f.kind !== 'borderline');
  lines.push(
    '',
    r.agree
      ? 'AGREE: every item matches within the tolerances'
      : `DIFFER: ${bad.length} finding(s) (${count(bad, 'difference')} difference(s), ${count(bad, 'legacy-only')} legacy-only, ${count(bad, 'shadow-only')} shadow-only)`,
  );
  return lines.join('\n');
}

const count = (f: Finding[], kind: Finding['kind']): number => f.filter((x) => x.kind === kind).length;
