import type { Registry } from 'prom-client';
import type { CycleReport } from './service.ts';

/** What `discover --once` prints: targets per cluster, then the AWS calls the cycle cost. */
export async function cycleSummary(report: CycleReport, registry: Registry, outDir: string): Promise<string> {
  const lines = [`discovery cycle: ${report.durationSeconds.toFixed(2)} s, target files in ${outDir}`];
  for (const c of [...report.clusters].sort((a, b) => a.key.localeCompare(b.key))) {
    const state = c.lastError ? `  FAILING, kept last good: ${c.lastError}` : '';
    const held = `${c.heldDrop ? `  (drop of ${c.heldDrop} held)` : ''}${c.writeError ? `  NOT WRITTEN: ${c.writeError}` : ''}`;
    const skipped = c.skippedEndpoints ? `  ${c.skippedEndpoints} endpoints skipped (see --explain)` : '';
    lines.push(`  ${c.accountId}/${c.region}/${c.cluster}: ${c.targets} targets${skipped}${held}${state}`);
  }
  for (const e of report.scopeErrors) lines.push(`  ${e.scope}: ${e.error}`);
  const calls = await counterValues(registry, 'ecs_appliance_discovery_api_calls_total');
  if (calls.length > 0) {
    lines.push('AWS API calls:');
    for (const { labels, value } of calls) lines.push(`  ${labels.operation} ${labels.outcome}: ${value}`);
  }
  const lookups = await counterValues(registry, 'ecs_appliance_discovery_cache_lookups_total');
  const hits = lookups.filter((l) => l.labels.result === 'hit').reduce((a, l) => a + l.value, 0);
  const total = lookups.reduce((a, l) => a + l.value, 0);
  lines.push(`cache hits: ${hits} of ${total} lookups`);
  return lines.join('\n') + '\n';
}

async function counterValues(registry: Registry, name: string): Promise<{ labels: Record<string, string | number>; value: number }[]> {
  const metric = registry.getSingleMetric(name);
  if (!metric) return [];
  const data = await metric.get();
  return data.values.map((v) => ({ labels: v.labels as Record<string, string | number>, value: v.value }));
}
