import { mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readOrCreateSecret, writeFileAtomic, writeFileAtomicSync, writeJsonAtomic } from './atomic-file.js';

const scratch = () => mkdtempSync(join(tmpdir(), 'atomic-file-'));

describe('writeFileAtomic', () => {
  it('creates the directory, writes the content with mode 0600 and leaves no temp file behind', async () => {
    const dir = scratch();
    const file = join(dir, 'nested', 'state.json');
    await writeJsonAtomic(file, { offset: 42 });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ offset: 42 });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(join(dir, 'nested'))).toEqual(['state.json']);
  });

  it('honours an explicit mode', async () => {
    const file = join(scratch(), 'public.txt');
    await writeFileAtomic(file, 'x', { mode: 0o644 });
    expect(statSync(file).mode & 0o777).toBe(0o644);
  });

  it('replaces the old content whole; concurrent writers never interleave (each has its own temp file)', async () => {
    const file = join(scratch(), 'state.json');
    writeFileSync(file, 'old');
    const bodies = Array.from({ length: 20 }, (_, i) => JSON.stringify({ i, pad: 'x'.repeat(10_000) }));
    await Promise.all(bodies.map((b) => writeFileAtomic(file, b)));
    expect(bodies).toContain(readFileSync(file, 'utf8'));
  });

  it('fails, and removes its temp file, when the target cannot be replaced', async () => {
    const dir = scratch();
    const target = join(dir, 'a-directory');
    await writeFileAtomic(join(target, 'inner'), 'x'); // makes `target` a non-empty directory
    await expect(writeFileAtomic(target, 'y')).rejects.toThrow();
    expect(readdirSync(dir)).toEqual(['a-directory']);
  });
});

describe('writeFileAtomicSync and readOrCreateSecret', () => {
  it('writes synchronously with mode 0600', () => {
    const file = join(scratch(), 'lock');
    writeFileAtomicSync(file, '123\n');
    expect(readFileSync(file, 'utf8')).toBe('123\n');
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('creates a secret once and reads the same value afterwards', () => {
    const file = join(scratch(), 'data', 'jwt-secret');
    const first = readOrCreateSecret(file);
    expect(first.created).toBe(true);
    expect(first.value).toMatch(/^[0-9a-f]{48}$/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readOrCreateSecret(file)).toEqual({ value: first.value, created: false });
  });

  it('replaces an empty secret file instead of returning an empty secret', () => {
    const dir = scratch();
    const file = join(dir, 'jwt-secret');
    writeFileSync(file, '\n');
    const s = readOrCreateSecret(file);
    expect(s.created).toBe(true);
    expect(s.value).toHaveLength(48);
  });
});
