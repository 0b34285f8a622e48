import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { writeJsonAtomic } from './atomic-file.js';
import { BusError, toJson } from './bus-common.js';
import type { Bus } from './bus.js';

interface Entry {
  json: string;
  /** epoch ms, or null for no expiry */
  expiresAt: number | null;
}

/**
 * In-process bus: an EventEmitter for pub/sub (delivery is asynchronous and receives a JSON copy,
 * like Redis) and a map for key/value state, written atomically ({@link writeJsonAtomic}) to
 * `stateFile` on every setJson when given, and reloaded by the next instance.
 */
export class MemoryBus implements Bus {
  readonly kind = 'memory' as const;
  private readonly emitter = new EventEmitter();
  private readonly state = new Map<string, Entry>();
  private readonly stateFile: string | undefined;
  private readonly logger: Logger;
  private writeChain: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(opts: { stateFile?: string; logger: Logger; now?: () => number }) {
    this.stateFile = opts.stateFile;
    this.logger = opts.logger;
    this.now = opts.now ?? Date.now;
    this.emitter.setMaxListeners(0);
    if (this.stateFile) this.load(this.stateFile);
  }

  private readonly now: () => number;

  private load(file: string): void {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
        this.logger.warn({ err, file }, 'bus state file unreadable; starting empty');
      return;
    }
    try {
      const parsed = JSON.parse(text) as Record<string, unknown>;
      const entries = parsed.entries;
      if (typeof entries !== 'object' || entries === null) throw new Error('missing "entries" object');
      for (const [key, e] of Object.entries(entries as Record<string, Entry>)) {
        if (typeof e?.json === 'string')
          this.state.set(key, { json: e.json, expiresAt: typeof e.expiresAt === 'number' ? e.expiresAt : null });
      }
      this.logger.debug({ file, keys: this.state.size }, 'bus state loaded');
    } catch (err) {
      this.logger.warn({ err, file }, 'bus state file is corrupt; starting empty');
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new BusError('BUS_CLOSED', 'bus is closed');
  }

  async publish(channel: string, message: unknown): Promise<void> {
    this.assertOpen();
    const json = toJson(message);
    setImmediate(() => this.emitter.emit(channel, json));
  }

  async subscribe(channel: string, handler: (message: unknown) => void): Promise<() => Promise<void>> {
    this.assertOpen();
    const listener = (json: string): void => {
      try {
        handler(JSON.parse(json));
      } catch (err) {
        this.logger.error({ err, channel }, 'bus subscriber threw');
      }
    };
    this.emitter.on(channel, listener);
    return async () => {
      this.emitter.off(channel, listener);
    };
  }

  async setJson(key: string, value: unknown, ttlSec?: number): Promise<void> {
    this.assertOpen();
    const json = toJson(value);
    this.state.set(key, { json, expiresAt: ttlSec !== undefined && ttlSec > 0 ? this.now() + ttlSec * 1000 : null });
    await this.persist();
  }

  async getJson<T = unknown>(key: string): Promise<T | null> {
    this.assertOpen();
    const e = this.state.get(key);
    if (!e) return null;
    if (e.expiresAt !== null && e.expiresAt <= this.now()) {
      this.state.delete(key);
      return null;
    }
    return JSON.parse(e.json) as T;
  }

  async ping(): Promise<boolean> {
    return !this.closed;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.emitter.removeAllListeners();
    await this.writeChain;
  }

  /** Serialised writes: each snapshot is complete, and the last one written wins. */
  private persist(): Promise<void> {
    const file = this.stateFile;
    if (!file) return Promise.resolve();
    const next = this.writeChain.then(() => this.writeSnapshot(file));
    this.writeChain = next.catch(() => undefined);
    return next;
  }

  private async writeSnapshot(file: string): Promise<void> {
    const now = this.now();
    const entries: Record<string, Entry> = {};
    for (const [k, e] of this.state) if (e.expiresAt === null || e.expiresAt > now) entries[k] = e;
    try {
      await writeJsonAtomic(file, { version: 1, entries });
    } catch (err) {
      throw new BusError('BUS_STATE_WRITE', `could not write bus state to ${file}: ${(err as Error).message}`, err);
    }
  }
}
