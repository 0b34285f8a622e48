// `npm run proxy:config -- [--backend host:port ...] [--legacy URL] [--listen L] [--server-name N]
//   [--tls-cert FILE --tls-key FILE] [--out FILE | --stdout]`
// writes the nginx reverse-proxy configuration generated from the route table (default: the committed
// deploy/proxy/nginx.conf with the default options).
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { COMMITTED_NGINX_CONF, DEFAULT_PROXY_OPTIONS, renderNginxConfig } from './proxy-config.js';

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
    },
  });
  if (Boolean(values['tls-cert']) !== Boolean(values['tls-key']))
    throw new Error('--tls-cert and --tls-key go together');
  const tls =
    values['tls-cert'] && values['tls-key'] ? { cert: values['tls-cert'], key: values['tls-key'] } : undefined;
  const conf = renderNginxConfig({
    ...(tls ? { tls } : {}),
    backends: values.backend ?? DEFAULT_PROXY_OPTIONS.backends,
    legacyUrl: values.legacy ?? DEFAULT_PROXY_OPTIONS.legacyUrl,
    listen: values.listen ?? DEFAULT_PROXY_OPTIONS.listen,
    serverName: values['server-name'] ?? DEFAULT_PROXY_OPTIONS.serverName,
  });
  if (values.stdout) {
    process.stdout.write(conf);
    return 0;
  }
  const out = values.out ?? COMMITTED_NGINX_CONF;
  writeFileSync(out, conf);
  process.stderr.write(`[proxy] wrote ${out}\n`);
  return 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`[proxy] ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 2;
}
