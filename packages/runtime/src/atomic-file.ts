import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

/** State files hold keys, offsets and positions of other people's data: owner-only unless asked otherwise. */
export const DEFAULT_STATE_FILE_MODE = 0o600;

export interface AtomicWriteOptions {
  /** Permission bits of the file (default 0600). */
  mode?: number;
}

let seq = 0;
/** A temp name beside the target (same file system, so the rename is atomic), unique per call. */
function tempPath(path: string): string {
  seq = (seq + 1) % Number.MAX_SAFE_INTEGER;
  return `${path}.${process.pid}.${seq}.tmp`;
}

/**
 * Replaces `path` with `data` so that a crash at any moment leaves either the old or the new content, never
 * a torn file: write a temp file beside it, fsync it, rename it over `path`, fsync the directory (so the
 * rename itself survives a power cut). Creates the directory when missing. The one way every state file
 * (bus state, outbox journal compaction, volume state, universe copy, Telegram queue and offset) is written.
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  opts: AtomicWriteOptions = {},
): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const tmp = tempPath(path);
  try {
    const fh = await open(tmp, 'w', opts.mode ?? DEFAULT_STATE_FILE_MODE);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
  await syncDir(dir);
}

/** {@link writeFileAtomic} of `JSON.stringify(value)`. */
export function writeJsonAtomic(path: string, value: unknown, opts: AtomicWriteOptions = {}): Promise<void> {
  return writeFileAtomic(path, JSON.stringify(value), opts);
}

/** The synchronous form, for start-up paths that run before anything is asynchronous (secrets, lock files). */
export function writeFileAtomicSync(path: string, data: string | Uint8Array, opts: AtomicWriteOptions = {}): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const tmp = tempPath(path);
  try {
    const fd = openSync(tmp, 'w', opts.mode ?? DEFAULT_STATE_FILE_MODE);
    try {
      writeFileSync(fd, data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some file systems refuse to fsync a directory (EINVAL/EISDIR); the file itself is durable.
  }
}

async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r').catch(() => null);
  if (!fh) return;
  try {
    await fh.sync();
  } catch {
    // Some file systems refuse to fsync a directory (EINVAL/EISDIR); the file itself is durable.
  } finally {
    await fh.close();
  }
}

/**
 * A generated secret kept in a file (e.g. `<DATA_DIR>/jwt-secret`): read when present and non-empty,
 * otherwise 24 random bytes in hex are written (0600, atomically) and returned. Restarts keep the value;
 * the stack, the backend and the users CLI all read the same file this way.
 */
export function readOrCreateSecret(path: string): { value: string; created: boolean } {
  if (existsSync(path)) {
    const existing = readFileSync(path, 'utf8').trim();
    if (existing) return { value: existing, created: false };
  }
  const value = randomBytes(24).toString('hex');
  writeFileAtomicSync(path, `${value}\n`);
  return { value, created: true };
}
