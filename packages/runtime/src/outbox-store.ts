import { mkdir, open, readFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { DEFAULT_STATE_FILE_MODE, writeFileAtomic } from './atomic-file.js';
import type { OutboxMessage } from './outbox.js';

/** Persistence behind an {@link Outbox}. `load` returns messages in enqueue order. */
export interface OutboxStore {
  load(): Promise<OutboxMessage[]>;
  append(m: OutboxMessage): Promise<void>;
  remove(id: string): Promise<void>;
  update(m: OutboxMessage): Promise<void>;
  /** Releases files/connections; the store reopens on next use. Called by Outbox.stop(). */
  close?(): Promise<void>;
}

/** Non-durable store (tests, or deliberately best-effort senders). */
export class MemoryOutboxStore implements OutboxStore {
  private readonly items = new Map<string, OutboxMessage>();
  async load(): Promise<OutboxMessage[]> {
    return [...this.items.values()].map((m) => structuredClone(m));
  }
  async append(m: OutboxMessage): Promise<void> {
    this.items.set(m.id, structuredClone(m));
  }
  async remove(id: string): Promise<void> {
    this.items.delete(id);
  }
  async update(m: OutboxMessage): Promise<void> {
    if (this.items.has(m.id)) this.items.set(m.id, structuredClone(m));
  }
}

type JournalRecord = { op: 'put'; m: OutboxMessage } | { op: 'del'; id: string };

function isMessage(v: unknown): v is OutboxMessage {
  const m = v as Partial<OutboxMessage> | null;
  return (
    typeof m === 'object' &&
    m !== null &&
    typeof m.id === 'string' &&
    (typeof m.url === 'string' || typeof m.route === 'string') &&
    typeof m.idempotencyKey === 'string' &&
    typeof m.enqueuedAt === 'number'
  );
}

/**
 * Append-only JSONL journal `<dir>/<name>.outbox.jsonl`: one `put` or `del` record per line, each
 * write followed by fdatasync, so an acknowledged append survives a crash. A torn last line (crash
 * mid-write) is skipped at load. `load()` and a growing journal trigger compaction: the live set is
 * replaces the journal through {@link writeFileAtomic} (temp file, fsync, rename, directory fsync).
 * One Outbox per journal at a time.
 */
export class FileOutboxStore implements OutboxStore {
  readonly file: string;
  /** Journal lines that could not be parsed at the last load (torn writes, corruption). */
  skippedAtLastLoad = 0;
  private readonly dir: string;
  private readonly live = new Map<string, OutboxMessage>();
  private journalLines = 0;
  private fh: FileHandle | null = null;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(dir: string, name: string) {
    if (!/^[\w.-]+$/.test(name)) throw new TypeError(`outbox store name must be [A-Za-z0-9_.-]+, got "${name}"`);
    this.dir = dir;
    this.file = join(dir, `${name}.outbox.jsonl`);
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(fn);
    this.chain = next.catch(() => undefined);
    return next;
  }

  load(): Promise<OutboxMessage[]> {
    return this.serial(async () => {
      await this.closeHandle();
      this.live.clear();
      this.skippedAtLastLoad = 0;
      let text = '';
      try {
        text = await readFile(this.file, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
      for (const line of text.split('\n')) {
        if (line.trim() === '') continue;
        let rec: JournalRecord;
        try {
          rec = JSON.parse(line) as JournalRecord;
        } catch {
          this.skippedAtLastLoad++;
          continue;
        }
        if (rec.op === 'put' && isMessage(rec.m)) this.live.set(rec.m.id, rec.m);
        else if (rec.op === 'del' && typeof rec.id === 'string') this.live.delete(rec.id);
        else this.skippedAtLastLoad++;
      }
      await this.compact();
      return [...this.live.values()].map((m) => structuredClone(m));
    });
  }

  append(m: OutboxMessage): Promise<void> {
    return this.serial(async () => {
      this.live.set(m.id, structuredClone(m));
      await this.write({ op: 'put', m });
    });
  }

  update(m: OutboxMessage): Promise<void> {
    return this.serial(async () => {
      if (!this.live.has(m.id)) return;
      this.live.set(m.id, structuredClone(m));
      await this.write({ op: 'put', m });
    });
  }

  remove(id: string): Promise<void> {
    return this.serial(async () => {
      if (!this.live.delete(id)) return;
      await this.write({ op: 'del', id });
      if (this.journalLines > 1000 && this.journalLines > 4 * this.live.size) await this.compact();
    });
  }

  close(): Promise<void> {
    return this.serial(() => this.closeHandle());
  }

  private async closeHandle(): Promise<void> {
    const fh = this.fh;
    this.fh = null;
    if (fh) await fh.close();
  }

  private async write(rec: JournalRecord): Promise<void> {
    if (!this.fh) {
      await mkdir(this.dir, { recursive: true });
      this.fh = await open(this.file, 'a', DEFAULT_STATE_FILE_MODE);
    }
    await this.fh.write(`${JSON.stringify(rec)}\n`);
    await this.fh.datasync();
    this.journalLines++;
  }

  private async compact(): Promise<void> {
    await this.closeHandle();
    let text = '';
    for (const m of this.live.values()) text += `${JSON.stringify({ op: 'put', m } satisfies JournalRecord)}\n`;
    await writeFileAtomic(this.file, text);
    this.journalLines = this.live.size;
  }
}

/**
 * Redis store: hash `<key>:msgs` (id → JSON) plus list `<key>:order` (ids in enqueue order), both
 * changed in one MULTI. Durability is whatever the Redis server's persistence gives.
 */
export class RedisOutboxStore implements OutboxStore {
  private redis: Redis | null = null;
  private readonly hashKey: string;
  private readonly listKey: string;

  constructor(
    private readonly redisUrl: string,
    key: string,
  ) {
    this.hashKey = `${key}:msgs`;
    this.listKey = `${key}:order`;
  }

  private client(): Redis {
    if (!this.redis) {
      this.redis = new Redis(this.redisUrl, { maxRetriesPerRequest: 3, connectionName: 'volspike-outbox' });
      // Errors surface through the rejected commands; this only keeps ioredis from throwing them.
      this.redis.on('error', () => undefined);
    }
    return this.redis;
  }

  async load(): Promise<OutboxMessage[]> {
    const r = this.client();
    const ids = await r.lrange(this.listKey, 0, -1);
    if (ids.length === 0) return [];
    const values = await r.hmget(this.hashKey, ...ids);
    const out: OutboxMessage[] = [];
    const orphans: string[] = [];
    ids.forEach((id, i) => {
      const text = values[i];
      let m: unknown = null;
      try {
        m = text ? JSON.parse(text) : null;
      } catch {
        m = null;
      }
      if (isMessage(m)) out.push(m);
      else orphans.push(id);
    });
    if (orphans.length > 0) {
      const multi = r.multi();
      for (const id of orphans) multi.lrem(this.listKey, 0, id).hdel(this.hashKey, id);
      checkExec(await multi.exec());
    }
    return out;
  }

  async append(m: OutboxMessage): Promise<void> {
    checkExec(await this.client().multi().hset(this.hashKey, m.id, JSON.stringify(m)).rpush(this.listKey, m.id).exec());
  }

  async update(m: OutboxMessage): Promise<void> {
    // Only if still present: a late update must not resurrect a delivered message.
    await this.client().eval(
      "if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end return 0",
      1,
      this.hashKey,
      m.id,
      JSON.stringify(m),
    );
  }

  async remove(id: string): Promise<void> {
    checkExec(await this.client().multi().hdel(this.hashKey, id).lrem(this.listKey, 1, id).exec());
  }

  async close(): Promise<void> {
    const r = this.redis;
    this.redis = null;
    if (!r) return;
    await r.quit().catch(() => r.disconnect());
  }
}

function checkExec(results: [Error | null, unknown][] | null): void {
  if (results === null) throw new Error('redis transaction was discarded');
  for (const [err] of results) if (err) throw err;
}
