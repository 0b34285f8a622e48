import { runStandalone } from '@volspike/runtime';
import { loadAppEnv, start } from './index.js';

// Standalone process (what systemd runs): env parsed once, one shutdown path, /health + /metrics on
// TELEGRAM_POLLER_STATUS_PORT. A missing or revoked Telegram session stops the start with one clear line.
await runStandalone({
  name: 'telegram-poller',
  source: process.env,
  exit: (code) => process.exit(code),
  loadEnv: loadAppEnv,
  start,
  statusServer: (env) => ({ port: env.TELEGRAM_POLLER_STATUS_PORT, host: env.TELEGRAM_POLLER_STATUS_HOST }),
});
