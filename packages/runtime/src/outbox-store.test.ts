import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OutboxMessage } from './outbox.js';
import { FileOutboxStore } from './outbox-store.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'runtime-outbox-store-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const msg = (i: number): OutboxMessage => ({
  id: `id-${i}`,
  url: 'http://127.0.0.1:1/x',
  method: 'POST',
  headers: {},
  body: { i },
  idempotencyKey: `key-${i}`,
  enqueuedAt: 1000 + i,
  attempts: 0,
});

describe('FileOutboxStore', () => {
  it('keeps acknowledged writes without close (as after a crash), with updates and removals applied', async () => {
    const a = new FileOutboxStore(dir, 'crash');
    expect(await a.load()).toEqual([]);
    for (let i = 0; i < 4; i++) await a.append(msg(i));
    await a.update({ ...msg(1), attempts: 3 });
    await a.remove('id-2');
    // no close(): a second process opens the same journal
    const b = new FileOutboxStore(dir, 'crash');
    const loaded = await b.load();
    expect(loaded.map((m) => [m.id, m.attempts])).toEqual([
      ['id-0', 0],
      ['id-1', 3],
      ['id-3', 0],
    ]);
    await a.close();
    await b.close();
  });

  it('skips a torn last line left by a crash mid-write and keeps appending cleanly after it', async () => {
    const a = new FileOutboxStore(dir, 'torn');
    await a.load();
    await a.append(msg(1));
    await a.close();
    await appendFile(a.file, '{"op":"put","m":{"id":"id-2","url":"htt');
    const b = new FileOutboxStore(dir, 'torn');
    expect((await b.load()).map((m) => m.id)).toEqual(['id-1']);
    expect(b.skippedAtLastLoad).toBe(1);
    await b.append(msg(3));
    await b.close();
    const c = new FileOutboxStore(dir, 'torn');
    expect((await c.load()).map((m) => m.id)).toEqual(['id-1', 'id-3']);
    expect(c.skippedAtLastLoad).toBe(0);
    await c.close();
  });

  it('compacts the journal to the live messages on load', async () => {
    const a = new FileOutboxStore(dir, 'compact');
    await a.load();
    for (let i = 0; i < 20; i++) await a.append(msg(i));
    for (let i = 0; i < 19; i++) await a.remove(`id-${i}`);
    await a.close();
    expect((await readFile(a.file, 'utf8')).trim().split('\n')).toHaveLength(39);
    const b = new FileOutboxStore(dir, 'compact');
    expect((await b.load()).map((m) => m.id)).toEqual(['id-19']);
    expect((await readFile(b.file, 'utf8')).trim().split('\n')).toHaveLength(1);
    await b.close();
  });

  it('rejects names that could escape the directory', () => {
    expect(() => new FileOutboxStore(dir, '../evil')).toThrow(TypeError);
  });
});
