import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Lifecycle } from './lifecycle.js';
import { createLogger } from './logger.js';

function setup(deadlineMs?: number) {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c.toString()));
  const logger = createLogger({ name: 'lc', level: 'debug', destination: stream });
  const lines = () =>
    chunks
      .join('')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { level: number; msg: string; [k: string]: unknown });
  return { lifecycle: new Lifecycle({ logger, deadlineMs }), lines };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('Lifecycle', () => {
  afterEach(() => vi.useRealTimers());

  it('stops components in reverse order of add, one at a time', async () => {
    const { lifecycle } = setup();
    const order: string[] = [];
    const comp = (name: string, ms: number) => async () => {
      order.push(`${name}:start`);
      await new Promise((r) => setTimeout(r, ms));
      order.push(`${name}:done`);
    };
    lifecycle.add('db', comp('db', 1));
    lifecycle.add('bus', comp('bus', 5));
    lifecycle.add('http', comp('http', 1));
    await lifecycle.shutdown('test');
    expect(order).toEqual(['http:start', 'http:done', 'bus:start', 'bus:done', 'db:start', 'db:done']);
  });

  it('is idempotent: a second shutdown returns the same promise and stops nothing twice', async () => {
    const { lifecycle } = setup();
    const stop = vi.fn();
    lifecycle.add('a', stop);
    const p1 = lifecycle.shutdown('one');
    const p2 = lifecycle.shutdown('two');
    expect(p2).toBe(p1);
    await p1;
    await lifecycle.shutdown('three');
    expect(stop).toHaveBeenCalledTimes(1);
  });

  it('keeps going when a component throws, and logs it', async () => {
    const { lifecycle, lines } = setup();
    const stopped: string[] = [];
    lifecycle.add('first', () => void stopped.push('first'));
    lifecycle.add('broken', () => {
      throw new Error('cannot close');
    });
    lifecycle.add('last', async () => void stopped.push('last'));
    await lifecycle.shutdown('test');
    expect(stopped).toEqual(['last', 'first']);
    const err = lines().find((l) => l.msg === 'component failed to stop cleanly');
    expect(err).toMatchObject({ component: 'broken', err: { message: 'cannot close' } });
  });

  it('gives up on a hung component at the deadline and names what was abandoned', async () => {
    vi.useFakeTimers();
    const { lifecycle, lines } = setup(1000);
    lifecycle.add('db', vi.fn());
    lifecycle.add('hung', () => new Promise<void>(() => undefined));
    let done = false;
    const p = lifecycle.shutdown('test').then(() => (done = true));
    await vi.advanceTimersByTimeAsync(999);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await p;
    const line = lines().find((l) => l.msg.startsWith('shutdown deadline passed'));
    expect(line).toMatchObject({ stuck: 'hung', abandoned: ['hung', 'db'] });
  });

  it('a signal shuts down and exits 0; a second signal exits 1 at once', async () => {
    const { lifecycle } = setup();
    let release!: () => void;
    lifecycle.add('slow', () => new Promise<void>((r) => (release = r)));
    const onExit = vi.fn();
    lifecycle.handleSignal('SIGTERM', onExit);
    await tick();
    expect(onExit).not.toHaveBeenCalled();
    lifecycle.handleSignal('SIGINT', onExit);
    expect(onExit).toHaveBeenCalledWith(1);
    release();
    await lifecycle.shutdown('x');
    await tick();
    expect(onExit).toHaveBeenLastCalledWith(0);
  });

  it('logs an unhandled rejection as fatal, shuts down and exits 1', async () => {
    const { lifecycle, lines } = setup();
    const stop = vi.fn();
    lifecycle.add('a', stop);
    const onExit = vi.fn();
    lifecycle.handleFatal('unhandledRejection', new Error('forgot to await'), onExit);
    await lifecycle.shutdown('again');
    await tick();
    expect(stop).toHaveBeenCalledTimes(1);
    expect(onExit).toHaveBeenCalledWith(1);
    expect(lines().find((l) => l.level === 60)).toMatchObject({
      msg: 'unhandledRejection',
      err: { message: 'forgot to await' },
    });
  });

  it('a fatal error during a signal-started shutdown makes the exit code 1', async () => {
    const { lifecycle } = setup();
    let release!: () => void;
    lifecycle.add('slow', () => new Promise<void>((r) => (release = r)));
    const onExit = vi.fn();
    lifecycle.handleSignal('SIGTERM', onExit);
    lifecycle.handleFatal('uncaughtException', new Error('late crash'), onExit);
    release();
    await lifecycle.shutdown('x');
    await tick();
    expect(onExit.mock.calls).toEqual([[1]]);
  });

  it('installs and removes process handlers for SIGTERM, SIGINT, unhandledRejection, uncaughtException', () => {
    const { lifecycle } = setup();
    const events = ['SIGTERM', 'SIGINT', 'unhandledRejection', 'uncaughtException'] as const;
    const before = events.map((e) => process.listenerCount(e));
    lifecycle.installSignalHandlers(() => undefined);
    lifecycle.installSignalHandlers(() => undefined);
    expect(events.map((e) => process.listenerCount(e))).toEqual(before.map((c) => c + 1));
    lifecycle.removeSignalHandlers();
    expect(events.map((e) => process.listenerCount(e))).toEqual(before);
  });

  it('stops a component added after shutdown began right away', async () => {
    const { lifecycle } = setup();
    await lifecycle.shutdown('x');
    const late = vi.fn();
    lifecycle.add('late', late);
    await tick();
    expect(late).toHaveBeenCalledTimes(1);
  });
});
