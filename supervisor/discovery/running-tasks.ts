import type { Task, TaskDefinition } from '@aws-sdk/client-ecs';
import { arnResourceId, serviceNameOf, type ClusterSnapshot } from './world.ts';

/** One RUNNING task as the appliance's own task series describe it (task-series.ts). */
export interface RunningTask {
  taskArn: string;
  /** "" for a task no service started. */
  service: string;
  family: string;
  revision: string;
  launchType: string;
  availabilityZone: string;
  /** Absent when the task sets no limit (EC2 tasks may leave them to their containers). */
  cpuCores?: number;
  memoryBytes?: number;
  containers: RunningContainer[];
}

export interface RunningContainer {
  name: string;
  /** Absent when unset or 0: such a container shares the task's or the instance's CPU. */
  cpuCores?: number;
  /** The hard `memory` limit; absent when the container sets only a reservation, or none. */
  memoryBytes?: number;
}

const CPU_UNITS_PER_CORE = 1024;
const MIB = 2 ** 20;

/**
 * The RUNNING tasks of one cluster with their limits as run: what RunTask's overrides set, else
 * what ECS reports for the task and its containers, else the task definition. Pure: the same
 * snapshot gives the same tasks, sorted by ARN.
 */
export function runningTasks(snapshot: ClusterSnapshot): RunningTask[] {
  return snapshot.tasks
    .filter((task) => task.lastStatus === 'RUNNING' && task.taskArn)
    .map((task) => runningTask(task, snapshot.taskDefinitions.get(task.taskDefinitionArn ?? '')))
    .sort((a, b) => a.taskArn.localeCompare(b.taskArn));
}

function runningTask(task: Task, definition: TaskDefinition | undefined): RunningTask {
  // Without the definition (not fetched yet), its ARN still names family and revision.
  const [family = '', revision = ''] = arnResourceId(task.taskDefinitionArn ?? '').split(':');
  const cpuCores = cpuCoresOf(task.overrides?.cpu ?? task.cpu ?? definition?.cpu);
  const memoryBytes = memoryBytesOf(task.overrides?.memory ?? task.memory ?? definition?.memory);
  return {
    taskArn: task.taskArn!,
    service: serviceNameOf(task) ?? '',
    family: definition?.family ?? family,
    revision: definition?.revision?.toString() ?? revision,
    launchType: task.launchType ?? '',
    availabilityZone: task.availabilityZone ?? '',
    ...(cpuCores !== undefined ? { cpuCores } : {}),
    ...(memoryBytes !== undefined ? { memoryBytes } : {}),
    containers: (task.containers ?? []).flatMap((container) => {
      if (!container.name) return [];
      const override = task.overrides?.containerOverrides?.find((o) => o.name === container.name);
      const declared = definition?.containerDefinitions?.find((d) => d.name === container.name);
      const cpu = cpuCoresOf(override?.cpu ?? container.cpu ?? declared?.cpu);
      const memory = memoryBytesOf(override?.memory ?? container.memory ?? declared?.memory);
      return [{ name: container.name, ...(cpu !== undefined ? { cpuCores: cpu } : {}), ...(memory !== undefined ? { memoryBytes: memory } : {}) }];
    }),
  };
}

/** ECS reports CPU in units ("1024"), 1,024 to a core; task definitions convert "1 vCPU" when registered. */
function cpuCoresOf(units: string | number | undefined): number | undefined {
  const value = positive(units);
  return value === undefined ? undefined : value / CPU_UNITS_PER_CORE;
}

/** ECS reports memory in MiB ("512"); task definitions convert "1 GB" when registered. */
function memoryBytesOf(mib: string | number | undefined): number | undefined {
  const value = positive(mib);
  return value === undefined ? undefined : value * MIB;
}

/** 0 and unset mean no limit, as in ECS's own answers. */
function positive(value: string | number | undefined): number | undefined {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof number === 'number' && Number.isFinite(number) && number > 0 ? number : undefined;
}

/**
 * How many tasks started since the last snapshot, per service: RUNNING now and not before. A task
 * counts once however many cycles see it; a replaced task is a new ARN, so it counts once too.
 */
export function startedSince(before: readonly RunningTask[], now: readonly RunningTask[]): Map<string, number> {
  const known = new Set(before.map((task) => task.taskArn));
  const started = new Map<string, number>();
  for (const task of now) if (!known.has(task.taskArn)) started.set(task.service, (started.get(task.service) ?? 0) + 1);
  return started;
}
