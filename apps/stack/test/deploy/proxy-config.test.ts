// The reverse proxy sends our routes to the new backends and everything else to the legacy backend. The
// committed nginx file must be exactly the generator's output (it cannot drift from ROUTES), its locations
// must route every ROUTES path to us and legacy-only paths to the legacy backend, and nginx itself must
// accept it and route real requests that way.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROUTES } from '@volspike/contracts';
import {
  COMMITTED_CADDYFILE,
  COMMITTED_NGINX_CONF,
  parseCaddyLocations,
  parseNginxLocations,
  renderCaddyfile,
  proxyLocations,
  renderNginxConfig,
  routeOf,
} from '../../src/proxy-config.js';
import { skipWhenMissing } from '../helpers.js';

const committed = readFileSync(COMMITTED_NGINX_CONF, 'utf8');
const locations = parseNginxLocations(committed);

/** A concrete request path for a route path (`:id` → a sample id). */
const concrete = (path: string): string => path.replace(/:[a-zA-Z]+/g, 'ck7x9z0abc');

const LEGACY_ONLY = [
  '/',
  '/api/auth/signin',
  '/api/auth/session',
  '/api/auth/callback/google',
  '/api/payments/checkout',
  '/api/payments/webhook',
  '/api/admin/users',
  '/api/users/me',
  '/api/watchlists',
  '/api/market/data',
  '/api/market/open-interest-history',
  '/api/volume-alerts/subscriptions/BTCUSDT/extra',
  '/api/user-alerts/abc/reactivate/now',
  '/healthz',
];

function nginxBinary(): string | null {
  const r = spawnSync('sh', ['-c', 'command -v nginx || ls /usr/sbin/nginx'], { encoding: 'utf8' });
  const path = r.stdout.trim().split('\n')[0];
  return r.status === 0 && path ? path : null;
}
const nginx = nginxBinary();
// CI installs nginx (.ci/run): there a missing binary is a failure, elsewhere the nginx cases skip.
const nginxCase = nginx || process.env.CI === 'true' ? it : it.skip;

describe('the committed nginx configuration', () => {
  it('is exactly what the generator writes from ROUTES (regenerate with `npm run proxy:config`)', () => {
    expect(committed).toBe(renderNginxConfig());
  });

  it('has one location per distinct route path plus Socket.IO and /debug, nothing else', () => {
    expect(locations.map((l) => l.regex)).toEqual(proxyLocations().map((l) => l.regex));
    expect(new Set(ROUTES.map((r) => r.path)).size + 2).toBe(locations.length);
  });

  it.each(ROUTES.map((r) => [r.method.toUpperCase(), r.path]))('%s %s goes to the new backends', (_m, path) => {
    const p = concrete(path);
    expect(routeOf(p, locations)).toBe('api');
    expect(routeOf(`${p}/`, locations)).toBe('api');
    expect(routeOf(`${p}?limit=5&symbol=BTCUSDT`, locations)).toBe('api');
  });

  it('sends Socket.IO (websocket and polling) to the sticky upstream and /debug to the backends', () => {
    expect(routeOf('/socket.io/?EIO=4&transport=polling', locations)).toBe('socketio');
    expect(routeOf('/socket.io/?EIO=4&transport=websocket&sid=abc', locations)).toBe('socketio');
    expect(routeOf('/debug', locations)).toBe('api');
    expect(routeOf('/debug/rate-limit', locations)).toBe('api');
  });

  it.each(LEGACY_ONLY)('%s stays with the legacy backend', (path) => {
    expect(routeOf(path, locations)).toBe('legacy');
  });

  it('keeps /metrics local to the host', () => {
    expect(locations.filter((l) => l.localOnly).map((l) => l.regex)).toEqual(['^/metrics/?$']);
  });

  it('terminates TLS when given a certificate and key', () => {
    const conf = renderNginxConfig({ listen: '443', tls: { cert: '/c/fullchain.pem', key: '/c/privkey.pem' } });
    expect(conf).toContain('  listen 443 ssl;\n');
    expect(conf).toContain('  ssl_certificate /c/fullchain.pem;\n  ssl_certificate_key /c/privkey.pem;\n');
    expect(renderNginxConfig()).not.toContain('ssl');
  });

  it('passes an https legacy backend its own Host and SNI name', () => {
    const conf = renderNginxConfig({ legacyUrl: 'https://api.legacy.example' });
    expect(conf).toContain('server api.legacy.example:443;');
    expect(conf).toContain('proxy_pass https://volspike_legacy;');
    expect(conf).toContain('proxy_set_header Host api.legacy.example;');
    expect(conf).toContain('proxy_ssl_name api.legacy.example;');
  });
});

describe('the committed Caddyfile (the same routing for Caddy 2)', () => {
  const caddyfile = readFileSync(COMMITTED_CADDYFILE, 'utf8');
  const caddyLocations = parseCaddyLocations(caddyfile);

  it('is exactly what the generator writes from ROUTES', () => {
    expect(caddyfile).toBe(renderCaddyfile());
  });

  it('routes every ROUTES path to the backends, Socket.IO to the sticky pool, the rest to legacy', () => {
    for (const r of ROUTES) {
      expect(routeOf(concrete(r.path), caddyLocations), r.path).toBe('api');
      expect(routeOf(`${concrete(r.path)}/`, caddyLocations), r.path).toBe('api');
    }
    expect(routeOf('/socket.io/?EIO=4&transport=polling', caddyLocations)).toBe('socketio');
    expect(routeOf('/debug/rate-limit', caddyLocations)).toBe('api');
    for (const p of LEGACY_ONLY) expect(routeOf(p, caddyLocations), p).toBe('legacy');
  });

  const caddy = spawnSync('sh', ['-c', 'command -v caddy'], { encoding: 'utf8' }).stdout.trim();
  it.skipIf(skipWhenMissing('caddy validate', caddy ? null : 'caddy is not installed'))(
    'is accepted by caddy validate (where Caddy is installed)',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'volspike-caddy-'));
      try {
        for (const [name, text] of [
          ['default', caddyfile],
          ['https-legacy', renderCaddyfile({ legacyUrl: 'https://api.legacy.example', listen: '8080' })],
        ] as const) {
          const file = join(dir, `${name}.Caddyfile`);
          writeFileSync(file, text);
          const r = spawnSync(caddy, ['validate', '--adapter', 'caddyfile', '--config', file], {
            encoding: 'utf8',
            env: { ...process.env, HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir },
          });
          expect(r.status, r.stderr).toBe(0);
          expect(r.stdout + r.stderr).toContain('Valid configuration');
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});

// --- nginx itself -------------------------------------------------------------------------------------

const scratch = mkdtempSync(join(tmpdir(), 'volspike-nginx-'));
const servers: Server[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  rmSync(scratch, { recursive: true, force: true });
});

function mainConf(include: string): string {
  return [
    'worker_processes 1;',
    `pid ${join(scratch, 'nginx.pid')};`,
    'events { worker_connections 64; }',
    'http {',
    `  access_log off; client_body_temp_path ${scratch}/body; proxy_temp_path ${scratch}/proxy;`,
    `  include ${include};`,
    '}',
    '',
  ].join('\n');
}

function nginxTest(conf: string): { status: number | null; output: string } {
  const main = join(scratch, 'nginx-test.conf');
  writeFileSync(join(scratch, 'volspike.conf'), conf);
  writeFileSync(main, mainConf(join(scratch, 'volspike.conf')));
  const r = spawnSync(nginx!, ['-t', '-q', '-e', 'stderr', '-p', scratch, '-c', main], { encoding: 'utf8' });
  return { status: r.status, output: r.stderr + r.stdout };
}

/** An HTTP server on port 0 that answers every request with its own name. */
async function namedServer(name: string): Promise<number> {
  const s = createServer((req, res) => res.end(JSON.stringify({ name, url: req.url })));
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return (s.address() as { port: number }).port;
}

async function freePort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

function get(port: number, path: string): Promise<{ status: number; name?: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => {
        let name: string | undefined;
        try {
          name = (JSON.parse(body) as { name?: string }).name;
        } catch {
          name = undefined;
        }
        resolve({ status: res.statusCode ?? 0, name });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

describe('nginx', () => {
  nginxCase('accepts the committed configuration and an https legacy variant (nginx -t)', () => {
    expect(nginx, 'nginx is not installed (CI installs nginx-light in .ci/run)').not.toBeNull();
    const r = nginxTest(committed);
    expect(r.output).toBe('');
    expect(r.status).toBe(0);
    expect(nginxTest(renderNginxConfig({ legacyUrl: 'https://127.0.0.1:4443' })).status).toBe(0);
    // …and the TLS variant, with a throwaway self-signed certificate.
    const [cert, key] = [join(scratch, 'cert.pem'), join(scratch, 'key.pem')];
    const ssl = spawnSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=volspike.test',
        '-keyout',
        key,
        '-out',
        cert,
      ],
      { encoding: 'utf8' },
    );
    expect(ssl.status, ssl.stderr).toBe(0);
    const tls = nginxTest(renderNginxConfig({ listen: '443', tls: { cert, key } }));
    expect(tls.output).toBe('');
    expect(tls.status).toBe(0);
  });

  nginxCase(
    'routes real requests: ours to the backends (both used), the rest to legacy',
    async () => {
      const [a, b, legacy] = await Promise.all([namedServer('A'), namedServer('B'), namedServer('legacy')]);
      let listen = 0;
      let proc: ReturnType<typeof spawn> | null = null;
      // Another process may take the free port between the probe and nginx's bind: try a few ports.
      for (let attempt = 0; attempt < 5 && !proc; attempt++) {
        listen = await freePort();
        const conf = renderNginxConfig({
          backends: [`127.0.0.1:${a}`, `127.0.0.1:${b}`],
          legacyUrl: `http://127.0.0.1:${legacy}`,
          listen: `127.0.0.1:${listen}`,
        });
        const main = join(scratch, 'nginx-run.conf');
        writeFileSync(join(scratch, 'run.conf'), conf);
        writeFileSync(main, mainConf(join(scratch, 'run.conf')));
        const p = spawn(nginx!, ['-e', 'stderr', '-p', scratch, '-c', main, '-g', 'daemon off;'], {
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        let up = false;
        for (let i = 0; i < 100 && p.exitCode === null && !up; i++) {
          up = await get(listen, '/health').then(
            () => true,
            () => false,
          );
          if (!up) await new Promise((r) => setTimeout(r, 100));
        }
        if (up) proc = p;
        else p.kill('SIGKILL');
      }
      expect(proc, 'nginx did not start').not.toBeNull();
      try {
        const seen = new Set<string>();
        for (const r of ROUTES) {
          const res = await get(listen, concrete(r.path));
          if (r.path === '/metrics') continue; // local-only: this request is local, so it passes too
          expect(['A', 'B'], `${r.path} → ${res.name ?? res.status}`).toContain(res.name);
          seen.add(res.name!);
        }
        expect([...seen].sort()).toEqual(['A', 'B']);
        for (const p of LEGACY_ONLY) expect((await get(listen, p)).name, p).toBe('legacy');
        expect(['A', 'B']).toContain((await get(listen, '/socket.io/?EIO=4&transport=polling')).name);
      } finally {
        proc!.kill('SIGTERM');
        await new Promise((r) => (proc!.exitCode !== null ? r(null) : proc!.once('exit', r)));
      }
    },
    60_000,
  );
});
