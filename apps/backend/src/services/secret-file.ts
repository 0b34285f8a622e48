import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Reads a generated secret (same files as apps/stack: `<DATA_DIR>/jwt-secret`), creating it (0600) when absent. */
export function readOrCreateSecret(path: string): string {
  if (existsSync(path)) {
    const v = readFileSync(path, 'utf8').trim();
    if (v) return v;
  }
  mkdirSync(dirname(path), { recursive: true });
  const value = randomBytes(24).toString('hex');
  writeFileSync(path, `${value}\n`, { mode: 0o600 });
  return value;
}
