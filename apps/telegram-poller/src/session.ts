import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { VolspikeError } from '@volspike/errors';
import { writeFileAtomic } from '@volspike/runtime';
import type { Env } from './env.js';

export class SessionError extends VolspikeError<'TELEGRAM_NO_SESSION' | 'TELEGRAM_SESSION_EXISTS'> {}

/** TELEGRAM_SESSION_FILE, default `<DATA_DIR>/telegram-poller/session`. */
export function sessionFilePath(env: Pick<Env, 'TELEGRAM_SESSION_FILE' | 'DATA_DIR'>): string {
  return resolve(env.TELEGRAM_SESSION_FILE ?? join(env.DATA_DIR, 'telegram-poller', 'session'));
}

export interface LoadedSession {
  session: string;
  /** `TELEGRAM_SESSION` or the file's path (for the start-up log; never the session itself). */
  from: string;
  /** The file can be read by group or others (it should be 0600). */
  looseMode: boolean;
}

/** The session string: TELEGRAM_SESSION wins, else the session file. Missing → a SessionError saying how to create one. */
export async function loadSession(
  env: Pick<Env, 'TELEGRAM_SESSION' | 'TELEGRAM_SESSION_FILE' | 'DATA_DIR'>,
): Promise<LoadedSession> {
  if (env.TELEGRAM_SESSION !== undefined)
    return { session: env.TELEGRAM_SESSION, from: 'TELEGRAM_SESSION', looseMode: false };
  const file = sessionFilePath(env);
  let text: string;
  try {
    text = (await readFile(file, 'utf8')).trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    text = '';
  }
  if (!text)
    throw new SessionError(
      'TELEGRAM_NO_SESSION',
      `no Telegram session at ${file}: run \`npm run telegram -- login\` once as the service user (see apps/telegram-poller/README.md)`,
    );
  const mode = (await stat(file)).mode & 0o777;
  return { session: text, from: file, looseMode: (mode & 0o077) !== 0 };
}

/** Writes the session file atomically with mode 0600 (readable by the service user only). */
export async function saveSession(file: string, session: string): Promise<void> {
  await writeFileAtomic(file, `${session}\n`, { mode: 0o600 });
}
