import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readOrCreateSecret, writeFileAtomic, writeFileAtomicSync, writeJsonAtomic } from './atomic-file.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});
async function scratch(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'atomic-file-'));
  dirs.push(d);
  return d;
}

describe('writeFileAtomic', () => {
  it('writes the file with the requested mode regardless of the umask, creating the directory', async () => {
    const dir = await scratch();
    const file = join(dir, 'sub', 'state.json');
    const old = process.umask(0o077);
    try {
      await writeFileAtomic(file, '{"a":1}', { mode: 0o644 });
    } finally {
      process.umask(old);
    }
    expect(await readFile(file, 'utf8')).toBe('{"a":1}');
    expect((await stat(file)).mode & 0o777).toBe(0o644);
    await writeFileAtomic(file, 'secret');
    expect((await stat(file)).mode & 0o777).toBe(0o600); // default: private
    expect(await readdir(join(dir, 'sub'))).toEqual(['state.json']); // no temp file left
  });

  it('a failed write leaves the previous file untouched and no temp file behind', async () => {
    const dir = await scratch();
    const file = join(dir, 'state.json');
    await writeFile(file, 'old complete content');
    // A value fs cannot write makes the write step throw after the temp file was created.
    await expect(writeFileAtomic(file, 42 as unknown as string)).rejects.toThrow();
    expect(await readFile(file, 'utf8')).toBe('old complete content');
    expect(await readdir(dir)).toEqual(['state.json']);
  });

  it('a process killed (SIGKILL) while rewriting never leaves a partial file for readers', async () => {
    const dir = await scratch();
    const file = join(dir, 'big.json');
    const script = `
      const { writeFileAtomic } = await import(${JSON.stringify(new URL('./atomic-file.ts', import.meta.url).href)});
      const big = (i) => JSON.stringify({ i, pad: 'x'.repeat(512 * 1024) });
      for (let i = 0; ; i++) { await writeFileAtomic(${JSON.stringify(file)}, big(i)); if (i === 0) process.stdout.write('ready\\n'); }
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    // Readers during the rewrites: always one complete document.
    let reads = 0;
    let last = -1;
    while (reads < 30) {
      const doc = JSON.parse(await readFile(file, 'utf8')) as { i: number; pad: string };
      expect(doc.pad.length).toBe(512 * 1024);
      expect(doc.i).toBeGreaterThanOrEqual(last);
      last = doc.i;
      reads++;
    }
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const doc = JSON.parse(await readFile(file, 'utf8')) as { pad: string };
    expect(doc.pad.length).toBe(512 * 1024);
  });
});

describe('writeJsonAtomic', () => {
  it('concurrent writers never interleave: each has its own temp file, the last rename wins whole', async () => {
    const file = join(await scratch(), 'state.json');
    const bodies = Array.from({ length: 20 }, (_, i) => ({ i, pad: 'x'.repeat(10_000) }));
    await Promise.all(bodies.map((b) => writeJsonAtomic(file, b)));
    expect(bodies.map((b) => JSON.stringify(b))).toContain(await readFile(file, 'utf8'));
    expect(await readdir(dirname(file))).toEqual(['state.json']);
  });
});

describe('writeFileAtomicSync and readOrCreateSecret', () => {
  it('writes synchronously with mode 0600 whatever the umask', async () => {
    const file = join(await scratch(), 'lock');
    const old = process.umask(0o022);
    try {
      writeFileAtomicSync(file, '123\n');
    } finally {
      process.umask(old);
    }
    expect(await readFile(file, 'utf8')).toBe('123\n');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('creates a secret once and reads the same value afterwards', async () => {
    const file = join(await scratch(), 'data', 'jwt-secret');
    const first = readOrCreateSecret(file);
    expect(first.created).toBe(true);
    expect(first.value).toMatch(/^[0-9a-f]{48}$/);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(readOrCreateSecret(file)).toEqual({ value: first.value, created: false });
  });

  it('replaces an empty secret file instead of returning an empty secret', async () => {
    const file = join(await scratch(), 'jwt-secret');
    await writeFile(file, '\n');
    const s = readOrCreateSecret(file);
    expect(s.created).toBe(true);
    expect(s.value).toHaveLength(48);
  });
});
