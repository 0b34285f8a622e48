import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { counter, gauge, histogram } from './metrics.js';

describe('metric helpers', () => {
  it('reuse a counter already on the registry, so a restarted app keeps counting', async () => {
    const registry = new Registry();
    counter(registry, { name: 'demo_total', help: 'h', labelNames: ['result'] }).inc({ result: 'ok' });
    counter(registry, { name: 'demo_total', help: 'h', labelNames: ['result'] }).inc({ result: 'ok' });
    expect(await registry.getSingleMetricAsString('demo_total')).toContain('demo_total{result="ok"} 2');
    histogram(registry, { name: 'demo_seconds', help: 'h', buckets: [1] }).observe(0.5);
    expect(histogram(registry, { name: 'demo_seconds', help: 'h', buckets: [1] })).toBe(
      registry.getSingleMetric('demo_seconds'),
    );
  });

  it('replace a collect-gauge, so the value comes from the latest start, not a stopped one', async () => {
    const registry = new Registry();
    gauge(registry, {
      name: 'demo_clients',
      help: 'h',
      collect() {
        this.set(1);
      },
    });
    gauge(registry, {
      name: 'demo_clients',
      help: 'h',
      collect() {
        this.set(7);
      },
    });
    expect(await registry.getSingleMetricAsString('demo_clients')).toContain('demo_clients 7');
  });

  it('reuse a plain gauge', () => {
    const registry = new Registry();
    const a = gauge(registry, { name: 'demo_size', help: 'h' });
    expect(gauge(registry, { name: 'demo_size', help: 'h' })).toBe(a);
  });
});
