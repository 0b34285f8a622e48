import { mkdir, readFile, rename, writeFile, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { HOUR_MS } from '@volspike/oi-core';
import type { VolumeSymbolState } from '@volspike/oi-core';
import type { Logger } from '@volspike/runtime';

export interface VolumeState {
  /** boundary (epoch ms) of the last cycle that completed its scan */
  lastCycleAt: number | null;
  /** legacy lastAlert / initialMinute per symbol */
  symbols: Record<string, VolumeSymbolState>;
}

export class StateFileError extends Error {
  readonly code = 'VOLUME_STATE_WRITE';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StateFileError';
  }
}

/**
 * The legacy in-memory `lastAlert` / `initialMinute` maps, persisted (defect §6.4): a restart in the middle
 * of an hour neither re-sends the SPIKE nor loses the pending HALF/FULL updates. JSON file written
 * atomically (temp file, fsync, rename). `path: null` keeps it in memory (replay).
 */
export class VolumeStateStore {
  private state: VolumeState = { lastCycleAt: null, symbols: {} };

  constructor(private readonly opts: { path: string | null; logger: Logger }) {}

  async load(): Promise<VolumeState> {
    if (!this.opts.path) return this.state;
    try {
      const parsed = JSON.parse(await readFile(this.opts.path, 'utf8')) as Partial<VolumeState>;
      this.state = {
        lastCycleAt: typeof parsed.lastCycleAt === 'number' ? parsed.lastCycleAt : null,
        symbols: parsed.symbols && typeof parsed.symbols === 'object' ? parsed.symbols : {},
      };
      this.opts.logger.info(
        { path: this.opts.path, symbols: Object.keys(this.state.symbols).length, lastCycleAt: this.state.lastCycleAt },
        'volume state loaded',
      );
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
        this.opts.logger.error({ err, path: this.opts.path }, 'volume state unreadable; starting empty');
    }
    return this.state;
  }

  get(): VolumeState {
    return this.state;
  }

  symbol(symbol: string): VolumeSymbolState | undefined {
    return this.state.symbols[symbol];
  }

  /**
   * Records a cycle's next states and persists. Entries whose alerted hour is older than the previous hour
   * can never match again (at hh:00 the compared candle is the previous hour) and are pruned.
   */
  async commit(cycleTime: number, next: Record<string, VolumeSymbolState>): Promise<void> {
    const symbols = { ...this.state.symbols, ...next };
    const keepFrom = Math.floor(cycleTime / HOUR_MS) * HOUR_MS - 2 * HOUR_MS;
    for (const [s, st] of Object.entries(symbols))
      if (st.lastAlertHour === undefined || st.lastAlertHour < keepFrom) delete symbols[s];
    this.state = { lastCycleAt: cycleTime, symbols };
    await this.save();
  }

  private async save(): Promise<void> {
    const path = this.opts.path;
    if (!path) return;
    const tmp = `${path}.${process.pid}.tmp`;
    try {
      await mkdir(dirname(path), { recursive: true });
      await writeFile(tmp, JSON.stringify(this.state));
      const fh = await open(tmp, 'r');
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, path);
    } catch (err) {
      throw new StateFileError(`cannot write volume state ${path}: ${(err as Error).message}`, { cause: err });
    }
  }
}
