import type { ClusterStatus } from '../discovery/cycle-status.ts';
import type { ScopeError } from '../discovery/cycle.ts';
import type { ContainerDecision, TaskDecision } from '../discovery/targets.ts';
import { arnResourceId } from '../discovery/world.ts';

/** What /discovery and /discovery.json show: every watched cluster's decisions after the last cycle. */
export interface DiscoveryDecisions {
  enabled: boolean;
  interval: string | null;
  /** Null until a cycle has finished. `discoveredAt` is the newest cluster snapshot it took. */
  lastCycle: { discoveredAt: string | null; durationSeconds: number; scopeErrors: ScopeError[] } | null;
  clusters: ClusterStatus[];
}

export type Outcome = 'scraped' | 'not scraped' | 'not opted in' | 'task passed over';

/** One line of the answer to "why is my task not scraped?": a container (or a whole task) and what became of it. */
export interface DecisionRow {
  cluster: string;
  service: string;
  taskId: string;
  taskArn: string;
  taskDefinition: string;
  /** Empty for a task passed over as a whole. */
  container: string;
  outcome: Outcome;
  /** What happened, in words the user can act on. */
  details: string[];
}

export interface ClusterCounts {
  tasks: number;
  containersScraped: number;
  containersNotScraped: number;
  tasksPassedOver: number;
  targets: number;
  skippedEndpoints: number;
}

/** Short, as it is on every such row; the page's legend says the rest once. */
const NOT_OPTED_IN = 'no opt-in: add the docker labels prometheus.io/scrape=true and prometheus.io/port=PORT, or a central rule';

/** Every container of every task in the cluster as a row, in the cluster's task order. */
export function decisionRows(cluster: ClusterStatus): DecisionRow[] {
  const rows: DecisionRow[] = [];
  for (const task of cluster.tasks) {
    const row = (container: string, outcome: Outcome, details: string[]): DecisionRow => ({
      cluster: cluster.cluster,
      service: task.service ?? '',
      taskId: arnResourceId(task.taskArn),
      taskArn: task.taskArn,
      taskDefinition: task.taskDefinition,
      container,
      outcome,
      details,
    });
    if (task.skipped !== undefined) rows.push(row('', 'task passed over', [taskPassedOver(task)]));
    else for (const container of task.containers) rows.push(containerRow(container, row));
  }
  return rows;
}

function taskPassedOver(task: TaskDecision): string {
  if (task.lastStatus !== 'RUNNING') return `not scraped yet: ${task.skipped}. Its containers are judged once the task runs.`;
  return `not scraped: ${task.skipped}. Discovery could not read the task definition (see the discovery log for the AWS error, often a missing ecs:DescribeTaskDefinition permission).`;
}

function containerRow(container: ContainerDecision, row: (container: string, outcome: Outcome, details: string[]) => DecisionRow): DecisionRow {
  if (!container.optedIn) return row(container.name, 'not opted in', [NOT_OPTED_IN]);
  const details: string[] = [];
  for (const t of container.targets) details.push(`scraped at ${t.address}${t.path} (opted in by ${t.source})`);
  for (const p of container.problems) details.push(`endpoint not scraped: ${p}. Fix the label, variable or rule named here.`);
  for (const n of container.notes) details.push(`note: ${n}`);
  if (container.targets.length === 0 && container.problems.length === 0) {
    details.push("not scraped: it opted in but names no endpoint; add a port (prometheus.io/port, PROMETHEUS_EXPORTER_PORT or the rule's endpoints).");
  }
  return row(container.name, container.targets.length > 0 ? 'scraped' : 'not scraped', details);
}

export function clusterCounts(cluster: ClusterStatus): ClusterCounts {
  const counts: ClusterCounts = { tasks: cluster.tasks.length, containersScraped: 0, containersNotScraped: 0, tasksPassedOver: 0, targets: cluster.targets, skippedEndpoints: cluster.skippedEndpoints };
  for (const task of cluster.tasks) {
    if (task.skipped !== undefined) counts.tasksPassedOver++;
    else for (const container of task.containers) {
      if (container.targets.length > 0) counts.containersScraped++;
      else counts.containersNotScraped++;
    }
  }
  return counts;
}

/**
 * Search terms: every whitespace-separated word must occur, case-insensitively. A pasted ARN
 * counts by its last part (the task id), which the searchable text holds without the ARN's bulk.
 */
export function searchTerms(query: string | null | undefined): string[] {
  return (query ?? '')
    .toLowerCase()
    .split(/\s+/)
    .map((term) => term.slice(term.lastIndexOf('/') + 1))
    .filter(Boolean);
}

/** The text a search looks through: cluster, service, task id, task definition, container and what happened. */
export function searchableText(row: DecisionRow): string {
  return `${row.cluster} ${row.service} ${row.taskId} ${row.taskDefinition} ${row.container} ${row.outcome} ${row.details.join(' ')}`.toLowerCase();
}

export function matchesTerms(text: string, terms: readonly string[]): boolean {
  return terms.every((term) => text.includes(term));
}
