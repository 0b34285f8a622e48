import { runStandalone } from '@volspike/runtime';
import { loadAppEnv, start } from './index.js';

// Standalone process (what systemd runs): env parsed once, one shutdown path. The funding API itself
// serves /health and /metrics on FUNDING_API_PORT.
await runStandalone({
  name: 'funding',
  source: process.env,
  exit: (code) => process.exit(code),
  loadEnv: loadAppEnv,
  start,
  onStarted: (app, { logger }) =>
    logger.info({ port: app.port }, 'funding API listening (/funding, /health, /metrics)'),
});
