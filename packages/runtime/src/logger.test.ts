import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';

function capture(): { stream: PassThrough; lines: () => Record<string, unknown>[]; text: () => string } {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c.toString('utf8')));
  const text = (): string => chunks.join('');
  return {
    stream,
    text,
    lines: () =>
      text()
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe('createLogger', () => {
  it('writes JSON lines with name, level and child bindings', () => {
    const out = capture();
    const log = createLogger({ name: 'oi-poller', destination: out.stream });
    log.child({ component: 'poller' }).info({ symbols: 3 }, 'started');
    const [line] = out.lines();
    expect(line).toMatchObject({ name: 'oi-poller', level: 30, component: 'poller', symbols: 3, msg: 'started' });
    expect(typeof line?.time).toBe('string');
  });

  it('redacts api keys, tokens, passwords, secrets and auth headers', () => {
    const out = capture();
    const log = createLogger({ name: 't', destination: out.stream });
    log.info(
      {
        apiKey: 'top-level-key',
        config: { apiKey: 'k1', token: 't1', password: 'p1', secret: 's1', keep: 'visible' },
        req: { headers: { authorization: 'Bearer abc', 'x-api-key': 'xyz', accept: 'json' } },
        headers: { authorization: 'Bearer def', 'x-api-key': 'uvw' },
      },
      'request',
    );
    const text = out.text();
    for (const secret of ['top-level-key', 'k1', 't1', 'p1', 's1', 'Bearer abc', 'xyz', 'Bearer def', 'uvw'])
      expect(text).not.toContain(secret);
    const [line] = out.lines() as [{ config: Record<string, string>; req: { headers: Record<string, string> } }];
    expect(line.config.keep).toBe('visible');
    expect(line.config.token).toBe('[Redacted]');
    expect(line.req.headers.accept).toBe('json');
  });

  it('redacts a Telegram user session and API hash', () => {
    const out = capture();
    const log = createLogger({ name: 'telegram-poller', destination: out.stream });
    log.info({ session: '1BVts-session', env: { TELEGRAM_SESSION: '1BVts-env', TELEGRAM_API_HASH: 'abc123' } }, 'x');
    log.info({ client: { apiHash: 'abc123', session: '1BVts-nested' } }, 'y');
    expect(out.text()).not.toMatch(/1BVts|abc123/);
    expect(out.lines()[0]).toMatchObject({ session: '[Redacted]' });
  });

  it('serialises errors under err with message and stack', () => {
    const out = capture();
    const log = createLogger({ name: 't', destination: out.stream });
    log.error({ err: Object.assign(new Error('boom'), { code: 'E_BOOM' }) }, 'failed');
    const [line] = out.lines() as [{ err: { message: string; stack: string; code: string; type: string } }];
    expect(line.err).toMatchObject({ message: 'boom', code: 'E_BOOM', type: 'Error' });
    expect(line.err.stack).toContain('Error: boom');
  });

  it('honours the level', () => {
    const out = capture();
    const log = createLogger({ name: 't', level: 'warn', destination: out.stream });
    log.info('hidden');
    log.warn('shown');
    expect(out.lines().map((l) => l.msg)).toEqual(['shown']);
  });

  it('prints human-readable lines only when pretty is asked for', async () => {
    const out = capture();
    const log = createLogger({ name: 'pretty-app', pretty: true, destination: out.stream });
    log.info({ password: 'hunter2' }, 'hello there');
    await new Promise((r) => setImmediate(r));
    const text = out.text();
    expect(text).toContain('hello there');
    expect(text).toContain('pretty-app');
    expect(text).not.toContain('hunter2');
    expect(() => JSON.parse(text.split('\n')[0] ?? '')).toThrow();
  });
});
