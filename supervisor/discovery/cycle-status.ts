import type { ClusterCycle, CycleResult } from './cycle.ts';
import type { DiscoveryMetrics } from './metrics.ts';
import type { TaskDecision } from './targets.ts';
import { taskSeries, type ClusterTasks } from './task-series.ts';

/** What one cluster looked like after the last cycle: for /status, --explain and the metrics. */
export interface ClusterStatus {
  key: string;
  scope: string;
  accountId: string;
  region: string;
  cluster: string;
  targets: number;
  skippedEndpoints: number;
  lastSuccess?: string;
  lastError?: string;
  /** Why the cluster's target file could not be written; it is tried again every cycle. */
  writeError?: string;
  heldDrop?: number;
  tasks: TaskDecision[];
}

/**
 * The statuses after a cycle, from those before it and what the cycle did. A cluster keeps its
 * last success, last error and write error until a cycle says otherwise (its tasks too, when it
 * failed); a held drop is news of one cycle only; a cluster whose file was removed is forgotten.
 */
export function nextStatuses(previous: ReadonlyMap<string, ClusterStatus>, result: CycleResult): Map<string, ClusterStatus> {
  const next = new Map<string, ClusterStatus>();
  for (const [key, status] of previous) {
    const { heldDrop: _, ...rest } = status;
    const scopeError = result.scopeErrors.find((e) => e.scope === status.scope);
    next.set(key, scopeError ? { ...rest, lastError: scopeError.error } : rest);
  }
  for (const cluster of result.clusters) {
    const status = statusAfter(next.get(cluster.key), cluster);
    if (status) next.set(cluster.key, status);
    else next.delete(cluster.key);
  }
  return next;
}

function statusAfter(before: ClusterStatus | undefined, cluster: ClusterCycle): ClusterStatus | undefined {
  if (cluster.write?.ok && cluster.write.removed) return undefined;
  let status: ClusterStatus;
  if (cluster.fetch === 'gone') {
    if (!before) return undefined;
    status = before;
  } else {
    const { key, scope, accountId, region, cluster: name } = cluster;
    const known = before ?? { key, scope, accountId, region, cluster: name, targets: 0, skippedEndpoints: 0, tasks: [] };
    if (cluster.fetch === 'failed') {
      status = { ...known, lastError: cluster.error };
    } else {
      const { lastError: _, ...rest } = known;
      status = { ...rest, tasks: cluster.tasks, skippedEndpoints: cluster.skippedEndpoints, lastSuccess: cluster.discoveredAt.toISOString() };
    }
  }
  const { writeError: _, ...rest } = status;
  const writeError = cluster.write === undefined ? status.writeError : cluster.write.ok ? undefined : cluster.write.error;
  return {
    ...rest,
    targets: cluster.targets,
    ...(cluster.heldDrop !== undefined ? { heldDrop: cluster.heldDrop } : {}),
    ...(writeError !== undefined ? { writeError } : {}),
  };
}

/**
 * Brings discovery's metrics up to date with a cycle. The statuses before and after it name each
 * cluster's labels, those of a cluster that failed with its whole scope or is gone included.
 */
export function recordCycle(
  metrics: DiscoveryMetrics,
  result: CycleResult,
  before: ReadonlyMap<string, ClusterStatus>,
  after: ReadonlyMap<string, ClusterStatus>,
  tasks: ReadonlyMap<string, ClusterTasks>,
): void {
  metrics.cycleDuration.observe(result.durationSeconds);
  for (const { scope } of result.scopeErrors) {
    for (const status of before.values()) if (status.scope === scope) metrics.clusterFailures.inc(labelsOf(status));
  }
  for (const cluster of result.clusters) {
    if (cluster.heldDrop !== undefined) metrics.heldDrops.inc({ cluster: cluster.key });
    const status = after.get(cluster.key) ?? before.get(cluster.key);
    if (!status) continue;
    const labels = labelsOf(status);
    if (cluster.fetch === 'discovered') {
      metrics.lastSuccess.set(labels, cluster.discoveredAt.getTime() / 1000);
      metrics.skippedEndpoints.set(labels, cluster.skippedEndpoints);
    }
    if (cluster.fetch === 'failed') metrics.clusterFailures.inc(labels);
    if (cluster.write?.ok === false) metrics.writeFailures.inc(labels);
    if (cluster.write?.ok && cluster.write.removed) metrics.targets.remove(labels);
  }
  for (const status of after.values()) metrics.targets.set(labelsOf(status), status.targets);
  metrics.showTasks(taskSeries(tasks.values()));
}

function labelsOf(status: ClusterStatus) {
  return { account: status.accountId, region: status.region, cluster: status.cluster };
}
