// `npm run proxy:config -- [--backend host:port ...] [--legacy URL] [--listen L] [--server-name N]
//   [--tls-cert FILE --tls-key FILE] [--caddy] [--out FILE | --stdout]`
// With no argument it rewrites both committed files, deploy/proxy/nginx.conf and deploy/proxy/Caddyfile.
// writes the nginx reverse-proxy configuration generated from the route table (default: the committed
// deploy/proxy/nginx.conf with the default options).
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  COMMITTED_CADDYFILE,
  COMMITTED_NGINX_CONF,
  DEFAULT_PROXY_OPTIONS,
  renderCaddyfile,
  renderNginxConfig,
} from './proxy-config.js';

function main(argv: string[]): number {
  const { values } = parseArgs({
    args: argv,
    options: {
      backend: { type: 'string', multiple: true },
      legacy: { type: 'string' },
      listen: { type: 'string' },
      'server-name': { type: 'string' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      out: { type: 'string' },
      stdout: { type: 'boolean' },
      caddy: { type: 'boolean' },
    },
  });
  if (Boolean(values['tls-cert']) !== Boolean(values['tls-key']))
    throw new Error('--tls-cert and --tls-key go together');
  const tls =
    values['tls-cert'] && values['tls-key'] ? { cert: values['tls-cert'], key: values['tls-key'] } : undefined;
  const opts = {
    ...(tls ? { tls } : {}),
    backends: values.backend ?? DEFAULT_PROXY_OPTIONS.backends,
    legacyUrl: values.legacy ?? DEFAULT_PROXY_OPTIONS.legacyUrl,
    listen: values.listen ?? DEFAULT_PROXY_OPTIONS.listen,
    serverName: values['server-name'] ?? DEFAULT_PROXY_OPTIONS.serverName,
  };
  // No arguments: refresh both committed files (what the drift tests compare).
  const outputs: [string, string][] =
    argv.length === 0
      ? [
          [COMMITTED_NGINX_CONF, renderNginxConfig(opts)],
          [COMMITTED_CADDYFILE, renderCaddyfile(opts)],
        ]
      : values.caddy
        ? [[values.out ?? COMMITTED_CADDYFILE, renderCaddyfile(opts)]]
        : [[values.out ?? COMMITTED_NGINX_CONF, renderNginxConfig(opts)]];
  for (const [out, text] of outputs) {
    if (values.stdout) {
      process.stdout.write(text);
      continue;
    }
    writeFileSync(out, text);
    process.stderr.write(`[proxy] wrote ${out}\n`);
  }
  return 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`[proxy] ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 2;
}
