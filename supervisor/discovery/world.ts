import type { Task, TaskDefinition, ContainerDefinition, Container } from '@aws-sdk/client-ecs';

/**
 * What discovery knows about one cluster at the end of a fetch: the input of the pure target
 * computation. Shapes are the AWS SDK's own, so nothing is lost in translation; lookups the
 * fetcher resolved (task definitions, container instance → EC2 instance) are keyed by ARN / id.
 */
export interface ClusterSnapshot {
  accountId: string;
  region: string;
  clusterName: string;
  clusterArn: string;
  clusterTags: Record<string, string>;
  /**
   * Changes whenever anything else in the snapshot does; equal generations of one cluster mean
   * equal snapshots, so the targets computed last time still hold.
   */
  generation: number;
  /** Every task ListTasks returned (desired status RUNNING), as last described. */
  tasks: Task[];
  taskDefinitions: ReadonlyMap<string, TaskDefinition>;
  /** Task definition ARN → its tags (DescribeTaskDefinition returns them beside the definition). */
  taskDefinitionTags: ReadonlyMap<string, Record<string, string>>;
  /** Container instance ARN → the EC2 instance it runs on. */
  containerInstances: ReadonlyMap<string, string>;
  ec2Instances: ReadonlyMap<string, Ec2InstanceFacts>;
}

export interface Ec2InstanceFacts {
  instanceId: string;
  instanceType?: string;
  privateIp?: string;
  tags: Record<string, string>;
}

/** One running container with everything the opt-in matchers may look at. */
export interface ContainerView {
  snapshot: ClusterSnapshot;
  task: Task;
  taskDefinition: TaskDefinition;
  definition: ContainerDefinition;
  /** The runtime container from DescribeTasks; absent if ECS has not started it yet. */
  runtime: Container | undefined;
  networkMode: NetworkMode;
  serviceName: string | undefined;
  dockerLabels: Record<string, string>;
  environment: Record<string, string>;
}

export type NetworkMode = 'awsvpc' | 'bridge' | 'host' | 'none';

export function networkModeOf(taskDefinition: TaskDefinition): NetworkMode {
  // ECS treats an unset network mode as bridge on Linux.
  const mode = taskDefinition.networkMode ?? 'bridge';
  return mode === 'awsvpc' || mode === 'host' || mode === 'none' ? mode : 'bridge';
}

/** `service:NAME` groups name the service without a DescribeServices call. */
export function serviceNameOf(task: Task): string | undefined {
  const group = task.group ?? '';
  return group.startsWith('service:') ? group.slice('service:'.length) : undefined;
}

export function tagsToRecord(tags: { key?: string | undefined; value?: string | undefined }[] | undefined): Record<string, string> {
  const record: Record<string, string> = {};
  for (const tag of tags ?? []) if (tag.key) record[tag.key] = tag.value ?? '';
  return record;
}

/** The last path segment of an ARN's resource: the task id of a task ARN, a cluster's name. */
export function arnResourceId(arn: string): string {
  return arn.slice(arn.lastIndexOf('/') + 1);
}
