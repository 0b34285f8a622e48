import { describe, expect, it } from 'vitest';
import { BackendClient } from '@volspike/backend-client';
import type { OpenInterestHistPoint } from '@volspike/binance-client';
import { createLogger } from '@volspike/runtime';
import { HistoryStore } from './history-store.js';
import { WarmStarter } from './warm-start.js';

const logger = createLogger({ name: 'warm-start-unit', level: 'silent' });
const MIN = 60_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function setup(
  stored: Record<string, { ts: number; oi: number; mark: number | null }[]>,
  opts: { spacingMs?: number; backendDown?: boolean } = {},
) {
  const now = Date.now();
  const history = new HistoryStore(180);
  const histCalls: { symbol: string; limit: number; at: number }[] = [];
  const hist = {
    history: async (symbol: string, limit: number): Promise<OpenInterestHistPoint[]> => {
      histCalls.push({ symbol, limit, at: Date.now() });
      const end = Math.floor(now / (5 * MIN)) * 5 * MIN;
      return Array.from({ length: limit }, (_, i) => ({
        symbol,
        sumOpenInterest: 500 + i,
        sumOpenInterestValue: (500 + i) * 2,
        cmcCirculatingSupply: null,
        timestamp: end - (limit - 1 - i) * 5 * MIN,
      }));
    },
  };
  const backendUrls: string[] = [];
  const warm = new WarmStarter({
    backend: new BackendClient({
      baseUrl: 'http://api',
      apiKey: 'k',
      fetchImpl: async (url) => {
        backendUrls.push(String(url));
        if (opts.backendDown) throw new Error('ECONNREFUSED');
        const symbol = new URL(String(url)).searchParams.get('symbol') as string;
        const samples = (stored[symbol] ?? []).map((s) => ({
          ts: new Date(s.ts).toISOString(),
          openInterest: s.oi,
          openInterestUsd: null,
          markPrice: s.mark,
          source: 'realtime',
        }));
        return new Response(JSON.stringify({ symbol, samples, count: samples.length }), {
          headers: { 'content-type': 'application/json' },
        });
      },
    }),
    history,
    hist,
    neededSpanMs: 62 * MIN,
    histSpacingMs: opts.spacingMs ?? 0,
    intervalFor: () => 5000,
    logger,
  });
  return { now, history, histCalls, backendUrls, warm };
}

async function until(fn: () => boolean, ms = 3000): Promise<void> {
  for (const end = Date.now() + ms; !fn() && Date.now() < end;) await sleep(10);
}

describe('WarmStarter', () => {
  it('uses the backend’s stored samples when they cover the span the rules need (no Binance call)', async () => {
    const now = Date.now();
    const dense = Array.from({ length: 13 * 6 }, (_, i) => ({
      ts: now - 65 * MIN + i * 50_000,
      oi: 1000 + i,
      mark: i % 2 ? 2 : null,
    }));
    const t = setup({ AUSDT: dense });
    t.warm.start();
    t.warm.enqueue(['AUSDT']);
    await until(() => t.warm.pendingCount() === 0);
    expect(t.backendUrls[0]).toContain('/api/market/open-interest/samples?symbol=AUSDT&since=');
    const buf = t.history.get('AUSDT');
    expect(buf?.size).toBeGreaterThan(70);
    expect(buf?.at(1)?.mark).toBe(2);
    expect(t.histCalls).toHaveLength(0);
    await t.warm.stop();
  });

  it('fills what the backend lacks from openInterestHist (≤ 36 points of 5 min), paced', async () => {
    const now = Date.now();
    const recent = Array.from({ length: 10 }, (_, i) => ({ ts: now - 10 * MIN + i * MIN, oi: 2000, mark: 3 }));
    const t = setup({ AUSDT: recent }, { spacingMs: 150 });
    t.warm.start();
    t.warm.enqueue(['AUSDT', 'BUSDT', 'CUSDT']);
    await until(() => t.warm.pendingCount() === 0);
    expect(t.histCalls.map((c) => c.symbol).sort()).toEqual(['AUSDT', 'BUSDT', 'CUSDT']);
    expect(t.histCalls.every((c) => c.limit <= 36 && c.limit >= 13)).toBe(true);
    for (let i = 1; i < t.histCalls.length; i++)
      expect((t.histCalls[i]?.at ?? 0) - (t.histCalls[i - 1]?.at ?? 0)).toBeGreaterThanOrEqual(140);
    const a = t.history.get('AUSDT')?.toArray() ?? [];
    expect(a.length).toBeGreaterThan(20);
    expect(a.some((s) => s.oi === 2000)).toBe(true); // stored samples kept
    expect(a.every((s, i) => i === 0 || s.ts > (a[i - 1]?.ts ?? 0))).toBe(true);
    expect(a.find((s) => s.oi === 500)?.mark).toBe(2); // value ÷ contracts
    await t.warm.stop();
  });

  it('falls back to openInterestHist when the backend is unreachable', async () => {
    const t = setup({}, { backendDown: true });
    t.warm.start();
    t.warm.enqueue(['AUSDT']);
    await until(() => t.warm.pendingCount() === 0);
    expect(t.histCalls).toHaveLength(1);
    expect(t.history.get('AUSDT')?.size).toBeGreaterThan(10);
    await t.warm.stop();
  });
});
