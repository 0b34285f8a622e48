import { readFile } from 'node:fs/promises';
import { writeJsonAtomic } from '@volspike/runtime';

/** The next getUpdates offset, in `<dataDir>/telegram-poller/offset.json` (atomic write). */
export class OffsetStore {
  constructor(private readonly file: string) {}

  async load(): Promise<number | null> {
    try {
      const v = (JSON.parse(await readFile(this.file, 'utf8')) as { offset?: unknown }).offset;
      return typeof v === 'number' && Number.isInteger(v) ? v : null;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  async save(offset: number): Promise<void> {
    await writeJsonAtomic(this.file, { offset, savedAt: new Date().toISOString() });
  }
}
