import type { Logger } from '@volspike/runtime';
import { ShadowJournal } from './shadow-journal.js';

/**
 * The shadow sink of an app from its env (`SHADOW`, `SHADOW_DIR`), or null when shadow mode is off. Logs
 * once, at start, that the app delivers nothing and where it records.
 */
export function openShadowJournal(opts: {
  enabled: boolean;
  dir: string;
  app: string;
  logger: Logger;
  now?: () => number;
}): ShadowJournal | null {
  if (!opts.enabled) return null;
  const journal = new ShadowJournal({ dir: opts.dir, app: opts.app, ...(opts.now ? { now: opts.now } : {}) });
  opts.logger.warn(
    { shadow: true, journal: journal.where },
    `SHADOW mode: ${opts.app} delivers nothing to the backend, users or Telegram; would-be deliveries are recorded in ${journal.where}`,
  );
  return journal;
}
