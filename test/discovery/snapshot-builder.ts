import type { ContainerDefinition, Task, TaskDefinition } from '@aws-sdk/client-ecs';
import { computeTargets, type ClusterTargets } from '../../supervisor/discovery/targets.ts';
import { optInMatchers } from '../../supervisor/discovery/optin/matchers.ts';
import { discoverySettingsSchema, type DiscoverySettingsInput } from '../../supervisor/discovery/settings.ts';
import type { ClusterSnapshot } from '../../supervisor/discovery/world.ts';

const CLUSTER_ARN = 'arn:aws:ecs:us-east-1:111111111111:cluster/unit';
const INSTANCE_ARN = 'arn:aws:ecs:us-east-1:111111111111:container-instance/unit/ci1';

export interface OneTask {
  networkMode: 'awsvpc' | 'bridge' | 'host';
  containers: ContainerDefinition[];
  /** Runtime bindings per container name (bridge/host). */
  bindings?: Record<string, { containerPort: number; hostPort: number; bindIP?: string }[]>;
  requiresCompatibilities?: string[];
  launchType?: 'EC2' | 'FARGATE';
}

/**
 * One RUNNING task in an SDK-shaped snapshot, for unit tests of the pure core: ENI 10.0.0.9
 * (awsvpc) or EC2 instance 10.0.0.5 (bridge, host).
 */
export function targetsFor(spec: OneTask, settings: DiscoverySettingsInput = {}): ClusterTargets {
  const taskDefinition: TaskDefinition = {
    taskDefinitionArn: 'arn:aws:ecs:us-east-1:111111111111:task-definition/fam:7',
    family: 'fam',
    revision: 7,
    networkMode: spec.networkMode,
    containerDefinitions: spec.containers,
    ...(spec.requiresCompatibilities ? { requiresCompatibilities: spec.requiresCompatibilities as TaskDefinition['requiresCompatibilities'] } : {}),
  };
  const awsvpc = spec.networkMode === 'awsvpc';
  const task: Task = {
    taskArn: 'arn:aws:ecs:us-east-1:111111111111:task/unit/0123456789abcdef',
    clusterArn: CLUSTER_ARN,
    taskDefinitionArn: taskDefinition.taskDefinitionArn,
    lastStatus: 'RUNNING',
    desiredStatus: 'RUNNING',
    launchType: spec.launchType ?? (awsvpc ? 'FARGATE' : 'EC2'),
    group: 'service:svc',
    ...(awsvpc
      ? { attachments: [{ type: 'ElasticNetworkInterface', details: [{ name: 'privateIPv4Address', value: '10.0.0.9' }] }] }
      : { containerInstanceArn: INSTANCE_ARN }),
    containers: spec.containers.map((c) => ({
      name: c.name,
      containerArn: `arn:aws:ecs:us-east-1:111111111111:container/unit/0123456789abcdef/${c.name}-id`,
      lastStatus: 'RUNNING',
      networkBindings: (spec.bindings?.[c.name!] ?? []).map((b) => ({ bindIP: '0.0.0.0', protocol: 'tcp', ...b })),
    })),
  };
  const snapshot: ClusterSnapshot = {
    accountId: '111111111111',
    region: 'us-east-1',
    clusterName: 'unit',
    clusterArn: CLUSTER_ARN,
    clusterTags: {},
    generation: 1,
    tasks: [task],
    taskDefinitions: new Map([[taskDefinition.taskDefinitionArn!, taskDefinition]]),
    taskDefinitionTags: new Map(),
    containerInstances: new Map([[INSTANCE_ARN, 'i-0abc']]),
    ec2Instances: new Map([['i-0abc', { instanceId: 'i-0abc', privateIp: '10.0.0.5', instanceType: 't3.small', tags: {} }]]),
  };
  const parsed = discoverySettingsSchema.parse(settings);
  return computeTargets(snapshot, { matchers: optInMatchers(parsed), defaultPath: parsed.defaults.path, defaultScheme: parsed.defaults.scheme, defaultTimeout: '10s' });
}

/** `address + path` of each target, and the problems of every container, for compact assertions. */
export function summary(result: ClusterTargets): { targets: string[]; problems: string[] } {
  return {
    targets: result.targets.map((t) => `${t.address}${t.labels.__metrics_path__}`),
    problems: result.tasks.flatMap((t) => t.containers.flatMap((c) => c.problems)),
  };
}
