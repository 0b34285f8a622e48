import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { estimatedPollIntervalSec } from '@volspike/oi-core';
import { createLogger, createMetrics } from '@volspike/runtime';
import type { BackendQueue } from '@volspike/backend-client';
import type { UniverseMessage } from '@volspike/runtime';
import { universeMetrics } from './metrics.js';
import type { SymbolSource } from './symbol-source.js';
import { UniverseJob } from './universe-job.js';
import type { UniverseStore } from './universe-store.js';
import type { VolumeSource } from './volume-source.js';

const ENTER = 4e6;
const EXIT = 2e6;

function harness(opts: { prior?: UniverseMessage | null } = {}) {
  const lines: { level: number; msg: string }[] = [];
  const logger = createLogger({
    name: 'job',
    level: 'info',
    destination: new Writable({
      write(chunk: Buffer, _enc, cb) {
        for (const l of chunk.toString('utf8').split('\n').filter(Boolean))
          lines.push(JSON.parse(l) as { level: number; msg: string });
        cb();
      },
    }),
  });
  const inputs = {
    symbols: ['AUSDT', 'BUSDT', 'CUSDT'] as string[] | Error,
    volumes: new Map<string, number>([
      ['AUSDT', 5e6],
      ['BUSDT', 3e6],
      ['CUSDT', 1e6],
    ]) as Map<string, number> | Error,
  };
  const saved: UniverseMessage[] = [];
  const enqueued: unknown[] = [];
  let now = Date.parse('2026-01-01T00:00:00Z');
  const symbols = {
    list: async () => {
      if (inputs.symbols instanceof Error) throw inputs.symbols;
      return { symbols: inputs.symbols, via: 'proxy' as const };
    },
  } as unknown as SymbolSource;
  const volumes = {
    read: async () => {
      if (inputs.volumes instanceof Error) throw inputs.volumes;
      return { volumes: new Map(inputs.volumes), source: 'rest' as const };
    },
  } as unknown as VolumeSource;
  const store = {
    loadPrior: async () => ({ universe: opts.prior ?? null, from: opts.prior ? 'file' : null, errors: [] }),
    save: async (u: UniverseMessage) => void saved.push(u),
  } as unknown as UniverseStore;
  const outbox = {
    enqueue: async (route: string, body: unknown, opts: unknown) => void enqueued.push({ route, body, opts }),
  } as unknown as BackendQueue;
  const job = new UniverseJob({
    symbols,
    volumes,
    store,
    outbox,
    logger,
    metrics: universeMetrics(createMetrics()),
    enterThreshold: ENTER,
    exitThreshold: EXIT,
    maxSymbols: undefined,
    refreshMs: 60_000,
    oiWeightPerMin: 2000,
    estimateIntervalSec: (n, w) => estimatedPollIntervalSec(n, w),
    now: () => now,
  });
  return { job, inputs, saved, enqueued, lines, advance: (ms: number) => (now += ms) };
}

describe('UniverseJob', () => {
  it('publishes members at or above enter on the first run and posts all of them with enteredAt', async () => {
    const h = harness();
    expect(await h.job.refreshNow()).toBe(true);
    expect(h.job.universe()!.symbols.map((s) => s.symbol)).toEqual(['AUSDT']);
    const post = h.enqueued[0] as {
      route: string;
      body: { symbols: { enteredAt: string }[] };
      opts: { idempotencyKey: string };
    };
    expect(post.route).toBe('liquidUniverseUpdate');
    expect(post.body.symbols.every((s) => typeof s.enteredAt === 'string')).toBe(true);
  });

  it('keeps the last universe through an outage, logs it once, and logs the recovery', async () => {
    const h = harness();
    await h.job.refreshNow();
    const before = h.job.universe();
    h.inputs.symbols = new Error('proxy and Binance down');
    for (let i = 0; i < 5; i++) {
      h.advance(60_000);
      expect(await h.job.refreshNow()).toBe(false);
    }
    expect(h.job.universe()).toBe(before);
    expect(h.saved).toHaveLength(1);
    expect(h.job.status().status).toBe('degraded');
    expect(h.lines.filter((l) => /refresh failed/.test(l.msg))).toHaveLength(1);
    h.inputs.symbols = ['AUSDT', 'BUSDT', 'CUSDT'];
    expect(await h.job.refreshNow()).toBe(true);
    expect(h.job.status().status).toBe('ok');
    expect(h.lines.filter((l) => /recovered/.test(l.msg))).toHaveLength(1);
  });

  it('never empties the universe because the volume request failed', async () => {
    const h = harness();
    await h.job.refreshNow();
    h.inputs.volumes = new Error('ticker/24hr 503');
    expect(await h.job.refreshNow()).toBe(false);
    expect(h.job.universe()!.symbols.map((s) => s.symbol)).toEqual(['AUSDT']);
    expect(h.enqueued).toHaveLength(1);
  });

  it('continues from the stored universe: a member between exit and enter stays with its enteredAt', async () => {
    const prior: UniverseMessage = {
      updatedAt: '2025-12-31T23:59:00.000Z',
      enterThreshold: ENTER,
      exitThreshold: EXIT,
      symbols: [
        {
          symbol: 'BUSDT',
          quoteVolume24h: 4.5e6,
          enteredAt: '2025-12-01T00:00:00.000Z',
          lastSeenAt: '2025-12-31T23:59:00.000Z',
        },
      ],
    };
    const h = harness({ prior });
    await h.job.refreshNow();
    const b = h.job.universe()!.symbols.find((s) => s.symbol === 'BUSDT');
    expect(b?.enteredAt).toBe('2025-12-01T00:00:00.000Z');
    expect(b?.quoteVolume24h).toBe(3e6);
  });

  it('reports the estimated OI poll interval for the universe size in its heartbeat', async () => {
    const h = harness();
    await h.job.refreshNow();
    expect(h.job.heartbeat()).toMatchObject({
      component: 'universe-job',
      status: 'ok',
      details: { universeSize: 1, source: 'rest', estimatedPollIntervalSec: 5 },
    });
  });
});
