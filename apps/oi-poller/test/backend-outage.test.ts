// The backend goes away for a while: sample batches and an alert raised during the outage wait in the
// outbox (on disk) and each arrives exactly once when the backend is back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANNELS } from '@volspike/runtime';
import type { OiAlertDecision } from '@volspike/oi-core';
import { createHarness, waitFor, type Harness } from './harness.js';

let h: Harness;
const busAlerts: OiAlertDecision[] = [];

beforeAll(async () => {
  h = await createHarness({ symbols: 30, seed: 3 });
  await h.bus.subscribe(CHANNELS.oiAlerts, (m) => busAlerts.push(m as OiAlertDecision));
});

afterAll(async () => {
  await h?.close();
});

const realtimeRows = () => h.db.prisma.openInterestSnapshot.count({ where: { source: 'realtime' } });

describe('backend outage', () => {
  it('loses no sample batch and no alert while the backend is down; each arrives once after it returns', async () => {
    const symbols = h.sim.market.liquid(0).slice(0, 10);
    const moved = symbols[0] as string;
    await h.setUniverse(symbols);
    const app = await h.startPoller({
      OI_ALERT_TIMEFRAMES: '3s:2%:300s:tol=1s:min=100:label=3s',
      OI_POLL_MIN_INTERVAL_MS: '1000',
      OI_POLL_MAX_INTERVAL_MS: '1000',
      OI_PUBLISH_INTERVAL_MS: '500',
      OI_HEARTBEAT_INTERVAL_MS: '1000',
    });
    await waitFor('samples stored by the backend', async () => (await realtimeRows()) >= 20, 8000);

    await h.stopBackend();
    const published = () => h.busSamples.reduce((n, m) => n + m.samples.length, 0);
    const atOutage = published();
    // An OI jump during the outage: +8 % over 4 s crosses the 3 s / 2 % rule.
    const res = await fetch(`${h.sim.url}/__sim/oi`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ symbol: moved, changePct: 8, rampSec: 4 }),
    });
    expect(res.status).toBe(200);
    await waitFor('the alert raised during the outage', () => busAlerts.length === 1, 8000);
    // 10 symbols at 1 s: samples keep being published and wait in the outbox, batch after batch
    await waitFor(
      '≥ 50 samples published, > 5 batches waiting in the outbox, the outage reported',
      () =>
        published() - atOutage >= 50 &&
        app.status().outboxDepth > 5 &&
        /backend not accepting ingest/.test(app.status().reasons.join(' ')),
      20_000,
    );
    const health = await app.health();
    expect(health.body.outboxDepth).toBeGreaterThan(5);
    // Nothing is lost, but the product is not live: /health says so while the backlog waits.
    expect(health.ok).toBe(false);
    expect(app.status().reasons.join(' ')).toMatch(/backend not accepting ingest/);

    await h.startBackend(); // same port
    await waitFor('the outbox to drain', () => app.status().outboxDepth === 0, 10_000);
    expect(app.status().reasons.join(' ')).not.toMatch(/backend not accepting ingest/);
    await app.stop(); // flushes what was still pending

    const total = published();
    expect(await realtimeRows()).toBe(total);
    const alerts = await h.db.prisma.openInterestAlert.findMany();
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ symbol: moved, direction: 'UP', timeframe: '3s' });
    expect(busAlerts).toHaveLength(1);
    const hb = await h.db.prisma.componentHeartbeat.findUnique({ where: { component: 'oi-poller' } });
    expect(hb?.status).toBe('stopped');
  }, 60_000);
});
