// The bench's verdict: targets of issue 19 with PASS/FAIL, the fixed and activity distributions side by side,
// the JSON written to bench/results/latest.json (+ a timestamped copy).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

type Json = Record<string, unknown>;
interface Target {
  name: string;
  value: unknown;
  target: string;
  pass: boolean | null;
}

const at = (o: unknown, path: string): unknown =>
  path.split('.').reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Json)[k] : undefined), o);
const numAt = (o: unknown, path: string): number | null => {
  const v = at(o, path);
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
};

function targets(r: Json): Target[] {
  const t = (name: string, target: string, ok: (v: number) => boolean, path = name): Target => {
    const v = numAt(r, path);
    return { name, value: v, target, pass: v === null ? null : ok(v) };
  };
  const all = (name: string, target: string, value: string, pass: boolean | null): Target => ({
    name,
    value,
    target,
    pass,
  });
  const thirds = ['head', 'middle', 'tail'].map((th) =>
    t(`alerts.activity.byThird.${th}.latencyMs.p99`, '≤ 6000 ms', (v) => v <= 6000),
  );
  const every = ['fixed', 'activity'].map((m) => {
    const exp = numAt(r, `alerts.${m}.expected`);
    const rec = numAt(r, `alerts.${m}.received`);
    return all(
      `alerts.${m}.received`,
      '= expected',
      `${rec ?? '–'}/${exp ?? '–'}`,
      exp === null || rec === null ? null : exp > 0 && rec === exp,
    );
  });
  const fsync = at(r, 'ingest.postgres.fsync');
  return [
    ...thirds,
    t('alerts.p99Ratio', '≥ 2 (fixed ÷ activity)', (v) => v >= 2),
    ...every,
    t('alerts.fixed.falseAlerts', '= 0', (v) => v === 0),
    t('alerts.activity.falseAlerts', '= 0', (v) => v === 0),
    t('rest.rejected429', '= 0', (v) => v === 0),
    t('rest.banned418', '= 0', (v) => v === 0),
    t('oi.weightRatio', '0.97 – 1.0', (v) => v >= 0.97 && v <= 1.0),
    t('socket.perSymbol.p99Ms', '≤ 100 ms', (v) => v <= 100),
    t('socket.batch.p99Ms', '≤ 100 ms', (v) => v <= 100),
    t('socket.duringIngest.p99Ms', '≤ 100 ms', (v) => v <= 100),
    {
      ...t('ingest.samplesPerSec', '≥ 50000, fsync on', (v) => v >= 50_000 && fsync === 'on'),
      value: `${numAt(r, 'ingest.samplesPerSec') ?? '–'} (fsync ${String(fsync ?? '?')})`,
    },
    t('memory.peakRssMb', '≤ 250 MB', (v) => v <= 250),
  ];
}

function sideBySide(r: Json): string[] {
  const cell = (m: string, path: string) => String(numAt(r, `alerts.${m}.${path}`) ?? '–');
  const rows: [string, string][] = [
    ['latency p50 ms', 'latencyMs.p50'],
    ['latency p99 ms', 'latencyMs.p99'],
    ['latency max ms', 'latencyMs.max'],
    ...['head', 'middle', 'tail'].flatMap((th): [string, string][] => [
      [`${th} p50 ms`, `byThird.${th}.latencyMs.p50`],
      [`${th} p99 ms`, `byThird.${th}.latencyMs.p99`],
    ]),
    ['received / expected', 'received'],
    ['false alerts', 'falseAlerts'],
  ];
  const out = [
    '',
    `alerts (seed ${String(at(r, 'alerts.seed'))})`.padEnd(24) + 'fixed'.padStart(10) + 'activity'.padStart(10),
  ];
  for (const [label, path] of rows) {
    const suffix = path === 'received' ? (m: string) => `/${cell(m, 'expected')}` : () => '';
    out.push(
      label.padEnd(24) +
        (cell('fixed', path) + suffix('fixed')).padStart(10) +
        (cell('activity', path) + suffix('activity')).padStart(10),
    );
  }
  return out;
}

export function report(results: Json): void {
  const list = targets(results);
  results.targets = Object.fromEntries(list.map((x) => [x.name, { value: x.value, target: x.target, pass: x.pass }]));
  const dir = new URL('./results/', import.meta.url).pathname;
  mkdirSync(dir, { recursive: true });
  const text = JSON.stringify(results, null, 2) + '\n';
  writeFileSync(join(dir, 'latest.json'), text);
  writeFileSync(join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}.json`), text);
  const lines = ['', 'metric'.padEnd(40) + 'value'.padStart(18) + '  ' + 'target'.padEnd(24) + 'result'];
  for (const x of list) {
    const verdict = x.pass === null ? 'n/a' : x.pass ? 'PASS' : 'FAIL';
    lines.push(x.name.padEnd(40) + String(x.value ?? '–').padStart(18) + '  ' + x.target.padEnd(24) + verdict);
  }
  lines.push(...sideBySide(results));
  if (results.stackExited) lines.push('', `THE STACK EXITED: ${JSON.stringify(results.stackExited)}`);
  for (const k of ['socket', 'ingest']) {
    const e = at(results, `${k}.error`) ?? at(results, `${k}.duringIngest.error`);
    if (e) lines.push(`${k}: ${String(e)}`);
  }
  lines.push('', `load average ${JSON.stringify(at(results, 'run.loadAvg'))}`, 'written: bench/results/latest.json');
  console.log(lines.join('\n'));
}
