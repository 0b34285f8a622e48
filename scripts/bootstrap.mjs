#!/usr/bin/env node
// Installs the workspace with the pinned pnpm when node_modules is missing or stale, then generates
// the Prisma client. Every npm script runs this first, so a fresh clone needs only Node 20 and npm.
import { createHash } from 'node:crypto';
import { execSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const PNPM = 'npx -y pnpm@12.21.0';
const stampFile = join(root, 'node_modules', '.volspike-install-stamp');

function inputsHash() {
  const h = createHash('sha256');
  const files = ['package.json', 'pnpm-lock.yaml', 'pnpm-workspace.yaml', 'prisma/schema.prisma'];
  for (const group of ['apps', 'packages']) {
    for (const name of readdirSync(join(root, group)).sort()) {
      files.push(join(group, name, 'package.json'));
    }
  }
  for (const f of files) {
    const p = join(root, f);
    h.update(f);
    if (existsSync(p)) h.update(readFileSync(p));
  }
  return h.digest('hex');
}

const want = inputsHash();
const have = existsSync(stampFile) ? readFileSync(stampFile, 'utf8').trim() : '';
if (want !== have) {
  // Not --frozen-lockfile: pnpm 12.21 refuses it whenever package.json pins `packageManager`
  // ("Cannot update packageManagerDependencies"), even with an up-to-date lockfile. The lockfile is
  // committed and a plain install resolves exactly what it records.
  console.error('[bootstrap] installing the workspace with pnpm 12.21.0');
  execSync(`${PNPM} install`, { cwd: root, stdio: 'inherit' });
  if (existsSync(join(root, 'prisma', 'schema.prisma'))) {
    console.error('[bootstrap] generating the Prisma client');
    execSync(`${PNPM} --filter @volspike/db run generate`, { cwd: root, stdio: 'inherit' });
  }
  writeFileSync(stampFile, inputsHash() + '\n');
}
