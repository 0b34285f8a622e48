import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));

function run(env: Record<string, string>): {
  out: () => string;
  exited: Promise<number | null>;
  kill: (s: NodeJS.Signals) => void;
} {
  const child = spawn(process.execPath, ['--import', 'tsx', cli], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += String(d)));
  child.stderr.on('data', (d) => (out += String(d)));
  return {
    out: () => out,
    exited: new Promise((r) => child.on('exit', (code) => r(code))),
    kill: (s) => child.kill(s),
  };
}

describe('cli (npm run sim)', () => {
  it('logs one line with its URL, serves REST, and exits 0 on SIGTERM', async () => {
    const p = run({ SIM_PORT: '0', SIM_SYMBOLS: '20', SIM_SEED: '9' });
    const deadline = Date.now() + 20_000;
    let m: RegExpExecArray | null = null;
    while (!(m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(p.out())) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    expect(m?.[1]).toBeDefined();
    const res = await fetch(`${m?.[1] ?? ''}/fapi/v1/openInterest?symbol=BTCUSDT`);
    expect(res.status).toBe(200);
    await res.text();
    p.kill('SIGTERM');
    expect(await p.exited).toBe(0);
  });

  it('stops with one clear line on a bad variable', async () => {
    const p = run({ SIM_PORT: 'abc' });
    expect(await p.exited).toBe(1);
    expect(p.out()).toContain('SIM_PORT (abc)');
  });
});
