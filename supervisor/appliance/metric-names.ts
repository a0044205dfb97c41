import type { Registry } from 'prom-client';

/**
 * Drops every metric whose name starts with `prefix`, so a part that is rebuilt with new settings
 * (discovery, the proxy, the component supervisor) can register its metrics again. Counters start
 * over, which Prometheus reads as a reset.
 */
export function removeMetrics(registry: Registry, prefix: string): void {
  for (const metric of registry.getMetricsAsArray()) {
    if (metric.name.startsWith(prefix)) registry.removeSingleMetric(metric.name);
  }
}
