// The reverse proxy in front of the frontend's single API base URL: our routes (every path of ROUTES in
// @volspike/contracts, the Socket.IO path and our debug pages) go to the new backends, everything else
// (accounts, payments, admin…) to the legacy backend. The route list is derived from the contracts here,
// so the proxy cannot drift from what the backend serves; `npm run proxy:config` writes the nginx file and
// a test checks the committed one equals this output.
import { join } from 'node:path';
import { ROUTES, type RouteSpec } from '@volspike/contracts';
import { REPO_ROOT } from './launch.js';

/** The generated files the repository ships (default options). */
export const COMMITTED_NGINX_CONF = join(REPO_ROOT, 'deploy', 'proxy', 'nginx.conf');
export const COMMITTED_CADDYFILE = join(REPO_ROOT, 'deploy', 'proxy', 'Caddyfile');

export interface ProxyLocation {
  /** Anchored regular expression over the request path (the same text is valid in nginx/PCRE and JS). */
  regex: string;
  /** Where it goes: the backends' REST upstream or the sticky Socket.IO upstream. */
  upstream: 'api' | 'socketio';
  /** The route paths it covers, for the comment above the location. */
  covers: string[];
  /** Answered only for requests from this host (Prometheus scrapes it locally; the public gets 403). */
  localOnly?: boolean;
}

export interface ProxyOptions {
  /** host:port of each new backend (two or more for fan-out; the Socket.IO adapter is in Redis). */
  backends: string[];
  /** Base URL of the legacy backend (http or https). */
  legacyUrl: string;
  /** `listen` argument of the server block. */
  listen: string;
  serverName: string;
  /** Certificate and key files: the server block terminates TLS (`listen … ssl`). */
  tls?: { cert: string; key: string };
}

export const DEFAULT_PROXY_OPTIONS: ProxyOptions = {
  backends: ['127.0.0.1:3001', '127.0.0.1:3101'],
  legacyUrl: 'http://127.0.0.1:4001',
  listen: '80',
  serverName: '_',
};

/** Paths we serve that ROUTES does not list: Socket.IO (websocket and long-polling) and the debug pages. */
const EXTRA: ProxyLocation[] = [
  { regex: '^/socket\\.io/', upstream: 'socketio', covers: ['/socket.io/ (Socket.IO, websocket + polling)'] },
  { regex: '^/debug(?:/.*)?$', upstream: 'api', covers: ['/debug, /debug/* (DEBUG_ACCESS pages)'] },
];

/** `/api/user-alerts/:id` → `^/api/user-alerts/[^/]+/?$` (a trailing slash is accepted, as Express does). */
export function pathRegex(path: string): string {
  const body = path
    .split('/')
    .map((seg) => (seg.startsWith(':') ? '[^/]+' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return path === '/' ? '^/$' : `^${body}/?$`;
}

/** One location per distinct route path (methods share a path), in ROUTES order, then the extras. */
export function proxyLocations(routes: readonly RouteSpec[] = ROUTES): ProxyLocation[] {
  const byRegex = new Map<string, ProxyLocation>();
  for (const r of routes) {
    const regex = pathRegex(r.path);
    const loc: ProxyLocation = byRegex.get(regex) ?? { regex, upstream: 'api', covers: [] };
    if (r.path === '/metrics') loc.localOnly = true;
    const label = `${r.method.toUpperCase()} ${r.path}`;
    if (!loc.covers.includes(label)) loc.covers.push(label);
    byRegex.set(regex, loc);
  }
  return [...byRegex.values(), ...EXTRA];
}

/** Which side a request path goes to under `locations` (first match wins, as nginx regex locations do). */
export function routeOf(path: string, locations: readonly ProxyLocation[]): 'api' | 'socketio' | 'legacy' {
  const pathOnly = path.split('?')[0] ?? path;
  for (const l of locations) if (new RegExp(l.regex).test(pathOnly)) return l.upstream;
  return 'legacy';
}

function legacyTarget(legacyUrl: string): { server: string; scheme: string; host: string } {
  const u = new URL(legacyUrl);
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`legacy URL must be http(s): ${legacyUrl}`);
  const port = u.port || (u.protocol === 'https:' ? '443' : '80');
  return { server: `${u.hostname}:${port}`, scheme: u.protocol.slice(0, -1), host: u.host };
}

function upstreams(o: ProxyOptions, legacy: { server: string }): string[] {
  const servers = o.backends.map((b) => `  server ${b} max_fails=2 fail_timeout=5s;`);
  return [
    '# The new backends (REST): any of them answers any request.',
    'upstream volspike_api {',
    '  least_conn;',
    ...servers,
    '  keepalive 32;',
    '}',
    '',
    '# The same backends for Socket.IO: a long-polling session must keep reaching the backend that holds it,',
    '# so the client address picks the backend. Events reach every backend through the Redis adapter.',
    'upstream volspike_socketio {',
    '  hash $remote_addr consistent;',
    ...servers,
    '}',
    '',
    '# The legacy backend keeps every route that is not ours (accounts, payments, admin…).',
    'upstream volspike_legacy {',
    `  server ${legacy.server};`,
    '  keepalive 16;',
    '}',
    '',
    'map $http_upgrade $volspike_connection_upgrade {',
    '  default upgrade;',
    "  ''      '';",
    '}',
  ];
}

const FORWARDED = [
  '  proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
  '  proxy_set_header X-Forwarded-Proto $scheme;',
  '  proxy_set_header X-Real-IP $remote_addr;',
];
const indent = (lines: string[]): string[] => lines.map((l) => `  ${l}`);

function locationBlock(l: ProxyLocation): string[] {
  const comments = l.covers.map((c) => `  # ${c}`);
  const allow = l.localOnly ? 'allow 127.0.0.1; allow ::1; deny all; ' : '';
  if (l.upstream === 'api') return [...comments, `  location ~ ${l.regex} { ${allow}proxy_pass http://volspike_api; }`];
  return [
    ...comments,
    `  location ~ ${l.regex} {`,
    '    proxy_pass http://volspike_socketio;',
    '    proxy_set_header Host $host;',
    ...indent(FORWARDED),
    '    proxy_set_header Upgrade $http_upgrade;',
    '    proxy_set_header Connection $volspike_connection_upgrade;',
    '    proxy_read_timeout 120s;',
    '    proxy_buffering off;',
    '  }',
  ];
}

/** The nginx configuration (an `http {}`-level include: upstreams, a map and one server block). */
export function renderNginxConfig(options: Partial<ProxyOptions> = {}): string {
  const o = { ...DEFAULT_PROXY_OPTIONS, ...options };
  if (o.backends.length === 0) throw new Error('at least one backend is needed');
  const legacy = legacyTarget(o.legacyUrl);
  const legacyTls =
    legacy.scheme === 'https'
      ? ['    proxy_ssl_server_name on;', `    proxy_ssl_name ${legacy.host.split(':')[0]};`]
      : [];
  const lines = [
    '# Generated by `npm run proxy:config` from ROUTES in @volspike/contracts. Do not edit by hand: regenerate',
    '# (apps/stack/src/proxy-config.ts; a test fails when this file and the route table disagree).',
    `# Options: backends ${o.backends.join(' ')} · legacy ${o.legacyUrl} · listen ${o.listen}`,
    '# Install: /etc/nginx/conf.d/volspike.conf (inside http {}), then `nginx -t && systemctl reload nginx`.',
    '# The backends must count this proxy as one hop (TRUST_PROXY_HOPS=1 in /etc/volspike/volspike.env).',
    '',
    ...upstreams(o, legacy),
    '',
    'server {',
    `  listen ${o.listen}${o.tls ? ' ssl' : ''};`,
    `  server_name ${o.serverName};`,
    ...(o.tls ? [`  ssl_certificate ${o.tls.cert};`, `  ssl_certificate_key ${o.tls.key};`] : []),
    '  # Each backend route has its own, smaller limit; this is only the outer bound.',
    '  client_max_body_size 16m;',
    '  # Inherited by every location that sets no header of its own (the REST ones below).',
    '  proxy_http_version 1.1;',
    '  proxy_set_header Host $host;',
    ...FORWARDED,
    '  proxy_set_header Connection "";',
    '',
    ...proxyLocations().flatMap((l) => [...locationBlock(l), '']),
    '  # Everything else: the legacy backend.',
    '  location / {',
    `    proxy_pass ${legacy.scheme}://volspike_legacy;`,
    `    proxy_set_header Host ${legacy.scheme === 'https' ? legacy.host : '$host'};`,
    ...indent(FORWARDED),
    '    proxy_set_header Connection "";',
    ...legacyTls,
    '  }',
    '}',
    '',
  ];
  return lines.join('\n');
}

/** The `location ~ <regex>` patterns of a generated nginx file with the upstream each passes to. */
export function parseNginxLocations(conf: string): ProxyLocation[] {
  const out: ProxyLocation[] = [];
  const re = /location ~ (\S+) \{([^}]*)\}/g;
  for (let m = re.exec(conf); m; m = re.exec(conf)) {
    const pass = /proxy_pass https?:\/\/(\w+);/.exec(m[2] ?? '')?.[1];
    if (pass !== 'volspike_api' && pass !== 'volspike_socketio') {
      throw new Error(`location ${m[1] ?? ''} passes to ${pass ?? 'nothing'}`);
    }
    const localOnly = /\bdeny all;/.test(m[2] ?? '');
    out.push({ regex: m[1] ?? '', upstream: pass === 'volspike_api' ? 'api' : 'socketio', covers: [], localOnly });
  }
  return out;
}

/** `^/a/?$`, `^/b/[^/]+/?$` → `^(?:/a/?|/b/[^/]+/?)$`: one expression for a set of anchored ones. */
function anyOf(regexes: string[]): string {
  return `^(?:${regexes.map((r) => r.replace(/^\^/, '').replace(/\$$/, '')).join('|')})$`;
}

/**
 * The same routing as a Caddyfile (Caddy 2): one `route` whose first matching `reverse_proxy` answers.
 * The site address is `:<listen>` (plain HTTP, TLS in front) unless a server name is given (automatic HTTPS).
 */
export function renderCaddyfile(options: Partial<ProxyOptions> = {}): string {
  const o = { ...DEFAULT_PROXY_OPTIONS, ...options };
  if (o.backends.length === 0) throw new Error('at least one backend is needed');
  const locs = proxyLocations();
  const api = anyOf(locs.filter((l) => l.upstream === 'api').map((l) => l.regex));
  const socket = locs.filter((l) => l.upstream === 'socketio').map((l) => l.regex);
  const local = locs.filter((l) => l.localOnly).map((l) => l.regex);
  const legacy = new URL(o.legacyUrl);
  const backends = o.backends.join(' ');
  const site = o.serverName === '_' ? `:${o.listen}` : o.serverName;
  return [
    '# Generated by `npm run proxy:config -- --caddy` from ROUTES in @volspike/contracts. Do not edit by hand:',
    '# regenerate (apps/stack/src/proxy-config.ts; a test fails when this file and the route table disagree).',
    `# Options: backends ${backends} · legacy ${o.legacyUrl} · site ${site}`,
    '# The backends must count this proxy as one hop (TRUST_PROXY_HOPS=1 in /etc/volspike/volspike.env).',
    `${site} {`,
    '\t# Our routes: every path of ROUTES (a trailing slash accepted) and /debug.',
    `\t@volspike_api path_regexp ${api}`,
    '\t# Socket.IO (websocket and long-polling).',
    `\t@volspike_socketio path_regexp ${anyOf(socket.map((r) => `${r}.*$`))}`,
    '\t# Answered only for this host (Prometheus scrapes it locally).',
    '\t@volspike_public_local_only {',
    `\t\tpath_regexp ${anyOf(local)}`,
    '\t\tnot remote_ip 127.0.0.1 ::1',
    '\t}',
    '',
    '\troute {',
    '\t\trespond @volspike_public_local_only 403',
    '\t\t# A long-polling session must keep reaching the backend that holds it: the client address picks it.',
    `\t\treverse_proxy @volspike_socketio ${backends} {`,
    '\t\t\tlb_policy ip_hash',
    '\t\t}',
    `\t\treverse_proxy @volspike_api ${backends} {`,
    '\t\t\tlb_policy least_conn',
    '\t\t}',
    '\t\t# Everything else: the legacy backend.',
    `\t\treverse_proxy ${legacy.protocol}//${legacy.host}${legacy.protocol === 'https:' ? ' {\n\t\t\theader_up Host {upstream_hostport}\n\t\t}' : ''}`,
    '\t}',
    '}',
    '',
  ].join('\n');
}

/** The locations of a generated Caddyfile (its `@volspike_*` path expressions), for routeOf. */
export function parseCaddyLocations(caddyfile: string): ProxyLocation[] {
  const re = (name: string): string => {
    const m = new RegExp(`^\\t@${name} path_regexp (\\S+)$`, 'm').exec(caddyfile);
    if (!m) throw new Error(`no @${name} matcher`);
    return m[1]!;
  };
  return [
    { regex: re('volspike_socketio'), upstream: 'socketio', covers: [] },
    { regex: re('volspike_api'), upstream: 'api', covers: [] },
  ];
}
