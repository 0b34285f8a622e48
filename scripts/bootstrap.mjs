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

/** Registry hiccups are retried a few times with a pause; a real failure still fails after the last try. */
function withRetries(what, fn, attempts = 3) {
  for (let i = 1; ; i++) {
    try {
      return fn();
    } catch (err) {
      if (i >= attempts) throw err;
      console.error(`[bootstrap] ${what} failed (attempt ${i} of ${attempts}); retrying in ${5 * i} s`);
      execSync(`sleep ${5 * i}`);
    }
  }
}

const want = inputsHash();
const have = existsSync(stampFile) ? readFileSync(stampFile, 'utf8').trim() : '';
if (want !== have) {
  // Not --frozen-lockfile: pnpm 12.21 refuses it whenever package.json pins `packageManager`
  // ("Cannot update packageManagerDependencies"), even with an up-to-date lockfile. The lockfile is
  // committed and a plain install resolves exactly what it records.
  console.error('[bootstrap] installing the workspace with pnpm 12.21.0');
  // The build tools (esbuild, tsx, prisma) are dev dependencies: an operator's NODE_ENV=production must not make
  // pnpm skip them, or `npm start` could not build what it runs.
  const installEnv = { ...process.env, NODE_ENV: 'development' };
  withRetries('pnpm install', () => execSync(`${PNPM} install`, { cwd: root, stdio: 'inherit', env: installEnv }));
  if (existsSync(join(root, 'prisma', 'schema.prisma'))) {
    // Through npm, not `pnpm run`: pnpm 12 re-resolves its own packageManager pin on every run, and that
    // registry lookup fails now and then (ERR_PNPM_BAD_CONFIG_DEP) although nothing needs installing.
    console.error('[bootstrap] generating the Prisma client');
    execSync('npm run --silent generate', { cwd: join(root, 'packages', 'db'), stdio: 'inherit' });
  }
  writeFileSync(stampFile, inputsHash() + '\n');
}

// The long-running entry points run compiled (dist/, see scripts/build.mjs); rebuilt here whenever a
// source is newer than the bundles, so every npm script sees the code as it is now (≈1 s when needed).
execSync(`node ${join(root, 'scripts', 'build.mjs')} --if-stale`, { cwd: root, stdio: 'inherit' });
