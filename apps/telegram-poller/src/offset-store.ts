import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

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
    await mkdir(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify({ offset, savedAt: new Date().toISOString() }));
    await rename(tmp, this.file);
  }
}
