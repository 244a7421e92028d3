// One prom-client registry per agent. Stages create their metrics on the registry they are given (no global
// default registry), so tests get a fresh registry each and metric names stay in one place per stage.
import { Registry, collectDefaultMetrics } from 'prom-client';

export const METRIC_PREFIX = 'kube_dpi_';

export function createMetricsRegistry(options: { processMetrics?: boolean } = {}): Registry {
  const registry = new Registry();
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: METRIC_PREFIX });
  return registry;
}
