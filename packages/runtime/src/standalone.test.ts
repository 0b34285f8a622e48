import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { z } from 'zod';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { env, loadEnv } from './env.js';
import { runStandalone, type StandaloneProcess } from './standalone.js';

const Schema = z.object({
  PORT: env.port(0),
  DATA_DIR: env.str('.data'),
  LOG_LEVEL: env.str('info'),
  LOG_PRETTY: env.bool(false),
  REDIS_URL: env.url(),
});
const loadAppEnv = (source: Record<string, string | undefined>) => loadEnv(Schema, source);

const dirs: string[] = [];
const running: StandaloneProcess<{ stop(): Promise<void> }>[] = [];
afterEach(async () => {
  for (const p of running.splice(0)) {
    p.lifecycle.removeSignalHandlers();
    await p.lifecycle.shutdown('test end');
  }
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function setup() {
  const dataDir = mkdtempSync(join(tmpdir(), 'standalone-'));
  dirs.push(dataDir);
  const lines: Record<string, unknown>[] = [];
  const logs = new PassThrough();
  logs.on('data', (chunk: Buffer) => {
    for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
  });
  const exit = vi.fn<(code: number) => void>();
  // what every call below shares
  const base = { name: 'demo', source: { DATA_DIR: dataDir }, exit, loadEnv: loadAppEnv, logDestination: logs };
  return { dataDir, lines, exit, base };
}

describe('runStandalone', () => {
  it('prints the one-line env error and exits 1 before creating anything', async () => {
    const s = setup();
    const errors: string[] = [];
    const started = vi.fn();
    const listeners = process.listenerCount('SIGTERM');
    const result = await runStandalone({
      ...s.base,
      source: { PORT: 'abc', DATA_DIR: s.dataDir },
      start: started,
      writeError: (l) => errors.push(l),
    });
    expect(result).toBeNull();
    expect(errors).toEqual(['Invalid environment: PORT (abc) must be a port (0-65535)\n']);
    expect(s.exit).toHaveBeenCalledWith(1);
    expect(started).not.toHaveBeenCalled();
    expect(process.listenerCount('SIGTERM')).toBe(listeners);
  });

  it('passes logger, bus, budget, dataDir, metrics and lifecycle to start, serves /health and /metrics, and stops in reverse order', async () => {
    const s = setup();
    const order: string[] = [];
    const budget = { stop: () => void order.push('budget') };
    const proc = await runStandalone({
      ...s.base,
      budget: () => budget,
      start: async (_env, deps) => {
        expect(deps.budget).toBe(budget);
        expect(deps.dataDir).toBe(s.dataDir);
        expect(deps.bus.kind).toBe('memory');
        await deps.bus.setJson('k', 1);
        return {
          stop: async () => void order.push('app'),
          health: async () => ({ ok: true, body: { service: 'demo' } }),
        };
      },
      statusServer: (e) => ({ port: e.PORT, host: '127.0.0.1' }),
    });
    expect(proc).not.toBeNull();
    running.push(proc!);
    const health = await fetch(`http://127.0.0.1:${proc!.statusPort}/health`);
    expect(await health.json()).toEqual({ ok: true, service: 'demo' });
    expect(await (await fetch(`http://127.0.0.1:${proc!.statusPort}/metrics`)).text()).toContain(
      'process_cpu_user_seconds_total',
    );
    await proc!.lifecycle.shutdown('test');
    // the app stops before the budget (both after the status server); the memory bus kept its state in <DATA_DIR>/<name>-bus.json
    expect(order).toEqual(['app', 'budget']);
    expect(existsSync(join(s.dataDir, 'demo-bus.json'))).toBe(true);
    await expect(fetch(`http://127.0.0.1:${proc!.statusPort}/health`)).rejects.toThrow();
    expect(s.exit).not.toHaveBeenCalled();
    await new Promise((r) => setTimeout(r, 20));
    expect(s.lines.some((l) => l.msg === 'status server listening (/health, /metrics)')).toBe(true);
  });

  it('logs a failed start as fatal, stops what was started and exits 1', async () => {
    const s = setup();
    const budgetStopped = vi.fn();
    const listeners = process.listenerCount('SIGTERM');
    const result = await runStandalone({
      ...s.base,
      budget: () => ({ stop: budgetStopped }),
      start: async () => {
        throw new Error('port in use');
      },
    });
    expect(result).toBeNull();
    expect(budgetStopped).toHaveBeenCalledOnce();
    expect(s.exit).toHaveBeenCalledWith(1);
    expect(process.listenerCount('SIGTERM')).toBe(listeners);
    await new Promise((r) => setTimeout(r, 20));
    const fatal = s.lines.find((l) => l.msg === 'demo failed to start');
    expect(fatal).toMatchObject({ level: 60, err: { message: 'port in use' } });
  });

  it('refuses a status server for an app without health()', async () => {
    const s = setup();
    const result = await runStandalone({
      ...s.base,
      start: async () => ({ stop: async () => undefined }),
      statusServer: () => ({ port: 0 }),
    });
    expect(result).toBeNull();
    expect(s.exit).toHaveBeenCalledWith(1);
  });
});
