import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { BackendClient } from '@volspike/backend-client';
import { CHANNELS, KEYS, writeJsonAtomic } from '@volspike/runtime';
import type { Bus, Logger, UniverseMessage } from '@volspike/runtime';

const volume = z
  .union([z.number(), z.string().transform((s) => Number(s))])
  .refine((n) => Number.isFinite(n), 'quoteVolume24h must be a number');
const isoOrNull = z.string().nullable().optional();

const memberSchema = z
  .object({ symbol: z.string().min(1), quoteVolume24h: volume, enteredAt: isoOrNull, lastSeenAt: isoOrNull })
  .loose();

/** UniverseMessage as stored on the bus / on disk, or the backend's GET liquid-universe body. */
const storedUniverseSchema = z
  .object({
    updatedAt: z.string(),
    enterThreshold: z.number().optional(),
    exitThreshold: z.number().optional(),
    symbols: z.array(memberSchema),
  })
  .loose();

export type PriorSource = 'bus' | 'backend' | 'file';

export interface PriorUniverse {
  universe: UniverseMessage | null;
  from: PriorSource | null;
  /** Sources that could not be read (as opposed to sources that answered "nothing stored"). */
  errors: { source: PriorSource; error: string }[];
}

function normalise(raw: unknown, fallbackNow: string, thresholds: { enter: number; exit: number }): UniverseMessage {
  const u = storedUniverseSchema.parse(raw);
  return {
    updatedAt: u.updatedAt,
    enterThreshold: u.enterThreshold ?? thresholds.enter,
    exitThreshold: u.exitThreshold ?? thresholds.exit,
    symbols: u.symbols.map((s) => ({
      symbol: s.symbol,
      quoteVolume24h: s.quoteVolume24h,
      enteredAt: s.enteredAt ?? s.lastSeenAt ?? fallbackNow,
      lastSeenAt: s.lastSeenAt ?? u.updatedAt,
    })),
  };
}

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * Where the current universe lives: the bus (channel + key, read by the OI poller), a local state file
 * (survives restarts without Redis or backend), and — at start only — the backend's liquid-universe GET.
 */
export class UniverseStore {
  private fileFailing = false;

  constructor(
    private readonly opts: {
      bus: Bus;
      stateFile: string;
      backend: BackendClient;
      logger: Logger;
      thresholds: { enter: number; exit: number };
      now?: () => number;
    },
  ) {}

  /**
   * The universe to continue from: bus key, else the backend, else the state file. A source that fails is
   * recorded in `errors`; a source that answers "nothing stored" is not an error.
   */
  async loadPrior(): Promise<PriorUniverse> {
    const errors: PriorUniverse['errors'] = [];
    const nowIso = new Date((this.opts.now ?? Date.now)()).toISOString();
    const attempts: [PriorSource, () => Promise<unknown>][] = [
      ['bus', () => this.opts.bus.getJson(KEYS.universe)],
      ['backend', () => this.fromBackend()],
      ['file', () => this.fromFile()],
    ];
    for (const [source, read] of attempts) {
      try {
        const raw = await read();
        if (raw === null || raw === undefined) continue;
        const universe = normalise(raw, nowIso, this.opts.thresholds);
        // An empty list from one source is not proof: a later source may still hold the members.
        if (universe.symbols.length === 0) continue;
        return { universe, from: source, errors };
      } catch (err) {
        errors.push({ source, error: message(err) });
      }
    }
    return { universe: null, from: null, errors };
  }

  /**
   * Writes the state file and publishes on the bus (key, then channel). Throws when the bus fails; a failed
   * file write is logged once per episode and does not stop the publish.
   */
  async save(universe: UniverseMessage): Promise<void> {
    try {
      await writeJsonAtomic(this.opts.stateFile, universe);
      if (this.fileFailing) this.opts.logger.info({ file: this.opts.stateFile }, 'universe state file writable again');
      this.fileFailing = false;
    } catch (err) {
      if (!this.fileFailing)
        this.opts.logger.error({ err, file: this.opts.stateFile }, 'could not write the universe state file');
      this.fileFailing = true;
    }
    await this.opts.bus.setJson(KEYS.universe, universe);
    await this.opts.bus.publish(CHANNELS.universe, universe);
  }

  private fromBackend(): Promise<unknown> {
    // legacy: 5 s, no auth; a read, so it is also asked in shadow mode
    return this.opts.backend.get('liquidUniverse', { timeoutMs: 5_000 });
  }

  private async fromFile(): Promise<unknown> {
    let text: string;
    try {
      text = await readFile(this.opts.stateFile, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    return JSON.parse(text) as unknown;
  }
}
