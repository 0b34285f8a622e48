// Fails the whole run with one clear line when the real Postgres or Redis used by the integration
// tests is unreachable, instead of a cascade of connection errors.
import { Socket } from 'node:net';

function reachable(url: string, fallbackPort: number): Promise<string | null> {
  const u = new URL(url);
  const host = u.hostname || '127.0.0.1';
  const port = Number(u.port || fallbackPort);
  return new Promise((resolve) => {
    const s = new Socket();
    const done = (err: string | null) => {
      s.destroy();
      resolve(err);
    };
    s.setTimeout(2000, () => done(`timeout connecting to ${host}:${port}`));
    s.once('error', (e) => done(`${e.message}`));
    s.connect(port, host, () => done(null));
  });
}

export default async function setup(): Promise<void> {
  process.env.TEST_DATABASE_URL ??= 'postgresql://postgres@127.0.0.1:5432/postgres';
  process.env.TEST_REDIS_URL ??= 'redis://127.0.0.1:6379';
  const pg = await reachable(process.env.TEST_DATABASE_URL, 5432);
  if (pg)
    throw new Error(
      `Postgres for tests is unreachable at TEST_DATABASE_URL (${pg}); start it or set TEST_DATABASE_URL`,
    );
  const redis = await reachable(process.env.TEST_REDIS_URL, 6379);
  if (redis)
    throw new Error(`Redis for tests is unreachable at TEST_REDIS_URL (${redis}); start it or set TEST_REDIS_URL`);
}
