// A fresh database per scheduler run on DATABASE_URL's server, so that the second run's warm start does not
// read the first run's samples (whose sim had other moves: they would make baselines the new sim never had).
import { createPrismaClient } from '@volspike/db';

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** DROP (if it exists) and CREATE `<database of url>_<suffix>`; resolves to its URL. */
export async function freshDatabase(url: string, suffix: string): Promise<string> {
  const name = `${decodeURIComponent(new URL(url).pathname.slice(1)) || 'volspike_bench'}_${suffix}`;
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`DATABASE_URL: "${name}" is not a plain database name`);
  const admin = createPrismaClient(withDatabase(url, 'postgres'), { maxConnections: 1 });
  try {
    await admin.$executeRawUnsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.$executeRawUnsafe(`CREATE DATABASE ${name}`);
  } finally {
    await admin.$disconnect();
  }
  return withDatabase(url, name);
}

export async function dropDatabase(url: string): Promise<void> {
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  const admin = createPrismaClient(withDatabase(url, 'postgres'), { maxConnections: 1 });
  try {
    await admin.$executeRawUnsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await admin.$disconnect();
  }
}
