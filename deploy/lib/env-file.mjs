#!/usr/bin/env node
// Writes /etc/volspike/volspike.env for deploy/install.sh (plain JavaScript: it runs before the build).
//
//   node deploy/lib/env-file.mjs --example .env.example --target /etc/volspike/volspike.env
//        [--legacy /home/trader/.volspike.env] [--shadow-target /etc/volspike/shadow.env]
//
// The file keeps .env.example's layout (every variable, its comment). A value is chosen in this order:
//   1. the value already in the target file (never overwritten; an empty value counts as unset),
//   2. the legacy env file's value, carried over by the rules in LEGACY below,
//   3. a production default (PRODUCTION below: NODE_ENV=production, state under /var/lib/volspike…),
//   4. .env.example's default.
// Variables in the target that .env.example does not list are kept, at the end. When nothing changes the
// file is not rewritten. Output: one line per legacy variable (where it went, or why it could not be
// mapped) and one line per file (created / updated / unchanged). Secret values are never printed.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

/** Values for a host install that differ from .env.example's (which targets `npm start` in a checkout). */
const PRODUCTION = {
  NODE_ENV: 'production',
  DATA_DIR: '/var/lib/volspike',
  SHADOW_DIR: '/var/lib/volspike/shadow',
  REDIS_URL: 'redis://127.0.0.1:6379',
  LOG_PRETTY: 'false',
  DEBUG_ACCESS: 'admin',
  // The backends are reached through nginx on this host (deploy/proxy): loopback only, and exactly that one
  // proxy hop is trusted for X-Forwarded-For (nothing else can connect to set it).
  HOST: '127.0.0.1',
  TRUST_PROXY_HOPS: '1',
};

/** Written into shadow.env by --shadow-target: the shadow phase beside the legacy scripts (docs/cutover.md). */
const SHADOW_OVERLAY = [
  '# Shadow phase (docs/cutover.md): the legacy scripts still run on this host and hold :8888 and :3002.',
  '# Every unit reads this file after volspike.env; delete it when the last legacy script is retired.',
  'SHADOW=true',
  'FUNDING_API_PORT=8889',
  'FUNDING_API_URL=http://127.0.0.1:8889/funding',
  'BINANCE_PROXY_PORT=3003',
  'BINANCE_PROXY_URL=http://127.0.0.1:3003',
  '',
].join('\n');

/** Parses KEY=value lines (optional `export `, surrounding quotes stripped, # comments ignored). */
export function parseEnv(text) {
  const out = new Map();
  for (const raw of text.split('\n')) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(raw);
    if (!m) continue;
    let v = m[2];
    if (v.length >= 2 && v[0] === "'" && v.at(-1) === "'") v = v.slice(1, -1);
    else if (v.length >= 2 && v[0] === '"' && v.at(-1) === '"') v = v.slice(1, -1).replace(/\\(["\\])/g, '$1');
    out.set(m[1], v);
  }
  return out;
}

/**
 * Quoting that systemd's EnvironmentFile= and a shell (`set -a; . volspike.env`) read alike: bare when
 * safe, else single quotes (no expansion in either), else double quotes with \\ and " escaped.
 */
function quote(v) {
  if (/^[A-Za-z0-9_@%+=:,./~-]*$/.test(v)) return v;
  if (!v.includes("'")) return `'${v}'`;
  return `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

const pct = (fraction) => Number((Number(fraction) * 100).toPrecision(12));
const legacyLabel = { '5MIN': '5 min', '15MIN': '15 min', '60MIN': '1 hour' };
const legacyTf = {
  '5MIN': { thr: 0.03, look: 300, cool: 600 },
  '15MIN': { thr: 0.07, look: 900, cool: 900 },
  '60MIN': { thr: 0.12, look: 3600, cool: 3600 },
};
function lookbackLabel(sec) {
  if (sec % 3600 === 0) return sec === 3600 ? '1 hour' : `${sec / 3600} hours`;
  return sec % 60 === 0 ? `${sec / 60} min` : `${sec} sec`;
}

/** The legacy OI poller's per-timeframe variables as one OI_ALERT_TIMEFRAMES value (its defaults fill gaps). */
function oiTimeframes(legacy) {
  const min = legacy.get('OI_MIN_DELTA_CONTRACTS');
  return Object.entries(legacyTf)
    .map(([tf, d]) => {
      const thr = legacy.get(`OI_SPIKE_THRESHOLD_PCT_${tf}`) ?? String(d.thr);
      const look = Number(legacy.get(`OI_LOOKBACK_WINDOW_${tf}`) ?? d.look);
      const cool = Number(legacy.get(`OI_ALERT_COOLDOWN_${tf}`) ?? d.cool);
      const parts = [`${look}s`, `${pct(thr)}%`, `${cool}s`];
      if (min !== undefined && Number(min) !== 5000) parts.push(`min=${Number(min)}`);
      if (lookbackLabel(look) !== legacyLabel[tf]) parts.push(`label=${legacyLabel[tf]}`);
      return parts.join(':');
    })
    .join(',');
}

const withScheme = (url) => (/^[a-z]+:\/\//i.test(url) ? url : `https://${url}`);

/**
 * Maps the legacy variables onto ours. Returns the values to use and one report line per legacy variable.
 * `listed` = the variables .env.example lists (a legacy name we also read is carried over as is).
 */
export function mapLegacy(legacy, listed) {
  const values = new Map();
  const report = [];
  const set = (from, to, v) => {
    values.set(to, v);
    report.push(`  ${from} → ${to}`);
  };
  const skip = (from, why) => report.push(`  ${from}: not mapped (${why})`);
  const oiAlertVar =
    /^OI_(SPIKE_THRESHOLD_PCT|LOOKBACK_WINDOW|ALERT_COOLDOWN)_(5MIN|15MIN|60MIN)$|^OI_MIN_DELTA_CONTRACTS$/;
  let timeframesDone = false;
  for (const [k, v] of legacy) {
    if (v === '') skip(k, 'empty in the legacy file');
    else if (k === 'VOLSPIKE_API_URL' || k === 'VOLSPIKE_API_URL_DEV') set(k, k, withScheme(v));
    else if (k === 'VOLSPIKE_API_KEY') {
      set(k, 'VOLSPIKE_API_KEY', v);
      set(k, 'ALERT_INGEST_API_KEY', v);
    } else if (k === 'BACKEND_URL') {
      if (legacy.get('VOLSPIKE_API_URL')) skip(k, 'VOLSPIKE_API_URL is set too and wins');
      else set(k, 'VOLSPIKE_API_URL', withScheme(v));
    } else if (k === 'WS_FUNDING_API_URL') set(k, 'FUNDING_API_URL', v);
    else if (k === 'NEXTAUTH_SECRET') {
      if (legacy.get('JWT_SECRET')) skip(k, 'JWT_SECRET is set too and wins');
      else set(k, 'JWT_SECRET', v);
    } else if (k === 'OI_MIN_INTERVAL_SEC' || k === 'OI_MAX_INTERVAL_SEC') {
      set(k, k, v);
      set(
        k,
        k === 'OI_MIN_INTERVAL_SEC' ? 'OI_POLL_MIN_INTERVAL_MS' : 'OI_POLL_MAX_INTERVAL_MS',
        String(Number(v) * 1000),
      );
    } else if (oiAlertVar.test(k)) {
      if (!timeframesDone) values.set('OI_ALERT_TIMEFRAMES', oiTimeframes(legacy));
      timeframesDone = true;
      report.push(`  ${k} → OI_ALERT_TIMEFRAMES`);
    } else if (k === 'TELEGRAM_CHANNELS' && !listed.has(k) && listed.has('TELEGRAM_CHANNEL_IDS')) {
      set(k, 'TELEGRAM_CHANNEL_IDS', v);
    } else if (k === 'PORT')
      skip(k, "ambiguous: the legacy binance-proxy's port; ours is BINANCE_PROXY_PORT, PORT is the backend's");
    else if (listed.has(k)) set(k, k, v);
    else skip(k, 'no app of this stack reads it');
  }
  return { values, report };
}

/** Renders the target from the example's lines, filling each variable with the chosen value. */
function render(exampleText, choose, extra) {
  const lines = exampleText.split('\n').map((line) => {
    const m = /^([A-Z][A-Z0-9_]*)=/.exec(line);
    return m ? `${m[1]}=${quote(choose(m[1]))}` : line;
  });
  if (extra.size > 0) {
    lines.push('# ---------------------------------------------------------------- kept (not in .env.example)');
    for (const [k, v] of extra) lines.push(`${k}=${quote(v)}`);
  }
  return lines.join('\n').replace(/\n*$/, '\n');
}

function writeIfChanged(path, text, label) {
  const before = existsSync(path) ? readFileSync(path, 'utf8') : null;
  if (before === text) {
    chmodSync(path, 0o600);
    return `${label}: unchanged`;
  }
  writeFileSync(path, text, { mode: 0o600 });
  chmodSync(path, 0o600);
  return `${label}: ${before === null ? 'created' : 'updated'}`;
}

function main() {
  const { values: a } = parseArgs({
    options: {
      example: { type: 'string' },
      target: { type: 'string' },
      legacy: { type: 'string' },
      'shadow-target': { type: 'string' },
    },
  });
  if (!a.example || !a.target) throw new Error('--example and --target are required');
  const exampleText = readFileSync(a.example, 'utf8');
  const example = parseEnv(exampleText);
  const listed = new Set(example.keys());
  const existing = existsSync(a.target) ? parseEnv(readFileSync(a.target, 'utf8')) : new Map();
  const legacyText = a.legacy && existsSync(a.legacy) ? readFileSync(a.legacy, 'utf8') : null;
  const { values: fromLegacy, report } = legacyText
    ? mapLegacy(parseEnv(legacyText), listed)
    : { values: new Map(), report: [] };

  const notes = [];
  const choose = (k) => {
    const have = existing.get(k);
    if (have !== undefined && have !== '') return have;
    if (fromLegacy.has(k)) return fromLegacy.get(k);
    if (k in PRODUCTION) return PRODUCTION[k];
    return example.get(k) ?? '';
  };
  // The ingest key must exist for the backend to accept any ingest; daemons send the same key.
  if (!choose('ALERT_INGEST_API_KEY')) {
    const key = randomBytes(24).toString('hex');
    fromLegacy.set('ALERT_INGEST_API_KEY', key);
    if (!choose('VOLSPIKE_API_KEY')) fromLegacy.set('VOLSPIKE_API_KEY', key);
    notes.push('  ALERT_INGEST_API_KEY and VOLSPIKE_API_KEY: generated (no legacy key found)');
  }
  const extra = new Map([...existing].filter(([k]) => !listed.has(k)));
  const lines = [];
  if (a.legacy) {
    lines.push(
      legacyText === null ? `legacy env ${a.legacy}: not found, nothing carried over` : `legacy env ${a.legacy}:`,
    );
    lines.push(...report);
  }
  lines.push(...notes);
  for (const k of ['DATABASE_URL', 'JWT_SECRET']) {
    if (!choose(k)) lines.push(`  ${k} is empty: set it in ${a.target} (docs/cutover.md)`);
  }
  lines.push(writeIfChanged(a.target, render(exampleText, choose, extra), a.target));
  if (a['shadow-target']) {
    if (existsSync(a['shadow-target'])) lines.push(`${a['shadow-target']}: unchanged (exists; never overwritten)`);
    else lines.push(writeIfChanged(a['shadow-target'], SHADOW_OVERLAY, a['shadow-target']));
  }
  // Report lines name variables and files, never values.
  process.stdout.write(lines.map((l) => `${l}\n`).join(''));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    main();
  } catch (err) {
    process.stderr.write(`env-file: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}
