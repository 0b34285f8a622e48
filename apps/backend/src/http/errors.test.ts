import express from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createLogger } from '@volspike/runtime';
import { errorHandler, formatPath, parseOr400 } from './errors.js';

function appThatThrows(development: boolean) {
  const app = express();
  app.get('/boom', () => {
    throw new Error('database exploded');
  });
  app.get('/bad', (req) => {
    parseOr400(z.object({ n: z.string().regex(/^\d+$/) }), req.query, 'Invalid query', 'query');
  });
  app.use(errorHandler({ logger: createLogger({ name: 'test', level: 'silent' }), development }));
  return app;
}

describe('errorHandler', () => {
  it('answers an unexpected error with the legacy 500 shape, hiding the message outside development', async () => {
    const prod = await request(appThatThrows(false)).get('/boom').set('X-Request-Id', 'req-7');
    expect(prod.status).toBe(500);
    expect(prod.body).toEqual({ error: 'Internal Server Error', message: 'Something went wrong', requestId: 'req-7' });
    const dev = await request(appThatThrows(true)).get('/boom');
    expect(dev.body).toEqual({ error: 'Internal Server Error', message: 'database exploded', requestId: 'unknown' });
  });

  it('turns a zod failure into a 400 naming the parameter', async () => {
    const res = await request(appThatThrows(false)).get('/bad');
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/^n: /);
  });

  it.each([
    [['data', 3, 'openInterest'], 'data[3].openInterest'],
    [[0], '[0]'],
    [[], ''],
  ])('formats path %j as %s', (path, text) => {
    expect(formatPath(path)).toBe(text);
  });
});
