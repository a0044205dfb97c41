import type { ClusterStatus } from './cycle-status.ts';
import type { CycleResult } from './cycle.ts';
import { startedSince, type RunningTask } from './running-tasks.ts';

export interface Sample<L extends string> {
  labels: Record<L, string>;
  value: number;
}

export type TaskInfoLabel = 'cluster' | 'service' | 'task_arn' | 'task_family' | 'task_revision' | 'launch_type' | 'availability_zone';
export type TaskLabel = 'cluster' | 'task_arn';
export type ContainerLabel = 'cluster' | 'task_arn' | 'container';

/** The appliance's own series about what runs in the watched clusters, ready to expose. */
export interface TaskSeries {
  taskInfo: Sample<TaskInfoLabel>[];
  taskCpuLimitCores: Sample<TaskLabel>[];
  taskMemoryLimitBytes: Sample<TaskLabel>[];
  containerCpuLimitCores: Sample<ContainerLabel>[];
  containerMemoryLimitBytes: Sample<ContainerLabel>[];
  tasksStarted: Sample<'cluster' | 'service'>[];
}

/** What one cluster runs, as last discovered, and how many tasks each of its services started since. */
export interface ClusterTasks {
  /** The cluster's name, the `cluster` label of every series. */
  cluster: string;
  runningTasks: readonly RunningTask[];
  /** Per service ("" for tasks no service started). */
  tasksStarted: ReadonlyMap<string, number>;
}

/**
 * Each cluster's tasks after a cycle, from those before it. A cluster that could not be fetched
 * keeps what it had, so an AWS failure never makes series vanish; one whose status is gone goes.
 * Counting starts at a cluster's first successful look: tasks running then started unseen.
 */
export function nextClusterTasks(
  previous: ReadonlyMap<string, ClusterTasks>,
  result: CycleResult,
  statuses: ReadonlyMap<string, ClusterStatus>,
): Map<string, ClusterTasks> {
  const next = new Map([...previous].filter(([key]) => statuses.has(key)));
  for (const cluster of result.clusters) {
    if (cluster.fetch !== 'discovered' || !statuses.has(cluster.key)) continue;
    const before = previous.get(cluster.key);
    const tasksStarted = new Map(before?.tasksStarted);
    if (before) for (const [service, started] of startedSince(before.runningTasks, cluster.runningTasks)) tasksStarted.set(service, (tasksStarted.get(service) ?? 0) + started);
    next.set(cluster.key, { cluster: cluster.cluster, runningTasks: cluster.runningTasks, tasksStarted });
  }
  return next;
}

/**
 * The series of every watched cluster: one per running task and container, a limit only where
 * one is set. Keyed by cluster name and task ARN only, so dashboards join them to cAdvisor's and
 * ecs_exporter's series with `on(cluster, task_arn)`.
 */
export function taskSeries(clusters: Iterable<ClusterTasks>): TaskSeries {
  const series: TaskSeries = {
    taskInfo: [],
    taskCpuLimitCores: [],
    taskMemoryLimitBytes: [],
    containerCpuLimitCores: [],
    containerMemoryLimitBytes: [],
    tasksStarted: [],
  };
  for (const { cluster, runningTasks, tasksStarted } of clusters) {
    for (const task of runningTasks) {
      const key = { cluster, task_arn: task.taskArn };
      series.taskInfo.push({
        labels: {
          cluster,
          service: task.service,
          task_arn: task.taskArn,
          task_family: task.family,
          task_revision: task.revision,
          launch_type: task.launchType,
          availability_zone: task.availabilityZone,
        },
        value: 1,
      });
      if (task.cpuCores !== undefined) series.taskCpuLimitCores.push({ labels: key, value: task.cpuCores });
      if (task.memoryBytes !== undefined) series.taskMemoryLimitBytes.push({ labels: key, value: task.memoryBytes });
      for (const container of task.containers) {
        const labels = { ...key, container: container.name };
        if (container.cpuCores !== undefined) series.containerCpuLimitCores.push({ labels, value: container.cpuCores });
        if (container.memoryBytes !== undefined) series.containerMemoryLimitBytes.push({ labels, value: container.memoryBytes });
      }
    }
    for (const [service, value] of tasksStarted) series.tasksStarted.push({ labels: { cluster, service }, value });
  }
  return series;
}
