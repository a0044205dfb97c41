import { z } from 'zod';
import { silentLogger, type Logger } from '../log.ts';

/** Who this appliance is on ECS, from the task metadata endpoint v4. */
export interface TaskIdentity {
  /** As the endpoint reports it: an ARN on Fargate, often a short name on EC2. */
  cluster: string;
  clusterName: string;
  clusterArn: string;
  taskArn: string;
  taskId: string;
  family: string;
  revision: string;
  region: string;
  accountId: string;
  availabilityZone?: string;
  /** FARGATE, EC2 or EXTERNAL (agent 1.45.0+). */
  launchType?: string;
  serviceName?: string;
  /** This container, when `${uri}` answered too. */
  container?: {
    name: string;
    dockerId: string;
    containerArn?: string;
    image?: string;
    ipv4Addresses: string[];
  };
}

// Only the fields used here are checked; the endpoint adds fields over time and never removes them.
const taskSchema = z.looseObject({
  Cluster: z.string().min(1),
  TaskARN: z.string().regex(/^arn:[\w-]+:ecs:[\w-]+:\d{12}:task\/.+$/, 'expected a task ARN'),
  Family: z.string().min(1),
  Revision: z.string().min(1),
  AvailabilityZone: z.string().optional(),
  LaunchType: z.string().optional(),
  ServiceName: z.string().optional(),
});

const containerSchema = z.looseObject({
  Name: z.string().min(1),
  DockerId: z.string(),
  ContainerARN: z.string().optional(),
  Image: z.string().optional(),
  Networks: z.array(z.looseObject({ IPv4Addresses: z.array(z.string()).optional() })).optional(),
});

export const defaultMetadataTimeoutMs = 2_000;

/**
 * Reads `${uri}/task` and `${uri}` (ECS sets ECS_CONTAINER_METADATA_URI_V4). Outside ECS (no uri),
 * or when the endpoint is slow, broken or odd, the answer is undefined and a warning is logged:
 * identity only fills in defaults, so it is never fatal.
 */
export async function readTaskIdentity(options: { uri: string | undefined; timeoutMs?: number; logger?: Logger }): Promise<TaskIdentity | undefined> {
  const uri = options.uri?.replace(/\/+$/, '');
  const log = options.logger ?? silentLogger;
  if (!uri) return undefined;
  const timeoutMs = options.timeoutMs ?? defaultMetadataTimeoutMs;
  const [task, container] = await Promise.allSettled([fetchJson(`${uri}/task`, timeoutMs), fetchJson(uri, timeoutMs)]);
  if (task.status === 'rejected') {
    log.warn({ uri, error: (task.reason as Error).message }, 'ECS task metadata unavailable; continuing without it');
    return undefined;
  }
  const parsedTask = taskSchema.safeParse(task.value);
  if (!parsedTask.success) {
    log.warn({ uri, error: z.prettifyError(parsedTask.error) }, 'ECS task metadata has an unexpected shape; continuing without it');
    return undefined;
  }
  const identity = fromTask(parsedTask.data);
  if (container.status === 'fulfilled') {
    const parsedContainer = containerSchema.safeParse(container.value);
    if (parsedContainer.success) {
      const c = parsedContainer.data;
      identity.container = {
        name: c.Name,
        dockerId: c.DockerId,
        containerArn: c.ContainerARN,
        image: c.Image,
        ipv4Addresses: (c.Networks ?? []).flatMap((network) => network.IPv4Addresses ?? []),
      };
    } else {
      log.warn({ uri, error: z.prettifyError(parsedContainer.error) }, 'ECS container metadata has an unexpected shape');
    }
  } else {
    log.warn({ uri, error: (container.reason as Error).message }, 'ECS container metadata unavailable');
  }
  return identity;
}

function fromTask(task: z.infer<typeof taskSchema>): TaskIdentity {
  // arn:PARTITION:ecs:REGION:ACCOUNT:task/[CLUSTER/]ID
  const [, partition, , region, accountId, resource] = task.TaskARN.split(':') as [string, string, string, string, string, string];
  const taskId = resource.split('/').at(-1)!;
  const clusterIsArn = task.Cluster.startsWith('arn:');
  const clusterName = clusterIsArn ? task.Cluster.slice(task.Cluster.indexOf(':cluster/') + ':cluster/'.length) : task.Cluster;
  return {
    cluster: task.Cluster,
    clusterName,
    clusterArn: clusterIsArn ? task.Cluster : `arn:${partition}:ecs:${region}:${accountId}:cluster/${clusterName}`,
    taskArn: task.TaskARN,
    taskId,
    family: task.Family,
    revision: task.Revision,
    region,
    accountId,
    availabilityZone: task.AvailabilityZone,
    launchType: task.LaunchType,
    serviceName: task.ServiceName,
  };
}

async function fetchJson(url: string, timeoutMs: number): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    const name = (error as Error).name;
    throw new Error(name === 'TimeoutError' ? `GET ${url} timed out after ${timeoutMs} ms` : `GET ${url} failed: ${(error as Error).message}`);
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new Error(`GET ${url} answered HTTP ${response.status}`);
  }
  try {
    return await response.json();
  } catch {
    throw new Error(`GET ${url} did not return JSON`);
  }
}

/**
 * Labels describing this task, for the appliance's own scrape targets. Values that change with
 * every deployment (task id, revision) are included: they identify one process's series.
 */
export function identityLabels(identity: TaskIdentity): Record<string, string> {
  return dropUndefined({
    ecs_cluster: identity.clusterName,
    ecs_task_family: identity.family,
    ecs_task_revision: identity.revision,
    ecs_task_id: identity.taskId,
    ecs_service: identity.serviceName,
    ecs_launch_type: identity.launchType,
    availability_zone: identity.availabilityZone,
    aws_region: identity.region,
  });
}

/** Stable labels for Prometheus `external_labels`: they must not change when the task is replaced. */
export function identityExternalLabels(identity: TaskIdentity): Record<string, string> {
  return dropUndefined({ ecs_cluster: identity.clusterName, aws_region: identity.region, aws_account_id: identity.accountId });
}

function dropUndefined(labels: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(labels).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== ''));
}
