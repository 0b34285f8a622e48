import { describe, expect, it } from 'vitest';
import { VolspikeError, errorCode, isVolspikeError } from './index.js';

class DemoError extends VolspikeError<'DEMO_FAILED' | 'DEMO_STOPPED'> {}

describe('VolspikeError', () => {
  it('carries a stable code, the cause, and the subclass name', () => {
    const cause = new Error('socket hang up');
    const e = new DemoError('DEMO_FAILED', 'demo failed', { cause });
    expect(e).toBeInstanceOf(Error);
    expect(e.code).toBe('DEMO_FAILED');
    expect(e.cause).toBe(cause);
    expect(e.name).toBe('DemoError');
    expect(String(e)).toBe('DemoError: demo failed');
  });

  it('has no own cause property when none is given (logs stay short)', () => {
    expect(Object.hasOwn(new DemoError('DEMO_STOPPED', 'x'), 'cause')).toBe(false);
  });

  it('isVolspikeError narrows by code; errorCode reads any error-like code', () => {
    const e = new DemoError('DEMO_STOPPED', 'stopped');
    expect(isVolspikeError(e)).toBe(true);
    expect(isVolspikeError(e, 'DEMO_STOPPED')).toBe(true);
    expect(isVolspikeError(e, 'DEMO_FAILED')).toBe(false);
    expect(isVolspikeError(new Error('plain'))).toBe(false);
    expect(errorCode(e)).toBe('DEMO_STOPPED');
    expect(errorCode(Object.assign(new Error('x'), { code: 'ENOENT' }))).toBe('ENOENT');
    expect(errorCode('oops')).toBeUndefined();
  });
});
