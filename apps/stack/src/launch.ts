// How `npm start` / `npm run demo` launch the all-in-one process: the compiled bundle dist/stack.mjs
// (scripts/build.mjs) with the node flags written in the root package.json's scripts. Tests and the bench
// launch it the same way through these helpers, so they cannot drift from what users run.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');

/** Absolute path of the compiled all-in-one entry. */
export const STACK_BUNDLE = join(REPO_ROOT, 'dist', 'stack.mjs');

/** The node flags of the root package.json script `mode` (between `node` and `dist/stack.mjs`). */
export function stackNodeFlags(mode: 'start' | 'demo'): string[] {
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
    scripts?: Record<string, string>;
  };
  const script = pkg.scripts?.[mode] ?? '';
  const m = new RegExp(`\\bnode((?:\\s+--\\S+)*)\\s+dist/stack\\.mjs\\s+${mode}\\b`).exec(script);
  if (!m) throw new Error(`the root package.json script "${mode}" does not run dist/stack.mjs ${mode}`);
  return m[1]!.trim().split(/\s+/).filter(Boolean);
}

/** VmRSS of a process in MB from /proc (Linux), null when unknown. */
export function rssMb(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 102.4) / 10 : null;
  } catch {
    return null;
  }
}

/** Pids whose parent is `pid` (from /proc/<n>/stat). */
export function childPids(pid: number): number[] {
  const out: number[] = [];
  let entries: string[] = [];
  try {
    entries = readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return out;
  }
  for (const e of entries) {
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      // "pid (comm) state ppid …": comm may contain spaces, so split after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(e));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}
