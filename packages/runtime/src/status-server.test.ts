import { pino } from 'pino';
import { Counter } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createMetrics, startStatusServer, type StatusServer } from './status-server.js';

const logger = pino({ level: 'silent' });
let server: StatusServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

async function start(health: () => Promise<{ ok: boolean; body: Record<string, unknown> }>) {
  const registry = createMetrics();
  server = await startStatusServer({ port: 0, host: '127.0.0.1', logger, registry, health });
  return { registry, base: `http://127.0.0.1:${server.port}` };
}

describe('startStatusServer', () => {
  it('answers /health 200 with the JSON body when ok', async () => {
    const { base } = await start(async () => ({ ok: true, body: { db: 'up', bus: 'redis' } }));
    const res = await fetch(`${base}/health`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    expect(await res.json()).toEqual({ ok: true, db: 'up', bus: 'redis' });
  });

  it('answers /health 503 when not ok or when the check throws', async () => {
    let mode: 'down' | 'throw' = 'down';
    const { base } = await start(async () => {
      if (mode === 'throw') throw new Error('db unreachable');
      return { ok: false, body: { db: 'down' } };
    });
    const down = await fetch(`${base}/health`);
    expect(down.status).toBe(503);
    expect(await down.json()).toEqual({ ok: false, db: 'down' });
    mode = 'throw';
    const threw = await fetch(`${base}/health`);
    expect(threw.status).toBe(503);
    expect(await threw.json()).toEqual({ ok: false, error: 'db unreachable' });
  });

  it('serves Prometheus text on /metrics, including default and app metrics', async () => {
    const { base, registry } = await start(async () => ({ ok: true, body: {} }));
    new Counter({ name: 'volspike_test_total', help: 'test counter', registers: [registry] }).inc(3);
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toContain('volspike_test_total 3');
    expect(text).toContain('process_cpu_user_seconds_total');
  });

  it('answers 404 JSON for unknown paths', async () => {
    const { base } = await start(async () => ({ ok: true, body: {} }));
    const res = await fetch(`${base}/nope`);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: 'not_found' });
  });
});
