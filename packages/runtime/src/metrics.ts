import {
  Counter,
  Gauge,
  Histogram,
  type CounterConfiguration,
  type GaugeConfiguration,
  type HistogramConfiguration,
  type Metric,
  type Registry,
} from 'prom-client';

/**
 * The one way an app registers a metric. The stack runs every app in one process on one shared registry and
 * an app may be started twice in a process (restart, tests), so registration is get-or-create:
 * - a plain counter/gauge/histogram already on the registry is reused, so its counts keep accumulating;
 * - a gauge with a `collect` callback reads live state of the *current* start, so it replaces any earlier
 *   registration of the same name (the old callback would read a stopped component).
 */
type Config<C> = Omit<C, 'registers'>;

function getOrCreate<M extends Metric>(registry: Registry, name: string, make: () => M): M {
  return (registry.getSingleMetric(name) as M | undefined) ?? make();
}

export function counter<L extends string = string>(
  registry: Registry,
  cfg: Config<CounterConfiguration<L>>,
): Counter<L> {
  return getOrCreate(registry, cfg.name, () => new Counter<L>({ ...cfg, registers: [registry] }));
}

export function histogram<L extends string = string>(
  registry: Registry,
  cfg: Config<HistogramConfiguration<L>>,
): Histogram<L> {
  return getOrCreate(registry, cfg.name, () => new Histogram<L>({ ...cfg, registers: [registry] }));
}

export function gauge<L extends string = string>(registry: Registry, cfg: Config<GaugeConfiguration<L>>): Gauge<L> {
  if (cfg.collect !== undefined && registry.getSingleMetric(cfg.name)) registry.removeSingleMetric(cfg.name);
  return getOrCreate(registry, cfg.name, () => new Gauge<L>({ ...cfg, registers: [registry] }));
}
