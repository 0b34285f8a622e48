// deploy/install.sh into a scratch root (--root): the files, their modes, the legacy env carried over, a
// second run that changes nothing, and units that systemd accepts (systemd-analyze verify) and that run
// what the build produces, as the production configuration.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as backend from '@volspike/backend';
import * as binanceProxy from '@volspike/binance-proxy';
import * as funding from '@volspike/funding';
import * as oiPoller from '@volspike/oi-poller';
import * as telegramPoller from '@volspike/telegram-poller';
import * as universeJob from '@volspike/universe-job';
import * as userAlerts from '@volspike/user-alerts';
import * as volumeAlerts from '@volspike/volume-alerts';
import { REPO_ROOT } from '../../src/launch.js';

const INSTALL = join(REPO_ROOT, 'deploy', 'install.sh');
const SYSTEMD = join(REPO_ROOT, 'deploy', 'systemd');
const root = mkdtempSync(join(tmpdir(), 'volspike-install-'));
const etc = (p: string): string => join(root, 'etc', p);

const LEGACY_ENV = [
  '# the legacy scripts read this (trader home)',
  'VOLSPIKE_API_URL=volspike-production.up.railway.app',
  'VOLSPIKE_API_KEY="legacy-ingest-key-0123456789"',
  "export TELEGRAM_TOKEN='123:abc'",
  'CHAT_ID=-100123',
  'OI_LIQUID_ENTER_QUOTE_24H=5000000',
  'OI_MIN_INTERVAL_SEC=6',
  'OI_SPIKE_THRESHOLD_PCT_5MIN=0.04',
  'OI_ALERT_COOLDOWN_15MIN=1200',
  'OI_MIN_DELTA_CONTRACTS=3000',
  'WS_FUNDING_API_URL=http://localhost:8888/funding',
  'PORT=3002',
  'SOME_UNKNOWN_SETTING=1',
  '',
].join('\n');

function install(...args: string[]): { status: number | null; out: string } {
  const r = spawnSync('bash', [INSTALL, '--root', root, '--skip-build', ...args], { encoding: 'utf8' });
  return { status: r.status, out: r.stdout + r.stderr };
}

/** Every path under the root with its type, mode, mtime, content hash or link target. */
function snapshot(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      const st = lstatSync(p);
      const id = `${relative(root, p)} ${st.mode.toString(8)} ${st.mtimeMs}`;
      if (st.isSymbolicLink()) out.push(`${id} -> ${readlinkSync(p)}`);
      else if (st.isDirectory()) {
        out.push(id);
        walk(p);
      } else out.push(`${id} ${createHash('sha256').update(readFileSync(p)).digest('hex')}`);
    }
  };
  walk(root);
  return out;
}

function parseEnvFile(path: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (m) out[m[1]!] = m[2]!.replace(/^"(.*)"$|^'(.*)'$/, '$1$2');
  }
  return out;
}

const mode = (p: string): string => (lstatSync(p).mode & 0o777).toString(8);

let first: { status: number | null; out: string };
beforeAll(() => {
  mkdirSync(join(root, 'home', 'trader'), { recursive: true });
  writeFileSync(join(root, 'home', 'trader', '.volspike.env'), LEGACY_ENV);
  first = install('--shadow');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('deploy/install.sh --root', () => {
  it('installs the env file (0600), the state directories and every unit', () => {
    expect(first.status, first.out).toBe(0);
    expect(mode(etc('volspike/volspike.env'))).toBe('600');
    expect(mode(etc('volspike/shadow.env'))).toBe('600');
    expect(mode(join(root, 'var/lib/volspike'))).toBe('750');
    expect(mode(join(root, 'var/lib/volspike/shadow'))).toBe('700');
    for (const f of readdirSync(SYSTEMD).filter((f) => /\.(service|timer|target)$/.test(f))) {
      expect(existsSync(etc(`systemd/system/${f}`)), f).toBe(true);
      expect(mode(etc(`systemd/system/${f}`))).toBe('644');
    }
    expect(readlinkSync(etc('systemd/system/multi-user.target.wants/volspike.target'))).toBe(
      '/etc/systemd/system/volspike.target',
    );
    const wants = readdirSync(etc('systemd/system/volspike.target.wants')).sort();
    expect(wants).toContain('volspike-oi-poller.service');
    expect(wants).toContain('volspike-funding-health.timer');
    expect(wants).toContain('binance-funding-api.service');
  });

  it('writes the units with this checkout and this Node, never pnpm, as production', () => {
    const unit = readFileSync(etc('systemd/system/volspike-oi-poller.service'), 'utf8');
    expect(unit).toContain(`WorkingDirectory=${REPO_ROOT}\n`);
    expect(unit).toMatch(/^ExecStart=\/\S*node dist\/oi-poller\.mjs$/m);
    expect(unit).not.toMatch(/pnpm|\/opt\/volspike/);
    const env = parseEnvFile(etc('volspike/volspike.env'));
    expect(env.NODE_ENV).toBe('production');
    // Behind nginx on this host: loopback only, one trusted hop.
    expect(env.HOST).toBe('127.0.0.1');
    expect(env.TRUST_PROXY_HOPS).toBe('1');
    // Shadow journals where the units keep state; shadow mode only through the overlay (--shadow).
    expect(env.SHADOW_DIR).toBe('/var/lib/volspike/shadow');
    expect(env.SHADOW).toBe('false');
    expect(parseEnvFile(etc('volspike/shadow.env')).SHADOW).toBe('true');
  });

  it('carries the legacy variables over and lists what it could not map, without printing secrets', () => {
    const env = parseEnvFile(etc('volspike/volspike.env'));
    expect(env.VOLSPIKE_API_URL).toBe('https://volspike-production.up.railway.app');
    expect(env.VOLSPIKE_API_KEY).toBe('legacy-ingest-key-0123456789');
    // The backend must accept the key the legacy scripts send.
    expect(env.ALERT_INGEST_API_KEY).toBe('legacy-ingest-key-0123456789');
    expect(env.TELEGRAM_TOKEN).toBe('123:abc');
    expect(env.CHAT_ID).toBe('-100123');
    expect(env.OI_LIQUID_ENTER_QUOTE_24H).toBe('5000000');
    expect(env.OI_MIN_INTERVAL_SEC).toBe('6');
    expect(env.OI_POLL_MIN_INTERVAL_MS).toBe('6000');
    expect(env.FUNDING_API_URL).toBe('http://localhost:8888/funding');
    // The legacy per-timeframe rules, their defaults filling the gaps, the legacy labels kept.
    expect(env.OI_ALERT_TIMEFRAMES).toBe('300s:4%:600s:min=3000,900s:7%:1200s:min=3000,3600s:12%:3600s:min=3000');
    expect(first.out).toMatch(/PORT: not mapped \(ambiguous/);
    expect(first.out).toMatch(/SOME_UNKNOWN_SETTING: not mapped \(no app of this stack reads it\)/);
    expect(first.out).toMatch(/WS_FUNDING_API_URL → FUNDING_API_URL/);
    expect(first.out).not.toContain('legacy-ingest-key-0123456789');
    expect(first.out).not.toContain('123:abc');
  });

  it('writes a file every app starts with once DATABASE_URL and JWT_SECRET are filled in', () => {
    const env = {
      ...parseEnvFile(etc('volspike/volspike.env')),
      ...parseEnvFile(etc('volspike/shadow.env')),
      DATABASE_URL: 'postgresql://volspike@127.0.0.1:5432/volspike',
      JWT_SECRET: 'x'.repeat(48),
    };
    for (const app of [
      backend,
      binanceProxy,
      funding,
      oiPoller,
      telegramPoller,
      universeJob,
      userAlerts,
      volumeAlerts,
    ]) {
      expect(() => app.loadAppEnv(env)).not.toThrow();
    }
  });

  it('changes nothing on a second run, and never overwrites a value the operator set', () => {
    const before = snapshot();
    const again = install('--shadow');
    expect(again.status, again.out).toBe(0);
    expect(snapshot()).toEqual(before);
    expect(again.out).toMatch(/volspike\.env: unchanged/);
    expect(again.out).not.toMatch(/: (created|updated)$/m);

    const path = etc('volspike/volspike.env');
    writeFileSync(
      path,
      readFileSync(path, 'utf8')
        .replace(/^CHAT_ID=.*$/m, 'CHAT_ID=-999')
        .concat('MY_NOTE=kept\n'),
    );
    chmodSync(path, 0o644);
    const third = install();
    expect(third.status, third.out).toBe(0);
    const env = parseEnvFile(path);
    expect(env.CHAT_ID).toBe('-999');
    expect(env.MY_NOTE).toBe('kept');
    expect(mode(path)).toBe('600');
  });

  it('leaves a legacy binance-funding-api.service alone and says so', () => {
    const dir = mkdtempSync(join(tmpdir(), 'volspike-install-legacy-'));
    try {
      mkdirSync(join(dir, 'etc/systemd/system'), { recursive: true });
      const legacy = '[Service]\nExecStart=/usr/bin/python3 funding_api_server.py\n';
      writeFileSync(join(dir, 'etc/systemd/system/binance-funding-api.service'), legacy);
      const r = spawnSync('bash', [INSTALL, '--root', dir, '--skip-build'], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      expect(readFileSync(join(dir, 'etc/systemd/system/binance-funding-api.service'), 'utf8')).toBe(legacy);
      expect(r.stdout).toMatch(/binance-funding-api\.service: left alone/);
      expect(r.stdout).toMatch(/legacy units still installed: binance-funding-api\.service/);
      expect(existsSync(join(dir, 'etc/systemd/system/volspike-funding.service.d'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses an old Node and says how to get a new one', () => {
    const bin = mkdtempSync(join(tmpdir(), 'volspike-oldnode-'));
    try {
      writeFileSync(join(bin, 'node'), '#!/bin/sh\necho 18.19.0\n', { mode: 0o755 });
      const r = spawnSync('bash', [INSTALL, '--root', root, '--skip-build'], {
        encoding: 'utf8',
        env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` },
      });
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/Node >= 20\.19 is required, found 18\.19\.0/);
      expect(r.stderr).toMatch(/nodesource/);
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });
});

// --- the units themselves ---------------------------------------------------------------------------------

const analyzer = spawnSync('sh', ['-c', 'command -v systemd-analyze'], { encoding: 'utf8' }).stdout.trim();
// CI has systemd-analyze (Debian's systemd package): there its absence is a failure, elsewhere a skip.
const verifyCase = analyzer || process.env.CI === 'true' ? it : it.skip;

describe('the systemd units', () => {
  verifyCase('as installed, pass systemd-analyze verify with no warning', () => {
    expect(analyzer, 'systemd-analyze is not installed').not.toBe('');
    const dir = etc('systemd/system');
    // A template is verified as the instances install.sh enables.
    const units = readdirSync(dir)
      .filter((f) => /\.(service|timer|target)$/.test(f))
      .flatMap((f) =>
        f.endsWith('@.service')
          ? readdirSync(etc('systemd/system/volspike.target.wants')).filter((w) =>
              w.startsWith(f.replace('.service', '')),
            )
          : [f],
      );
    expect(units).toContain('volspike-backend@3101.service');
    const r = spawnSync(analyzer, ['verify', ...units.map((u) => join(dir, u))], { encoding: 'utf8' });
    expect(r.stderr + r.stdout).toBe('');
    expect(r.status).toBe(0);
  });

  const services = readdirSync(SYSTEMD).filter(
    (f) => /^volspike-.*\.service$/.test(f) && f !== 'volspike-funding-health.service',
  );
  const apps = readdirSync(join(REPO_ROOT, 'apps')).filter(
    (a) => a !== 'stack' && existsSync(join(REPO_ROOT, 'apps', a, 'src', 'main.ts')),
  );

  it('cover every app with a standalone main, one unit each', () => {
    const ran = services.map(
      (s) => /^ExecStart=.*\/usr\/bin\/node dist\/(.+)\.mjs$/m.exec(readFileSync(join(SYSTEMD, s), 'utf8'))?.[1],
    );
    expect(ran.sort()).toEqual(apps.sort());
  });

  it.each(services)('%s runs as the service user, production, hardened, no pnpm, no watchdog', (s) => {
    const unit = readFileSync(join(SYSTEMD, s), 'utf8');
    for (const line of [
      'User=volspike',
      'Environment=NODE_ENV=production',
      'EnvironmentFile=/etc/volspike/volspike.env',
      `EnvironmentFile=-/etc/volspike/${s.replace(/@?\.service$/, '.env')}`,
      'NoNewPrivileges=true',
      'ProtectSystem=strict',
      'ProtectHome=true',
      'PrivateTmp=true',
      'UMask=0077',
      'PartOf=volspike.target',
      'WantedBy=volspike.target',
    ]) {
      expect(unit).toContain(`${line}\n`);
    }
    expect(unit).not.toMatch(/pnpm|WatchdogSec/);
  });

  it('restart binance-funding-api restarts the process that serves the funding API', () => {
    const alias = readFileSync(join(SYSTEMD, 'binance-funding-api.service'), 'utf8');
    expect(alias).toContain('Requires=volspike-funding.service\n');
    const dropIn = readFileSync(join(SYSTEMD, 'volspike-funding.service.d', 'legacy-name.conf'), 'utf8');
    expect(dropIn).toContain('PartOf=binance-funding-api.service\n');
    // …and that process is the funding app, which serves the API itself.
    expect(readFileSync(join(SYSTEMD, 'volspike-funding.service'), 'utf8')).toContain(
      'ExecStart=/usr/bin/node dist/funding.mjs\n',
    );
  });

  it('docker-compose runs the same bundles as production', () => {
    const compose = readFileSync(join(REPO_ROOT, 'docker-compose.yml'), 'utf8');
    expect(compose).toContain('NODE_ENV: production');
    for (const app of apps) expect(compose).toContain(`command: node dist/${app}.mjs`);
    expect(compose).not.toMatch(/--filter @volspike\/\S+ start/);
  });
});
