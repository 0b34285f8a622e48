import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Logger } from 'pino';
import { HeartbeatSender, type HeartbeatSenderOptions } from './heartbeat.js';

interface Call {
  at: number;
  url: string;
  headers: Record<string, string>;
  body: { component: string; status: string; details: Record<string, unknown> };
}

function fakeBackend() {
  const calls: Call[] = [];
  let statuses: number[] = [];
  const fetchImpl = (async (url: string | URL, init?: RequestInit) => {
    calls.push({
      at: Date.now(),
      url: String(url),
      headers: init?.headers as Record<string, string>,
      body: JSON.parse(String(init?.body)) as Call['body'],
    });
    const status = statuses.shift() ?? 200;
    if (status === 0) throw new TypeError('fetch failed');
    return new Response('{}', { status });
  }) as typeof fetch;
  return { calls, fetchImpl, failNext: (...s: number[]) => (statuses = s) };
}

function fakeLogger() {
  const warn = vi.fn();
  const info = vi.fn();
  return { logger: { warn, info } as unknown as Logger, warn, info };
}

let sender: HeartbeatSender | null = null;
beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
});
afterEach(async () => {
  await sender?.stop();
  sender = null;
  vi.useRealTimers();
});

function make(overrides: Partial<HeartbeatSenderOptions> = {}) {
  const backend = fakeBackend();
  const log = fakeLogger();
  let n = 0;
  sender = new HeartbeatSender({
    component: 'demo',
    apiUrl: 'http://backend.test:3001',
    apiKey: 'k3y',
    intervalMs: 1000,
    report: () => ({ status: 'ok', details: { n: ++n } }),
    logger: log.logger,
    fetchImpl: backend.fetchImpl,
    random: () => 1,
    ...overrides,
  });
  return { backend, log, sender };
}

describe('HeartbeatSender', () => {
  it('posts {component, status, details} with X-API-Key to /api/heartbeats every interval', async () => {
    const { backend, sender } = make();
    sender.start();
    await vi.advanceTimersByTimeAsync(3500);
    expect(backend.calls.map((c) => c.at - 1_000_000)).toEqual([0, 1000, 2000, 3000]);
    expect(backend.calls[0]).toMatchObject({
      url: 'http://backend.test:3001/api/heartbeats',
      headers: { 'X-API-Key': 'k3y', 'content-type': 'application/json' },
      body: { component: 'demo', status: 'ok', details: { n: 1 } },
    });
    expect(backend.calls[3]?.body.details).toEqual({ n: 4 });
  });

  it('backs off while the backend fails, logs the outage and the recovery once, then returns to the interval', async () => {
    // why: a down backend must not be hammered every 15 s by every daemon, nor fill the log with one line per beat
    const { backend, log, sender } = make();
    backend.failNext(503, 0, 500, 500);
    sender.start();
    await vi.advanceTimersByTimeAsync(24_000);
    const gaps = backend.calls.slice(1).map((c, i) => c.at - (backend.calls[i] as Call).at);
    // random() = 1 → the full backoff: 2, 4, 8 intervals, then capped at 8; after the success the plain interval
    expect(gaps.slice(0, 5)).toEqual([2000, 4000, 8000, 8000, 1000]);
    expect(log.warn).toHaveBeenCalledOnce();
    expect(log.warn.mock.calls[0]?.[1]).toBe('heartbeat failed; backing off');
    expect(log.info).toHaveBeenCalledOnce();
    expect(log.info.mock.calls[0]).toEqual([{ failures: 4 }, 'heartbeats delivered again']);
    expect(sender.failureCount()).toBe(0);
  });

  it('keeps the plain interval while failing when backoff is off', async () => {
    const { backend, sender } = make({ backoff: false });
    backend.failNext(500, 500, 500);
    sender.start();
    await vi.advanceTimersByTimeAsync(3500);
    expect(backend.calls.map((c) => c.at - 1_000_000)).toEqual([0, 1000, 2000, 3000]);
  });

  it('sends a final "stopped" heartbeat on stop and nothing afterwards', async () => {
    const { backend, sender } = make();
    sender.start(500);
    await vi.advanceTimersByTimeAsync(600);
    await sender.stop({ finalStatus: 'stopped' });
    expect(backend.calls.map((c) => c.body.status)).toEqual(['ok', 'stopped']);
    await vi.advanceTimersByTimeAsync(5000);
    expect(backend.calls).toHaveLength(2);
  });

  it('does not send a final heartbeat when it was never started', async () => {
    const { backend, sender } = make();
    await sender.stop({ finalStatus: 'stopped' });
    expect(backend.calls).toHaveLength(0);
  });

  it('sendNow sends outside the chain and reports delivery', async () => {
    const { backend, sender } = make();
    expect(await sender.sendNow()).toBe(true);
    backend.failNext(500);
    expect(await sender.sendNow()).toBe(false);
    await sender.sendNow('starting');
    expect(backend.calls.map((c) => c.body.status)).toEqual(['ok', 'ok', 'starting']);
  });

  it('does nothing without a backend URL, and omits the key header without a key', async () => {
    const off = make({ apiUrl: null });
    off.sender.start();
    expect(off.sender.enabled()).toBe(false);
    expect(await off.sender.sendNow()).toBe(false);
    await vi.advanceTimersByTimeAsync(3000);
    await off.sender.stop({ finalStatus: 'stopped' });
    expect(off.backend.calls).toHaveLength(0);

    const keyless = make({ apiKey: undefined, url: 'http://backend.test/prefix/api/heartbeats' });
    await keyless.sender.sendNow();
    expect(keyless.backend.calls[0]?.url).toBe('http://backend.test/prefix/api/heartbeats');
    expect(keyless.backend.calls[0]?.headers).toEqual({ 'content-type': 'application/json' });
  });
});
