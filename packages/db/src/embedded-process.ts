import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EmbeddedPostgres, EmbeddedPostgresOptions } from './embedded.js';
import { registerEmbeddedUrl, unregisterEmbeddedUrl } from './embedded-registry.js';
import { DbError } from './errors.js';
import type { DbLogger } from './logger.js';

// Set by scripts/build.mjs in the esbuild bundles (the absolute dist/ directory); undefined under tsx/vitest.
declare const __VOLSPIKE_DIST__: string | undefined;

export interface EmbeddedPostgresProcessOptions extends EmbeddedPostgresOptions {
  /** Receives the child's stderr/stdout lines and lifecycle events (`childPid`: pino's own `pid` is ours). */
  logger?: DbLogger;
  /** Bound on the child reporting its URL (default 120 s: initdb of a new directory is slow on a busy box). */
  startTimeoutMs?: number;
  /** Bound on a clean close (PGlite flushing) before the child is SIGKILLed (default 30 s). */
  stopTimeoutMs?: number;
  /**
   * Called once when the child exits without being asked to (crash, OOM killer): the database is gone, so
   * the owner should stop rather than answer every request with an error.
   */
  onUnexpectedExit?: (info: { code: number | null; signal: NodeJS.Signals | null }) => void;
}

export interface EmbeddedPostgresProcess extends EmbeddedPostgres {
  /** pid of the child process running PGlite (it also holds the data-directory lock). */
  pid: number;
}

/** Options the parent hands to embedded-main.ts (JSON in argv[2]). */
export interface EmbeddedChildOptions {
  dataDir: string;
  port: number;
  maxConnections?: number;
}

/** IPC messages between the parent and embedded-main.ts. */
export type EmbeddedChildMessage = { type: 'ready'; url: string; port: number } | { type: 'failed'; message: string };
export type EmbeddedParentMessage = { type: 'stop' };

const DEFAULT_START_TIMEOUT_MS = 120_000;
const DEFAULT_STOP_TIMEOUT_MS = 30_000;
/** Lines of the child's output kept to explain a child that died before reporting. */
const OUTPUT_TAIL_LINES = 20;

const silentLogger: DbLogger = { info: () => {}, warn: () => {}, error: () => {} };

/**
 * Runs startEmbeddedPostgres in a child process and returns the same handle (plus the child's pid).
 * PGlite's WebAssembly heap never shrinks, so keeping it out of the caller's process keeps that process
 * small and lets the database's memory be measured on its own. The child closes PGlite cleanly when
 * `stop()` asks, on SIGTERM, and when this process dies (its IPC channel closes), so a SIGKILLed parent
 * leaves no orphan holding the data-directory lock.
 */
export async function startEmbeddedPostgresProcess(
  opts: EmbeddedPostgresProcessOptions,
): Promise<EmbeddedPostgresProcess> {
  const logger = opts.logger ?? silentLogger;
  const dataDir = resolve(opts.dataDir); // the child runs in another cwd
  const childOpts: EmbeddedChildOptions = {
    dataDir,
    port: opts.port ?? 0,
    ...(opts.maxConnections === undefined ? {} : { maxConnections: opts.maxConnections }),
  };
  const { args, cwd } = childCommand();
  const child = spawn(process.execPath, [...args, JSON.stringify(childOpts)], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const tail = forwardOutput(child, logger);

  // 'close' comes after 'exit' once stdout/stderr are drained, so the tail is complete.
  let exitedFlag = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => {
    child.once('close', (code, signal) => {
      exitedFlag = true;
      res({ code, signal });
    });
  });
  const spawnFailed = new Promise<Error>((res) => child.once('error', res));

  let ready: { url: string; port: number };
  try {
    ready = await awaitReady(child, exited, spawnFailed, opts.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS, tail);
  } catch (err) {
    await terminate(child, exited, () => exitedFlag, opts.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS, logger);
    const reason = err instanceof Error ? err.message : String(err);
    throw new DbError('EMBEDDED_START_FAILED', reason, { cause: err });
  }

  const { url, port } = ready;
  const pid = child.pid!;
  registerEmbeddedUrl(url);
  let stopping: Promise<void> | undefined;
  void exited.then(({ code, signal }) => {
    if (stopping) return;
    unregisterEmbeddedUrl(url);
    logger.error(
      { component: 'embedded-postgres', childPid: pid, code, signal },
      'embedded Postgres process exited unexpectedly',
    );
    opts.onUnexpectedExit?.({ code, signal });
  });
  logger.info({ component: 'embedded-postgres', childPid: pid, port, dataDir }, 'embedded Postgres process ready');
  return {
    url,
    port,
    pid,
    stop() {
      stopping ??= (async () => {
        unregisterEmbeddedUrl(url);
        await terminate(child, exited, () => exitedFlag, opts.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS, logger);
      })();
      return stopping;
    },
  };
}

/**
 * Forwards the child's stdout (info) and stderr (warn) to the logger line by line; returns the last lines of
 * output, which explain a child that dies before it reports ready.
 */
function forwardOutput(child: ChildProcess, logger: DbLogger): () => string {
  const tail: string[] = [];
  const emit = (line: string, level: 'info' | 'warn') => {
    if (!line.trim()) return;
    tail.push(line);
    if (tail.length > OUTPUT_TAIL_LINES) tail.shift();
    logger[level]({ component: 'embedded-postgres', childPid: child.pid, line }, 'embedded Postgres output');
  };
  const forward = (stream: NodeJS.ReadableStream | null, level: 'info' | 'warn') => {
    let partial = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) emit(line, level);
    });
    stream?.on('end', () => {
      if (partial) emit(partial, level);
      partial = '';
    });
  };
  forward(child.stdout, 'info');
  forward(child.stderr, 'warn');
  return () => tail.join('\n');
}

/** `node <dist>/embedded-postgres.mjs` from the bundles, else embedded-main.ts through tsx from the repo root. */
function childCommand(): { args: string[]; cwd: string | undefined } {
  if (typeof __VOLSPIKE_DIST__ === 'string') {
    return { args: [join(__VOLSPIKE_DIST__, 'embedded-postgres.mjs')], cwd: undefined };
  }
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  return { args: ['--import', 'tsx', join(root, 'packages', 'db', 'src', 'embedded-main.ts')], cwd: root };
}

async function awaitReady(
  child: ChildProcess,
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>,
  spawnFailed: Promise<Error>,
  timeoutMs: number,
  outputTail: () => string,
): Promise<{ url: string; port: number }> {
  let onMessage: ((m: EmbeddedChildMessage) => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    // The first of these to settle wins: a report, the child's death, a spawn error, or the bound.
    return await new Promise<{ url: string; port: number }>((res, rej) => {
      onMessage = (m) => {
        if (m?.type === 'ready') res({ url: m.url, port: m.port });
        else if (m?.type === 'failed') rej(new Error(m.message));
      };
      child.on('message', onMessage);
      timer = setTimeout(
        () => rej(new Error(`Embedded Postgres process did not report ready within ${Math.round(timeoutMs / 1000)} s`)),
        timeoutMs,
      );
      void exited.then(({ code, signal }) => {
        const out = outputTail();
        const how = signal ?? `code ${code}`;
        rej(new Error(`Embedded Postgres process exited (${how}) before it was ready` + (out ? `: ${out}` : '')));
      });
      void spawnFailed.then((err) => rej(new Error(`Could not spawn the embedded Postgres process: ${err.message}`)));
    });
  } finally {
    clearTimeout(timer);
    if (onMessage) child.off('message', onMessage);
  }
}

/** Asks the child to close PGlite (IPC, or SIGTERM without a channel), then SIGKILLs it after the bound. */
async function terminate(
  child: ChildProcess,
  exited: Promise<unknown>,
  hasExited: () => boolean,
  timeoutMs: number,
  logger: DbLogger,
): Promise<void> {
  if (hasExited() || child.pid === undefined) return;
  if (child.connected) {
    const stop: EmbeddedParentMessage = { type: 'stop' };
    child.send(stop, (err) => {
      if (err) child.kill('SIGTERM');
    });
  } else {
    child.kill('SIGTERM');
  }
  let timer: NodeJS.Timeout | undefined;
  const closed = await Promise.race([
    exited.then(() => true),
    new Promise<boolean>((res) => (timer = setTimeout(() => res(false), timeoutMs))),
  ]);
  clearTimeout(timer);
  if (!closed) {
    logger.warn(
      { component: 'embedded-postgres', childPid: child.pid, timeoutMs },
      'embedded Postgres did not close in time; killing it',
    );
    child.kill('SIGKILL');
    await exited;
  }
}
