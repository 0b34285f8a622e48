// Entry of the embedded Postgres child process started by startEmbeddedPostgresProcess (embedded-process.ts);
// bundled as dist/embedded-postgres.mjs. Options come as JSON in argv[2]; the URL goes back over IPC.
// `--init <dataDir>` is the throwaway initdb run (see initInOwnProcess).
// Output on stdout/stderr ends up in the parent's logger, so this file only writes there when something
// goes wrong.
import { spawn } from 'node:child_process';
import {
  embeddedDataDirInitialised,
  initEmbeddedDataDir,
  startEmbeddedPostgres,
  type EmbeddedPostgres,
} from './embedded.js';
import type { EmbeddedChildMessage, EmbeddedChildOptions, EmbeddedParentMessage } from './embedded-process.js';

function parseOptions(raw: string | undefined): EmbeddedChildOptions {
  const o = JSON.parse(raw ?? 'null') as Partial<EmbeddedChildOptions> | null;
  if (!o || typeof o.dataDir !== 'string' || typeof o.port !== 'number') {
    throw new Error(
      'usage: embedded-main \'{"dataDir":"/abs/dir","port":0}\' (started by startEmbeddedPostgresProcess)',
    );
  }
  return {
    dataDir: o.dataDir,
    port: o.port,
    ...(typeof o.maxConnections === 'number' ? { maxConnections: o.maxConnections } : {}),
  };
}

function send(m: EmbeddedChildMessage): Promise<void> {
  return new Promise((res) => {
    if (!process.send || !process.connected) return res();
    process.send(m, undefined, {}, () => res());
  });
}

let pg: EmbeddedPostgres | undefined;
let stopRequested = false;
let closing: Promise<void> | undefined;

/** Closes PGlite (flushing it and releasing the lock) and exits; deferred until a start in progress ends. */
function shutdown(): void {
  stopRequested = true;
  if (!pg || closing) return;
  const running = pg;
  closing = running.stop().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`embedded Postgres: close failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}

/**
 * initdb of a new data directory in a process of its own: its second PGlite instance would otherwise stay
 * resident here (≈ 150 MB) for as long as the database runs.
 */
function initInOwnProcess(dataDir: string): Promise<void> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, '--init', dataDir], {
      stdio: ['ignore', 'inherit', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-4000);
    });
    child.once('error', rej);
    child.once('close', (code, signal) => {
      if (code === 0) res();
      else rej(new Error(stderr.trim() || `initdb process exited (${signal ?? `code ${code}`})`));
    });
  });
}

async function runInit(dataDir: string | undefined): Promise<void> {
  try {
    if (!dataDir) throw new Error('usage: embedded-main --init <dataDir>');
    await initEmbeddedDataDir(dataDir);
    process.exit(0);
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}

async function runServer(): Promise<void> {
  if (!process.send) {
    process.stderr.write('embedded-main must be started with an IPC channel (startEmbeddedPostgresProcess)\n');
    process.exit(2);
  }
  process.on('message', (m: EmbeddedParentMessage) => {
    if (m?.type === 'stop') shutdown();
  });
  // The channel closes when the parent exits or is killed: close rather than keep the data directory locked.
  process.on('disconnect', shutdown);
  process.on('SIGTERM', shutdown);
  process.on('SIGHUP', shutdown);
  // Ctrl-C in a terminal reaches the whole process group. The parent decides when the database closes:
  // after its apps have written their last rows (it then sends 'stop', or dies and the channel closes).
  process.on('SIGINT', () => {});

  try {
    const opts = parseOptions(process.argv[2]);
    if (!embeddedDataDirInitialised(opts.dataDir)) await initInOwnProcess(opts.dataDir);
    if (stopRequested) process.exit(0);
    pg = await startEmbeddedPostgres(opts);
  } catch (err) {
    await send({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
    process.exit(1);
  }
  if (stopRequested) shutdown();
  else await send({ type: 'ready', url: pg.url, port: pg.port });
}

if (process.argv[2] === '--init') await runInit(process.argv[3]);
else await runServer();
