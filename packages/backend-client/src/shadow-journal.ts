import { VolspikeError } from '@volspike/errors';
import { chmod, mkdir, open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';

/** Who a would-be delivery was for. */
export type ShadowTarget = 'backend' | 'backend-dev' | 'telegram';

/** One line of a SHADOW journal (format fixed in docs/shadow-and-compare.md; `v` bumps on a change). */
export interface ShadowEntry {
  v: 1;
  at: string;
  app: string;
  target: ShadowTarget;
  /** A ROUTES name (backend) or the Telegram method. */
  route: string;
  method: string;
  /** Path without base URL, query or secret (a Telegram bot token never appears). */
  path: string;
  body: unknown;
}

export type ShadowRecord = Omit<ShadowEntry, 'v' | 'at' | 'app'>;

/** Where would-be deliveries go in shadow mode; the backend client and the Telegram senders write here. */
export interface ShadowSink {
  record(entry: ShadowRecord): Promise<void>;
  /** Human description for the start-up log line (the directory and file pattern). */
  readonly where: string;
}

export class ShadowJournalError extends VolspikeError<'SHADOW_JOURNAL_WRITE'> {
  constructor(message: string, cause: unknown) {
    super('SHADOW_JOURNAL_WRITE', message, { cause });
  }
}

/** `<dir>/<app>-<YYYY-MM-DD>.jsonl` for the UTC day of `at`. */
export function shadowFileName(dir: string, app: string, at: number): string {
  return join(dir, `${app}-${new Date(at).toISOString().slice(0, 10)}.jsonl`);
}

/**
 * The one writer of SHADOW journals: JSON Lines, one object per would-be delivery, in daily files
 * (UTC) created with mode 0600 in a 0700 directory. Appends are serialised, and each resolves only after
 * the line is written and fdatasync'd, so a recorded delivery survives a crash like a queued one would;
 * the shadow load is a few lines a minute per app, so per-line sync costs nothing that matters.
 */
export class ShadowJournal implements ShadowSink {
  private chain: Promise<void> = Promise.resolve();
  private file: { path: string; handle: FileHandle } | null = null;
  private closed = false;

  constructor(
    private readonly opts: {
      dir: string;
      app: string;
      now?: () => number;
    },
  ) {}

  get where(): string {
    return join(this.opts.dir, `${this.opts.app}-<YYYY-MM-DD>.jsonl`);
  }

  record(entry: ShadowRecord): Promise<void> {
    const at = (this.opts.now ?? Date.now)();
    const line: ShadowEntry = {
      v: 1,
      at: new Date(at).toISOString(),
      app: this.opts.app,
      target: entry.target,
      route: entry.route,
      method: entry.method,
      path: entry.path,
      body: entry.body,
    };
    const text = `${JSON.stringify(line)}\n`;
    const run = this.chain.then(() => this.append(shadowFileName(this.opts.dir, this.opts.app, at), text));
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Waits for pending appends and closes the file. */
  async close(): Promise<void> {
    this.closed = true;
    await this.chain;
    await this.file?.handle.close();
    this.file = null;
  }

  private async append(path: string, text: string): Promise<void> {
    if (this.closed) throw new ShadowJournalError(`shadow journal ${this.opts.app} is closed`, null);
    try {
      if (this.file?.path !== path) {
        await this.file?.handle.close();
        this.file = null;
        await mkdir(this.opts.dir, { recursive: true, mode: 0o700 });
        const handle = await open(path, 'a', 0o600);
        // an existing file keeps its mode on open; make sure it is private
        await chmod(path, 0o600);
        this.file = { path, handle };
      }
      await this.file.handle.write(text);
      await this.file.handle.datasync();
    } catch (err) {
      throw new ShadowJournalError(`could not append to shadow journal ${path}: ${(err as Error).message}`, err);
    }
  }
}

/** One journal line → its entry, or null for a blank, torn or foreign line (readers skip those). */
export function parseShadowLine(line: string): ShadowEntry | null {
  if (line.trim() === '') return null;
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return null;
  }
  const e = v as Partial<ShadowEntry> | null;
  if (
    !e ||
    e.v !== 1 ||
    typeof e.at !== 'string' ||
    typeof e.app !== 'string' ||
    typeof e.route !== 'string' ||
    typeof e.target !== 'string'
  )
    return null;
  return e as ShadowEntry;
}
