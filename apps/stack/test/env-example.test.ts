// `.env.example` is the operator's reference: every variable any app reads is listed there, and nothing is
// listed that no app reads (a stale entry misleads as much as a missing one).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as backend from '@volspike/backend';
import * as binanceProxy from '@volspike/binance-proxy';
import * as funding from '@volspike/funding';
import * as oiPoller from '@volspike/oi-poller';
import * as telegramPoller from '@volspike/telegram-poller';
import * as universeJob from '@volspike/universe-job';
import * as userAlerts from '@volspike/user-alerts';
import * as volumeAlerts from '@volspike/volume-alerts';
import { StackEnvSchema } from '../src/env.js';

const schemas: Record<string, unknown> = {
  stack: StackEnvSchema,
  backend: backend.EnvSchema,
  'binance-proxy': binanceProxy.EnvSchema,
  funding: funding.EnvSchema,
  'oi-poller': oiPoller.EnvSchema,
  'telegram-poller': telegramPoller.EnvSchema,
  'universe-job': universeJob.EnvSchema,
  'user-alerts': userAlerts.EnvSchema,
  'volume-alerts': volumeAlerts.EnvSchema,
};

function keysOf(schema: unknown): string[] {
  // A plain zod object, or one piped into a transform (its input side holds the variables).
  const s = schema as { shape?: Record<string, unknown>; def?: { in?: { shape?: Record<string, unknown> } } };
  const shape = s.shape ?? s.def?.in?.shape;
  if (!shape) throw new Error('EnvSchema is not a zod object');
  return Object.keys(shape);
}

const listed = new Set(
  readFileSync(resolve(import.meta.dirname, '../../../.env.example'), 'utf8')
    .split('\n')
    .map((l) => /^([A-Z][A-Z0-9_]*)=/.exec(l)?.[1])
    .filter((k): k is string => k !== undefined),
);
// Variables only the CLIs read (not part of an app's EnvSchema).
const CLI_ONLY = ['SIM_PORT', 'SIM_SYMBOLS', 'SIM_SEED', 'SIM_WEIGHT_LIMIT_PER_MIN'];

describe('.env.example', () => {
  it.each(Object.entries(schemas))('lists every variable %s reads', (_app, schema) => {
    expect(keysOf(schema).filter((k) => !listed.has(k))).toEqual([]);
  });

  it('lists nothing that no app reads', () => {
    const read = new Set([...Object.values(schemas).flatMap(keysOf), ...CLI_ONLY]);
    expect([...listed].filter((k) => !read.has(k))).toEqual([]);
  });
});
