import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fchmodSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { mkdir, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** State files hold keys, offsets and positions: owner-only unless a caller asks otherwise. */
export const DEFAULT_STATE_FILE_MODE = 0o600;

export interface WriteFileAtomicOptions {
  /** File mode of the result, applied exactly (not reduced by the umask). Default 0o600. */
  mode?: number;
}

/** A temp name in the same directory (same file system, so the rename is atomic), unique per call. */
function tempPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/**
 * Replaces `path` with `data` so that a reader (or a crash at any moment) sees either the old complete
 * file or the new complete file, never a partial one: the data goes to a temporary file in the same
 * directory, which is fsynced, given `mode`, and renamed over `path`; then the directory is fsynced so the
 * rename itself survives a power loss. A failure removes the temporary file and leaves `path` untouched.
 * Missing parent directories are created (mode 0700). The one way every state file is written (bus state,
 * outbox journal compaction, volume state, universe copy, Telegram queue and offset, funding legacy file).
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  opts: WriteFileAtomicOptions = {},
): Promise<void> {
  const mode = opts.mode ?? DEFAULT_STATE_FILE_MODE;
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = tempPath(path);
  const fh = await open(tmp, 'wx', mode);
  try {
    await fh.writeFile(data);
    await fh.chmod(mode);
    await fh.sync();
  } catch (err) {
    await fh.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  await fh.close();
  try {
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  await syncDir(dir);
}

/** {@link writeFileAtomic} of `JSON.stringify(value)`. */
export function writeJsonAtomic(path: string, value: unknown, opts: WriteFileAtomicOptions = {}): Promise<void> {
  return writeFileAtomic(path, JSON.stringify(value), opts);
}

/** The synchronous form, for start-up paths that run before anything is asynchronous (secrets, lock files). */
export function writeFileAtomicSync(path: string, data: string | Uint8Array, opts: WriteFileAtomicOptions = {}): void {
  const mode = opts.mode ?? DEFAULT_STATE_FILE_MODE;
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tmp = tempPath(path);
  try {
    const fd = openSync(tmp, 'wx', mode);
    try {
      writeFileSync(fd, data);
      fchmodSync(fd, mode);
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
    // Some file systems refuse fsync on a directory; the rename is still atomic for readers.
  }
}

async function syncDir(dir: string): Promise<void> {
  let fh;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch {
    // Some file systems refuse fsync on a directory; the rename is still atomic for readers.
  } finally {
    await fh?.close().catch(() => undefined);
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
