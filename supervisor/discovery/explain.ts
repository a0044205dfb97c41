import type { ClusterStatus } from './cycle-status.ts';
import { arnResourceId } from './world.ts';

/**
 * `discover --explain`: for every task and container seen, whether it became a target and, if
 * not, why — the answer to "why is my task not scraped?".
 */
export function explainText(clusters: ClusterStatus[]): string {
  const lines: string[] = [];
  for (const cluster of [...clusters].sort((a, b) => a.key.localeCompare(b.key))) {
    const state = cluster.lastError ? `FAILING (keeping last good targets): ${cluster.lastError}` : `${cluster.targets} targets`;
    lines.push(`cluster ${cluster.cluster}  account ${cluster.accountId}  region ${cluster.region}  ${state}`);
    if (cluster.heldDrop) lines.push(`  held: this cycle would drop ${cluster.heldDrop} targets; waiting for the next cycle to confirm`);
    if (cluster.tasks.length === 0) lines.push('  no tasks');
    for (const task of cluster.tasks) {
      const service = task.service ? `service ${task.service}` : 'standalone';
      lines.push(`  task ${arnResourceId(task.taskArn)}  ${task.taskDefinition}  ${service}  ${task.lastStatus}`);
      if (task.skipped) {
        lines.push(`    skipped: ${task.skipped}`);
        continue;
      }
      for (const container of task.containers) {
        const head = `    container ${container.name}:`;
        if (!container.optedIn) {
          lines.push(`${head} not scraped: no opt-in (no prometheus.io/scrape or PROMETHEUS_EXPORTER_PORT docker label, no PROMETHEUS env var, no central rule, not a built-in exporter image)`);
          continue;
        }
        for (const t of container.targets) lines.push(`${head} target ${t.address}${t.path}  (${t.source})`);
        for (const p of container.problems) lines.push(`${head} skipped endpoint: ${p}`);
        for (const n of container.notes) lines.push(`${head} note: ${n}`);
        if (container.targets.length === 0 && container.problems.length === 0) lines.push(`${head} opted in but asked for no endpoint`);
      }
    }
  }
  return lines.join('\n') + '\n';
}
