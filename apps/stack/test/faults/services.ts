// Dedicated Postgres and Redis servers that a fault scenario may stop and start again on the same port,
// without touching the shared servers other test files use. Both are real servers (the binaries the
// machine already has); every one started here is also stopped when the test process exits.
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, waitFor } from '../helpers.js';

const run = promisify(execFile);

/** Where the Postgres 15 server binaries are (FAULTS_PG_BIN_DIR overrides the Debian location). */
export const PG_BIN_DIR = process.env.FAULTS_PG_BIN_DIR ?? '/usr/lib/postgresql/15/bin';

/** Why the dedicated Postgres cannot run here, or null when it can. */
export function postgresUnavailable(): string | null {
  for (const bin of ['initdb', 'pg_ctl', 'postgres']) {
    if (!existsSync(join(PG_BIN_DIR, bin))) return `${join(PG_BIN_DIR, bin)} not found (set FAULTS_PG_BIN_DIR)`;
  }
  if (isRoot() && !osUser('postgres')) return 'running as root and there is no "postgres" OS user to run initdb as';
  return null;
}

/** Why a dedicated Redis cannot run here, or null when it can. */
export function redisUnavailable(): string | null {
  const r = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? null : 'redis-server is not on PATH';
}

function isRoot(): boolean {
  return process.getuid?.() === 0;
}

function osUser(name: string): { uid: number; gid: number } | null {
  const uid = spawnSync('id', ['-u', name], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', name], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) return null;
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/** initdb and postgres refuse to run as root: as root, run them as the postgres OS user. */
function pgCommand(bin: string, args: string[]): [string, string[]] {
  const path = join(PG_BIN_DIR, bin);
  return isRoot() ? ['runuser', ['-u', 'postgres', '--', path, ...args]] : [path, args];
}

export interface DedicatedPostgres {
  port: number;
  /** `postgresql://postgres@127.0.0.1:<port>/postgres` */
  url: string;
  /** `pg_ctl stop -m fast`: every session is terminated, the port closes. */
  stop(): Promise<void>;
  /** Starts the same cluster again on the same port and waits until it accepts connections. */
  start(): Promise<void>;
  /** Stops the server (immediate) and removes its directory. Idempotent. */
  destroy(): Promise<void>;
}

/** initdb into a temp dir and start a Postgres of our own on a free port (trust auth, loopback only). */
export async function startDedicatedPostgres(): Promise<DedicatedPostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'faults-pg-'));
  const pgUser = isRoot() ? osUser('postgres') : null;
  if (pgUser) chownSync(dir, pgUser.uid, pgUser.gid);
  const data = join(dir, 'data');
  const port = await freePort();
  const ctl = async (args: string[]): Promise<void> => {
    const [cmd, argv] = pgCommand('pg_ctl', ['-D', data, ...args]);
    await run(cmd, argv, { timeout: 60_000 });
  };
  // fsync off: the test never crashes the machine, and a fast shutdown still checkpoints cleanly.
  const serverOpts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50`;
  const startServer = (): Promise<void> =>
    ctl(['-l', join(dir, 'server.log'), '-w', '-t', '60', '-o', serverOpts, 'start']);
  const [cmd, argv] = pgCommand('initdb', [
    '-D',
    data,
    '-A',
    'trust',
    '-U',
    'postgres',
    '--no-sync',
    '-E',
    'UTF8',
    '--locale=C',
  ]);
  let destroyed = false;
  const killNow = (): void => {
    const [c, a] = pgCommand('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
    spawnSync(c, a, { stdio: 'ignore', timeout: 20_000 });
  };
  // A crashed test process must not leave a postmaster behind.
  const onExit = (): void => {
    if (!destroyed) killNow();
  };
  process.once('exit', onExit);
  try {
    await run(cmd, argv, { timeout: 120_000 });
    await startServer();
  } catch (err) {
    destroyed = true;
    process.off('exit', onExit);
    killNow();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const url = `postgresql://postgres@127.0.0.1:${port}/postgres`;
  return {
    port,
    url,
    stop: () => ctl(['-m', 'fast', '-w', '-t', '60', 'stop']),
    async start() {
      await startServer();
      await waitFor('the dedicated Postgres to accept connections', () => tcpOpen(port), 30_000);
    },
    async destroy() {
      if (destroyed) return;
      destroyed = true;
      process.off('exit', onExit);
      killNow();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface DedicatedRedis {
  port: number;
  url: string;
  /** SIGKILL: no shutdown, the port closes; nothing is persisted (`--save '' --appendonly no`). */
  kill(): Promise<void>;
  /** Starts a new, empty server on the same port and waits until it answers PING. */
  start(): Promise<void>;
  /** Kills the server if it runs. Idempotent. */
  destroy(): Promise<void>;
}

/** `redis-server --port <free> --save '' --appendonly no` as a child process. */
export async function startDedicatedRedis(): Promise<DedicatedRedis> {
  const port = await freePort();
  let child: ChildProcess | null = null;
  const onExit = (): void => {
    child?.kill('SIGKILL');
  };
  process.once('exit', onExit);
  const launch = async (): Promise<void> => {
    const c = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'],
      { stdio: 'ignore' },
    );
    child = c;
    const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
    await Promise.race([
      waitFor('the dedicated Redis to answer PING', () => redisPing(port), 30_000),
      exited.then(() => {
        throw new Error(`redis-server on port ${port} exited at start`);
      }),
    ]);
  };
  const kill = async (): Promise<void> => {
    const c = child;
    child = null;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
    c.kill('SIGKILL');
    await exited;
  };
  await launch();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    kill,
    start: launch,
    async destroy() {
      process.off('exit', onExit);
      await kill();
    },
  };
}

function tcpOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ port, host: '127.0.0.1' });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

function redisPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ port, host: '127.0.0.1' });
    let reply = '';
    const done = (ok: boolean): void => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(1000, () => done(false));
    s.once('connect', () => s.write('PING\r\n'));
    s.on('data', (d: Buffer) => {
      reply += d.toString();
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
    s.once('error', () => done(false));
  });
}
