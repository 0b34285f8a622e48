import { VolspikeError } from '@volspike/errors';
import { readFile } from 'node:fs/promises';
import { HOUR_MS } from '@volspike/oi-core';
import type { VolumeSymbolState } from '@volspike/oi-core';
import { writeJsonAtomic, type Logger } from '@volspike/runtime';

export interface VolumeState {
  /** boundary (epoch ms) of the last cycle that completed its scan */
  lastCycleAt: number | null;
  /** legacy lastAlert / initialMinute per symbol */
  symbols: Record<string, VolumeSymbolState>;
}

export class StateFileError extends VolspikeError<'VOLUME_STATE_WRITE'> {
  constructor(message: string, options?: { cause?: unknown }) {
    super('VOLUME_STATE_WRITE', message, options);
  }
}

/**
 * The legacy in-memory `lastAlert` / `initialMinute` maps, persisted (defect §6.4): a restart in the middle
 * of an hour neither re-sends the SPIKE nor loses the pending HALF/FULL updates. JSON file written
 * atomically (writeJsonAtomic: temp file, fsync, rename). `path: null` keeps it in memory (replay).
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
    try {
      await writeJsonAtomic(path, this.state);
    } catch (err) {
      throw new StateFileError(`cannot write volume state ${path}: ${(err as Error).message}`, { cause: err });
    }
  }
}
