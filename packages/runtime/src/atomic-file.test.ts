import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeFileAtomic } from './atomic-file.js';

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
