// `npm run bench:ingest`: realtime-ingest throughput alone. Creates a fresh database `volspike_bench_ingest`
// on DATABASE_URL's server, migrates it, starts ONLY the backend (as apps/backend `start` does) in a child process —
// so the load generator and the server do not share an event loop — runs `runIngestLoad` against it,
// counts the stored rows and prints one JSON line. Reports, never judges: exit 0 unless the run broke.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPrismaClient, migrate, type PrismaClient } from '@volspike/db';
import { runIngestLoad } from './ingest-load.js';
import { cpuSec, freePort, postgresCpu, postgresCpuSince, round, sleep, waitUntil } from './lib.js';

const DB_NAME = 'volspike_bench_ingest';
const SYMBOL_PREFIX = 'BENCH';
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name];
  const v = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(v) || v < 1) throw new Error(`${name}: must be a positive integer (got "${raw}")`);
  return v;
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** DROP + CREATE on the server of `serverUrl` (its own database is only used for the connection). */
async function recreateDatabase(serverUrl: string, drop: boolean): Promise<void> {
  const admin = createPrismaClient(serverUrl, { maxConnections: 1 });
  try {
    await admin.$executeRawUnsafe(`DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)`);
    if (!drop) await admin.$executeRawUnsafe(`CREATE DATABASE ${DB_NAME}`);
  } finally {
    await admin.$disconnect();
  }
}

function startBackend(
  env: Record<string, string>,
  profileDir: string | undefined,
): { child: ChildProcess; exited: Promise<number | null> } {
  // What apps/backend `npm start` runs (the compiled bundle, rebuilt first when a source is newer), spawned
  // directly so that the pid we signal is the server's own. --cpu-prof is refused in NODE_OPTIONS, hence
  // BENCH_INGEST_PROFILE_DIR.
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs'), '--if-stale'], { stdio: 'inherit' });
  const prof = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const child = spawn(process.execPath, [...prof, join(ROOT, 'dist', 'backend.mjs')], {
    cwd: join(ROOT, 'apps', 'backend'),
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited };
}

async function stopBackend(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const done = await Promise.race([exited.then(() => true), sleep(15_000).then(() => false)]);
  if (!done) {
    child.kill('SIGKILL');
    await exited;
  }
}

interface MeasureInput {
  api: string;
  apiKey: string;
  pid: number | undefined;
  prisma: PrismaClient;
  clients: number;
  seconds: number;
  batchSize: number;
}

/** The load itself, the stored rows and where the CPU went meanwhile. */
async function measure({
  api,
  apiKey,
  pid,
  prisma,
  clients,
  seconds,
  batchSize,
}: MeasureInput): Promise<Record<string, unknown>> {
  const loadBefore = loadavg();
  const cpuBefore = {
    backend: cpuSec(pid),
    generator: process.cpuUsage(),
    pg: await postgresCpu(prisma, DB_NAME),
  };
  const load = await runIngestLoad({
    url: `${api}/api/market/open-interest/ingest`,
    apiKey,
    clients,
    seconds,
    batchSize,
    symbolPrefix: SYMBOL_PREFIX,
  });
  const backendCpu = cpuSec(pid);
  const generatorCpu = process.cpuUsage(cpuBefore.generator);
  const postgresSec = postgresCpuSince(cpuBefore.pg, await postgresCpu(prisma, DB_NAME));
  const rows = await prisma.openInterestSnapshot.count({
    where: { source: 'realtime', symbol: { startsWith: SYMBOL_PREFIX } },
  });
  const result = {
    samplesPerSec: Math.round(rows / load.seconds),
    rows,
    batches: load.batches,
    failedBatches: load.failedBatches,
    clients,
    batchSize,
    seconds: round(load.seconds, 1),
    loadavg: { before: loadBefore.map((v) => round(v)), after: loadavg().map((v) => round(v)) },
    // CPU seconds spent during the load by the backend process, its Postgres connections (local server only;
    // WAL writer, checkpointer and autovacuum not included) and this generator: where the time went.
    cpuSec: {
      backend: backendCpu !== null && cpuBefore.backend !== null ? round(backendCpu - cpuBefore.backend) : null,
      postgres: postgresSec !== null ? round(postgresSec) : null,
      generator: round((generatorCpu.user + generatorCpu.system) / 1e6),
    },
    ...(load.firstError ? { firstError: load.firstError } : {}),
  };
  return result;
}

async function main(): Promise<void> {
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) throw new Error('DATABASE_URL is required (a Postgres server; the bench creates its own database)');
  const seconds = positiveInt('BENCH_INGEST_SECONDS', 10);
  const clients = positiveInt('BENCH_INGEST_CLIENTS', 8);
  const batchSize = positiveInt('BENCH_INGEST_BATCH', 500);
  const dbUrl = withDatabase(serverUrl, DB_NAME);

  await recreateDatabase(serverUrl, false);
  await migrate(dbUrl);
  const dataDir = mkdtempSync(join(tmpdir(), 'volspike-bench-ingest-'));
  const port = await freePort();
  const apiKey = randomBytes(16).toString('hex');
  const { child, exited } = startBackend(
    {
      DATABASE_URL: dbUrl,
      PORT: String(port),
      HOST: '127.0.0.1',
      NODE_ENV: 'production',
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
      DATA_DIR: dataDir,
      ALERT_INGEST_API_KEY: apiKey,
      JWT_SECRET: randomBytes(32).toString('hex'),
      SOCKET_LEGACY_TOKEN_AUTH: 'false',
    },
    process.env.BENCH_INGEST_PROFILE_DIR || undefined,
  );
  const prisma = createPrismaClient(dbUrl, { maxConnections: 1 });
  try {
    const api = `http://127.0.0.1:${port}`;
    const up = await waitUntil(async () => {
      if (child.exitCode !== null) throw new Error('backend exited');
      return (await fetch(`${api}/health`, { signal: AbortSignal.timeout(2000) })).status > 0;
    }, 60_000);
    if (!up) throw new Error(`backend did not answer on ${api} within 60 s (exit code ${child.exitCode})`);
    if (child.exitCode !== null) throw new Error(`backend exited with code ${child.exitCode}`);

    const result = await measure({ api, apiKey, pid: child.pid, prisma, clients, seconds, batchSize });
    console.log(JSON.stringify(result));
  } finally {
    await prisma.$disconnect();
    await stopBackend(child, exited);
    rmSync(dataDir, { recursive: true, force: true });
    // BENCH_INGEST_KEEP_DB=1 leaves the loaded database for inspection (EXPLAIN of the read paths, sizes).
    if (process.env.BENCH_INGEST_KEEP_DB !== '1') await recreateDatabase(serverUrl, true);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:ingest: ${(err as Error).message ?? String(err)}\n`);
  process.exit(1);
});
