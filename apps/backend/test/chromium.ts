// The browser of the debug-page tests: Debian's Chromium. A fresh machine has none, so the first browser test
// brings it — `apt-get install chromium` when running as root (as CI and the dev VM do) — instead of failing
// or skipping. Without root it stops with one line saying what to run; the browser tests never skip silently.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Resolves to the browser's path, installing it first when it is missing and we may; throws otherwise. */
export function ensureChromium(): string {
  if (existsSync(CHROMIUM)) return CHROMIUM;
  if (process.getuid?.() !== 0)
    throw new Error(`${CHROMIUM} is missing and this is not root: run "sudo apt-get install -y chromium" once`);
  const apt = (args: string[]) =>
    execFileSync('apt-get', args, {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      timeout: 15 * 60_000,
    });
  apt(['update']);
  apt(['install', '-y', '--no-install-recommends', 'chromium']);
  if (!existsSync(CHROMIUM)) throw new Error(`apt-get installed chromium, but ${CHROMIUM} is still missing`);
  return CHROMIUM;
}
