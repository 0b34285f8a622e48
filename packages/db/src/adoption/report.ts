// Human-readable adoption report, as `npm run db:migrate` (and `-- --plan`) prints it.
import type { AdoptionDataCheck, AdoptionReport } from './adopt.js';

function checkLine(c: AdoptionDataCheck, plan: boolean): string {
  if (c.duplicates) {
    const d = c.duplicates;
    if (d.rows === 0) return `${c.description}: none`;
    return (
      `${c.description}: ${d.rows} rows share a key with an earlier row (${d.keys} keys): ` +
      `${d.exact} exact duplicates, ${d.differing} differing → ${plan ? 'would move' : 'moved'} to ${d.archive}`
    );
  }
  return `${c.description}: ${c.orphans ?? 0}${c.orphans ? ' (the foreign key will be left out)' : ''}`;
}

export function formatAdoptionReport(r: AdoptionReport): string[] {
  const plan = r.mode === 'plan';
  const out = [
    `Adoption of a database created by the legacy backend${plan ? ' — plan only, nothing was changed' : ''}`,
    'Data checks (read-only):',
    ...(r.checks.length ? r.checks.map((c) => `  - ${checkLine(c, plan)}`) : ['  - none needed']),
    `Steps (${r.steps.length}; each re-checked against the catalog before it runs):`,
  ];
  for (const [i, s] of r.steps.entries()) {
    out.push(`  ${i + 1}. [${s.status}] ${s.description}${s.reason ? ` — ${s.reason}` : ''}`);
    if (plan) for (const sql of s.sql) out.push(...sql.split('\n').map((l) => `       ${l}`));
  }
  if (r.notes.length) out.push('Kept as the legacy database has it:', ...r.notes.map((n) => `  - ${n}`));
  if (r.archives.length) {
    out.push('Archive tables (rows moved whole; keptId names the row that stayed):');
    for (const a of r.archives)
      out.push(`  - ${a.archive}: ${a.rows} rows (${a.exact} exact duplicates, ${a.differing} differing)`);
  }
  if (r.recorded.length) out.push(`Recorded as applied in _prisma_migrations: ${r.recorded.join(', ')}`);
  return out;
}
