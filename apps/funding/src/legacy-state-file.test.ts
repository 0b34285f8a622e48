import { afterEach, describe, expect, it, vi } from 'vitest';
import type { MarkPriceUpdate } from '@volspike/binance-client';
import { createLogger } from '@volspike/runtime';
import { FundingStore } from './funding-store.js';
import type { FundingStreamStats } from './funding-stream.js';
import { LegacyStateFile, legacyStateDocument } from './legacy-state-file.js';

const logger = createLogger({ name: 'legacy-state-test', level: 'silent' });
const ws = (over: Partial<FundingStreamStats> = {}): FundingStreamStats => ({
  connected: true,
  messages: 12,
  reconnects: 1,
  lastMessageAt: 1_767_225_601_500,
  lastConnectedAt: 1_767_225_600_250,
  disconnectedSince: null,
  messagesPerMin: 12,
  ...over,
});
const item = (symbol: string, over: Partial<MarkPriceUpdate> = {}): MarkPriceUpdate => ({
  symbol,
  markPrice: 100.5,
  indexPrice: 100.4,
  fundingRate: 0.0001,
  nextFundingTime: 1_767_254_400_000,
  eventTime: 1,
  ...over,
});

afterEach(() => {
  vi.useRealTimers();
});

describe('legacyStateDocument (docs/legacy-contracts.md §4.5)', () => {
  it('is the legacy daemon document: seconds as floats, and a missing field left out, never 0', () => {
    const store = new FundingStore();
    store.apply([item('BTCUSDT')], 1_767_225_601_500);
    store.apply(
      [item('ETHUSDT_260327', { fundingRate: null, nextFundingTime: null, indexPrice: null })],
      1_767_225_601_750,
    );
    const doc = legacyStateDocument(store.all(), ws(), 1_767_225_602_000);
    expect(doc).toEqual({
      funding_state: {
        BTCUSDT: {
          fundingRate: 0.0001,
          markPrice: 100.5,
          nextFundingTime: 1_767_254_400_000,
          indexPrice: 100.4,
          updatedAt: 1_767_225_601.5,
        },
        ETHUSDT_260327: { markPrice: 100.5, updatedAt: 1_767_225_601.75 },
      },
      connection_status: {
        connected: true,
        last_connected_time: 1_767_225_600.25,
        reconnect_attempts: 1,
        messages_received: 12,
        last_message_time: 1_767_225_601.5,
      },
      updated_at: 1_767_225_602,
    });
    // Python's json.load reads it: plain JSON, no NaN/Infinity.
    expect(JSON.parse(JSON.stringify(doc))).toEqual(doc);
  });

  it('before the first connection the times are null, not 0', () => {
    const doc = legacyStateDocument([], ws({ connected: false, lastConnectedAt: null, lastMessageAt: null }), 5000);
    expect(doc.connection_status).toMatchObject({ last_connected_time: null, last_message_time: null });
    expect(doc.funding_state).toEqual({});
  });
});

describe('LegacyStateFile', () => {
  it('writes at most once per interval however often mark prices arrive, and not at all when nothing changed', async () => {
    vi.useFakeTimers({ now: 1_767_225_600_000 });
    const store = new FundingStore();
    const writes: { at: number; doc: string; mode: number }[] = [];
    const file = new LegacyStateFile({
      file: '/nowhere/.funding_state.json',
      store,
      stream: () => ws(),
      logger,
      write: async (_f, doc, mode) => {
        writes.push({ at: Date.now(), doc, mode });
      },
    });
    file.start();
    // 10 mark-price batches a second for 5 s.
    for (let i = 0; i < 50; i++) {
      store.apply([item('BTCUSDT', { markPrice: 100 + i })], Date.now());
      await vi.advanceTimersByTimeAsync(100);
    }
    expect(writes.length).toBeGreaterThanOrEqual(4);
    expect(writes.length).toBeLessThanOrEqual(5);
    for (let i = 1; i < writes.length; i++) expect(writes[i]!.at - writes[i - 1]!.at).toBeGreaterThanOrEqual(1000);
    expect(writes.every((w) => w.mode === 0o644)).toBe(true);
    // Quiet stream: no rewrites.
    const before = writes.length;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(writes.length).toBe(before);
    // The newest price is in the file after the final flush on stop.
    store.apply([item('BTCUSDT', { markPrice: 222 })], Date.now());
    await file.stop();
    expect(JSON.parse(writes.at(-1)!.doc).funding_state.BTCUSDT.markPrice).toBe(222);
  });

  it('a failed write is retried on the next tick (and the change is not lost)', async () => {
    vi.useFakeTimers({ now: 0 });
    const store = new FundingStore();
    let fail = true;
    const docs: string[] = [];
    const file = new LegacyStateFile({
      file: '/nowhere/x.json',
      store,
      stream: () => ws(),
      logger,
      write: async (_f, doc) => {
        if (fail) throw new Error('EACCES');
        docs.push(doc);
      },
    });
    file.start();
    store.apply([item('BTCUSDT')], 0);
    await vi.advanceTimersByTimeAsync(1000);
    expect(docs).toEqual([]);
    fail = false;
    await vi.advanceTimersByTimeAsync(1000);
    expect(docs).toHaveLength(1);
    await file.stop();
  });
});
