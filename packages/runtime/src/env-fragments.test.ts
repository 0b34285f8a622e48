import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { backendTargetEnv, busEnv, loadEnv, processEnv } from './env.js';

const Schema = z.object({ ...backendTargetEnv, ...busEnv, ...processEnv });

describe('shared env fragments', () => {
  it('default to a local backend, the in-process bus, .data and info logs', () => {
    expect(loadEnv(Schema, {})).toEqual({
      VOLSPIKE_API_URL: 'http://127.0.0.1:3001',
      VOLSPIKE_API_KEY: undefined,
      REDIS_URL: undefined,
      DATA_DIR: '.data',
      LOG_LEVEL: 'info',
      LOG_PRETTY: false,
    });
  });

  it('read the values given', () => {
    const e = loadEnv(Schema, {
      VOLSPIKE_API_URL: 'https://api.example',
      VOLSPIKE_API_KEY: 'k',
      REDIS_URL: 'redis://r:6379',
      DATA_DIR: '/var/lib/v',
      LOG_LEVEL: 'debug',
      LOG_PRETTY: '1',
    });
    expect(e).toEqual({
      VOLSPIKE_API_URL: 'https://api.example',
      VOLSPIKE_API_KEY: 'k',
      REDIS_URL: 'redis://r:6379',
      DATA_DIR: '/var/lib/v',
      LOG_LEVEL: 'debug',
      LOG_PRETTY: true,
    });
  });

  it('name the bad variable in one line', () => {
    expect(() => loadEnv(Schema, { REDIS_URL: 'not a url' })).toThrow(
      'Invalid environment: REDIS_URL (not a url) must be an absolute URL',
    );
    expect(() => loadEnv(Schema, { LOG_PRETTY: 'yes' })).toThrow(
      'Invalid environment: LOG_PRETTY (yes) must be true, false, 1 or 0',
    );
  });
});
