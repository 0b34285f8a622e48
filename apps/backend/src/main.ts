// Standalone backend process (what systemd runs): the start-up path every app shares (runStandalone: env
// parsed once, root logger, lifecycle and signals, bus), plus the database the backend needs — DATABASE_URL,
// or an embedded Postgres under DATA_DIR/pg — which the lifecycle stops after the backend.
import { join } from 'node:path';
import { resolveDatabase } from '@volspike/db';
import { runStandalone } from '@volspike/runtime';
import { loadAppEnv, start } from './index.js';

await runStandalone({
  name: 'backend',
  source: process.env,
  exit: (code) => process.exit(code),
  loadEnv: loadAppEnv,
  start: async (env, deps) => {
    const db = await resolveDatabase({
      databaseUrl: env.DATABASE_URL,
      dataDir: join(deps.dataDir, 'pg'),
      logger: deps.logger,
    });
    deps.lifecycle.add('database', () => db.stop());
    return start({ ...env, DATABASE_URL: db.url }, deps);
  },
});
