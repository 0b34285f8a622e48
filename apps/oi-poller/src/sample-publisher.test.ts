import { afterEach, describe, expect, it, vi } from 'vitest';
import { CHANNELS, createLogger, type OiSampleMessage } from '@volspike/runtime';
import { chunkBatch, ingestBody, SamplePublisher } from './sample-publisher.js';

const logger = createLogger({ name: 'publisher-unit', level: 'silent' });
const sample = (symbol: string, ts: number, mark: number | null = 2): OiSampleMessage => ({
  symbol,
  openInterest: 100,
  openInterestUsd: mark === null ? null : 100 * mark,
  markPrice: mark,
  ts,
});

function fakes() {
  const enqueued: { route: string; body: unknown; idempotencyKey?: string }[] = [];
  const published: { channel: string; message: unknown }[] = [];
  return {
    enqueued,
    published,
    outbox: {
      enqueue: async (route: string, body: unknown, opts?: { idempotencyKey?: string }) =>
        void enqueued.push({ route, body, ...opts }),
    },
    bus: { publish: async (channel: string, message: unknown) => void published.push({ channel, message }) },
  };
}

afterEach(() => vi.useRealTimers());

describe('SamplePublisher', () => {
  it('every interval sends what arrived since the last publish as one realtime batch with per-item times', async () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 0, 1, 10, 0, 0) });
    const f = fakes();
    const pub = new SamplePublisher({
      outbox: f.outbox,
      bus: f.bus,
      logger,
      intervalMs: 2000,
    });
    pub.start();
    pub.add(sample('BTCUSDT', Date.UTC(2026, 0, 1, 10, 0, 0, 500)));
    pub.add(sample('ETHUSDT', Date.UTC(2026, 0, 1, 10, 0, 1, 250), null));
    await vi.advanceTimersByTimeAsync(1999);
    expect(f.enqueued).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(f.enqueued).toHaveLength(1);
    const m = f.enqueued[0];
    expect(m?.route).toBe('oiIngest');
    expect(m?.body).toEqual({
      data: [
        { symbol: 'BTCUSDT', openInterest: 100, openInterestUsd: 200, markPrice: 2, ts: '2026-01-01T10:00:00.500Z' },
        {
          symbol: 'ETHUSDT',
          openInterest: 100,
          openInterestUsd: null,
          markPrice: null,
          ts: '2026-01-01T10:00:01.250Z',
        },
      ],
      timestamp: '2026-01-01T10:00:01.250Z',
      totalSymbols: 2,
      source: 'realtime',
    });
    expect(f.published).toEqual([
      {
        channel: CHANNELS.oiSamples,
        message: {
          samples: [
            sample('BTCUSDT', Date.UTC(2026, 0, 1, 10, 0, 0, 500)),
            sample('ETHUSDT', Date.UTC(2026, 0, 1, 10, 0, 1, 250), null),
          ],
        },
      },
    ]);

    // nothing new → nothing sent; new samples → a new batch with its own idempotency key
    await vi.advanceTimersByTimeAsync(2000);
    expect(f.enqueued).toHaveLength(1);
    pub.add(sample('BTCUSDT', Date.now()));
    await vi.advanceTimersByTimeAsync(2000);
    expect(f.enqueued).toHaveLength(2);
    expect(f.enqueued[1]?.idempotencyKey).not.toBe(f.enqueued[0]?.idempotencyKey);
    await pub.stop();
  });

  it('splits large batches into chunks of ≤ 500 and publishes the rest on stop', async () => {
    const f = fakes();
    const pub = new SamplePublisher({
      outbox: f.outbox,
      bus: f.bus,
      logger,
      intervalMs: 60_000,
    });
    pub.start();
    for (let i = 0; i < 1201; i++) pub.add(sample(`S${i}USDT`, 1000 + i));
    await pub.stop();
    expect(f.enqueued.map((m) => (m.body as { data: unknown[] }).data.length)).toEqual([500, 500, 201]);
    expect(f.enqueued.map((m) => (m.body as { totalSymbols: number }).totalSymbols)).toEqual([500, 500, 201]);
    expect(new Set(f.enqueued.map((m) => m.idempotencyKey)).size).toBe(3);
  });

  it('puts a second sample of one symbol into another chunk (the backend stores one time per chunk)', () => {
    const chunks = chunkBatch([sample('A', 1), sample('B', 2), sample('A', 3), sample('C', 4)], 500);
    expect(chunks.map((c) => c.map((s) => `${s.symbol}@${s.ts}`))).toEqual([['A@1', 'B@2', 'C@4'], ['A@3']]);
    expect((ingestBody(chunks[1] as OiSampleMessage[]) as { timestamp: string }).timestamp).toBe(
      new Date(3).toISOString(),
    );
  });
});
