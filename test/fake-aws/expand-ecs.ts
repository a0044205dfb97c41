import { arns, stableHex, stableUuid, type Scope } from './ids.ts';
import type { ClusterSpec, ContainerDefinitionSpec, ContainerInstanceSpec, ServiceSpec, TaskDefinitionSpec, TaskSpec, TaskStatus } from './world.ts';

/**
 * Turns world fixtures into ECS API objects exactly as they travel on the wire (JSON 1.1,
 * timestamps as epoch seconds). Pure functions: handlers pick the objects, these dress them.
 */

type Json = Record<string, unknown>;

export interface RegionContext extends Scope {
  taskDefinitions: TaskDefinitionSpec[];
  /** Epoch seconds for creation timestamps. */
  epoch: number;
}

const tagList = (tags: Record<string, string> | undefined): Json[] => Object.entries(tags ?? {}).map(([key, value]) => ({ key, value }));

export function findTaskDefinition(ctx: RegionContext, familyRevision: string): TaskDefinitionSpec | undefined {
  const [family, revision] = familyRevision.split(':');
  return ctx.taskDefinitions.find((d) => d.family === family && d.revision === Number(revision));
}

export function taskDefinitionJson(ctx: RegionContext, def: TaskDefinitionSpec): Json {
  const fargate = def.networkMode === 'awsvpc';
  return {
    taskDefinitionArn: arns.taskDefinition(ctx, def.family, def.revision),
    family: def.family,
    revision: def.revision,
    networkMode: def.networkMode,
    status: 'ACTIVE',
    containerDefinitions: def.containers.map((c) => containerDefinitionJson(def, c)),
    volumes: [],
    placementConstraints: [],
    requiresAttributes: [{ name: 'com.amazonaws.ecs.capability.docker-remote-api.1.18' }],
    compatibilities: fargate ? ['EC2', 'FARGATE'] : ['EC2'],
    requiresCompatibilities: fargate ? ['FARGATE'] : ['EC2'],
    cpu: def.cpu ?? '256',
    memory: def.memory ?? '512',
    registeredAt: ctx.epoch,
    registeredBy: `arn:aws:iam::${ctx.account}:root`,
  };
}

function containerDefinitionJson(def: TaskDefinitionSpec, c: ContainerDefinitionSpec): Json {
  return {
    name: c.name,
    image: c.image,
    cpu: c.cpu ?? 0,
    ...(c.memory !== undefined ? { memory: c.memory } : {}),
    ...(c.memoryReservation !== undefined ? { memoryReservation: c.memoryReservation } : {}),
    essential: c.essential ?? true,
    portMappings: (c.portMappings ?? []).map((m) => ({
      containerPort: m.containerPort,
      // awsvpc and host modes always publish on the container port.
      hostPort: def.networkMode === 'bridge' ? (m.hostPort ?? 0) : m.containerPort,
      protocol: m.protocol ?? 'tcp',
    })),
    environment: Object.entries(c.environment ?? {}).map(([name, value]) => ({ name, value })),
    dockerLabels: c.dockerLabels ?? {},
    mountPoints: [],
    volumesFrom: [],
  };
}

export function clusterJson(ctx: Scope, cluster: ClusterSpec, includeTags: boolean): Json {
  const tasks = cluster.tasks ?? [];
  return {
    clusterArn: arns.cluster(ctx, cluster.name),
    clusterName: cluster.name,
    status: 'ACTIVE',
    registeredContainerInstancesCount: cluster.containerInstances?.length ?? 0,
    runningTasksCount: tasks.filter((t) => t.lastStatus === 'RUNNING').length,
    pendingTasksCount: tasks.filter((t) => isPending(t.lastStatus)).length,
    activeServicesCount: cluster.services?.length ?? 0,
    statistics: [],
    settings: [{ name: 'containerInsights', value: 'disabled' }],
    capacityProviders: [],
    defaultCapacityProviderStrategy: [],
    ...(includeTags ? { tags: tagList(cluster.tags) } : {}),
  };
}

export function serviceJson(ctx: RegionContext, cluster: ClusterSpec, service: ServiceSpec, includeTags: boolean): Json {
  const tasks = (cluster.tasks ?? []).filter((t) => t.service === service.name && t.desiredStatus !== 'STOPPED' && t.lastStatus !== 'STOPPED');
  const taskDefinition = service.taskDefinition ?? tasks[0]?.taskDefinition;
  const def = taskDefinition ? findTaskDefinition(ctx, taskDefinition) : undefined;
  return {
    serviceArn: arns.service(ctx, cluster.name, service.name),
    serviceName: service.name,
    clusterArn: arns.cluster(ctx, cluster.name),
    status: 'ACTIVE',
    desiredCount: service.desiredCount ?? tasks.length,
    runningCount: tasks.filter((t) => t.lastStatus === 'RUNNING').length,
    pendingCount: tasks.filter((t) => isPending(t.lastStatus)).length,
    launchType: service.launchType ?? tasks[0]?.launchType ?? 'EC2',
    ...(def ? { taskDefinition: arns.taskDefinition(ctx, def.family, def.revision) } : {}),
    deployments: [],
    events: [],
    loadBalancers: [],
    serviceRegistries: [],
    createdAt: ctx.epoch,
    schedulingStrategy: service.schedulingStrategy ?? 'REPLICA',
    ...(includeTags ? { tags: tagList(service.tags) } : {}),
  };
}

export function containerInstanceJson(ctx: Scope & { epoch: number }, cluster: ClusterSpec, instance: ContainerInstanceSpec, includeTags: boolean): Json {
  const tasks = (cluster.tasks ?? []).filter((t) => t.containerInstance === instance.id);
  return {
    containerInstanceArn: arns.containerInstance(ctx, cluster.name, instance.id),
    ec2InstanceId: instance.ec2InstanceId,
    version: 1,
    versionInfo: { agentVersion: '1.82.0', agentHash: 'f2bb9c2e', dockerVersion: 'DockerVersion: 20.10.25' },
    status: 'ACTIVE',
    agentConnected: true,
    runningTasksCount: tasks.filter((t) => t.lastStatus === 'RUNNING').length,
    pendingTasksCount: tasks.filter((t) => isPending(t.lastStatus)).length,
    registeredAt: ctx.epoch,
    remainingResources: [],
    registeredResources: [],
    attributes: [
      { name: 'ecs.availability-zone', value: instance.az },
      { name: 'ecs.instance-type', value: instance.instanceType },
      { name: 'ecs.os-type', value: 'linux' },
    ],
    attachments: [],
    ...(includeTags ? { tags: tagList(instance.tags) } : {}),
  };
}

/** What the containers of a task report for a given task status. */
function containerStatus(status: TaskStatus): string {
  if (status === 'RUNNING' || status === 'DEACTIVATING' || status === 'STOPPING') return 'RUNNING';
  if (status === 'STOPPED' || status === 'DEPROVISIONING') return 'STOPPED';
  return 'PENDING';
}

export function isPending(status: TaskStatus): boolean {
  return status === 'PROVISIONING' || status === 'PENDING' || status === 'ACTIVATING';
}

export function desiredStatusOf(task: TaskSpec): 'RUNNING' | 'STOPPED' {
  if (task.desiredStatus) return task.desiredStatus;
  return task.lastStatus === 'RUNNING' || isPending(task.lastStatus) ? 'RUNNING' : 'STOPPED';
}

export function taskGroup(task: TaskSpec): string {
  return task.group ?? (task.service ? `service:${task.service}` : `family:${task.taskDefinition.split(':')[0]}`);
}

export function taskJson(ctx: RegionContext, cluster: ClusterSpec, task: TaskSpec, includeTags: boolean): Json {
  const def = findTaskDefinition(ctx, task.taskDefinition);
  if (!def) throw new Error(`task ${task.id} in cluster ${cluster.name} names unknown task definition ${task.taskDefinition}`);
  const taskArn = arns.task(ctx, cluster.name, task.id);
  const eniId = `eni-${stableHex(`eni/${taskArn}`, 17)}`;
  const attachmentId = stableUuid(`attachment/${taskArn}`);
  const awsvpc = def.networkMode === 'awsvpc';
  const started = task.startedAt ?? ctx.epoch + 60;
  const running = task.lastStatus === 'RUNNING' || task.lastStatus === 'DEACTIVATING' || task.lastStatus === 'STOPPING' || task.lastStatus === 'STOPPED';
  const stopped = task.lastStatus === 'STOPPED';

  const containers = def.containers.map((c) => {
    // The agent reports each container's limits as run: the definition's, or what overrides set.
    const override = task.overrides?.containers?.[c.name];
    const memory = override?.memory ?? c.memory;
    return {
      containerArn: arns.container(ctx, cluster.name, task.id, stableUuid(`container/${taskArn}/${c.name}`)),
      taskArn,
      name: c.name,
      image: c.image,
      lastStatus: containerStatus(task.lastStatus),
      ...(running ? { runtimeId: `${task.id}-${stableHex(c.name, 10)}` } : {}),
      networkBindings: awsvpc ? [] : networkBindings(def, c, task),
      networkInterfaces: awsvpc && task.privateIp ? [{ attachmentId, privateIpv4Address: task.privateIp }] : [],
      healthStatus: task.healthStatus ?? 'UNKNOWN',
      cpu: String(override?.cpu ?? c.cpu ?? 0),
      ...(memory !== undefined ? { memory: String(memory) } : {}),
      ...(c.memoryReservation !== undefined ? { memoryReservation: String(c.memoryReservation) } : {}),
      ...(stopped ? { exitCode: 0 } : {}),
    };
  });

  const attachments = awsvpc
    ? [
        {
          id: attachmentId,
          type: 'ElasticNetworkInterface',
          status: task.privateIp ? (stopped ? 'DELETED' : 'ATTACHED') : 'PRECREATED',
          details: [
            { name: 'subnetId', value: `subnet-${stableHex(`subnet/${task.az}`, 17)}` },
            ...(task.privateIp
              ? [
                  { name: 'networkInterfaceId', value: eniId },
                  { name: 'macAddress', value: stableHex(`mac/${eniId}`, 12).replace(/(..)(?!$)/g, '$1:') },
                  { name: 'privateDnsName', value: `ip-${task.privateIp.replaceAll('.', '-')}.ec2.internal` },
                  { name: 'privateIPv4Address', value: task.privateIp },
                ]
              : []),
          ],
        },
      ]
    : [];

  return {
    taskArn,
    clusterArn: arns.cluster(ctx, cluster.name),
    taskDefinitionArn: arns.taskDefinition(ctx, def.family, def.revision),
    ...(task.containerInstance ? { containerInstanceArn: arns.containerInstance(ctx, cluster.name, task.containerInstance) } : {}),
    availabilityZone: task.az,
    lastStatus: task.lastStatus,
    desiredStatus: desiredStatusOf(task),
    healthStatus: task.healthStatus ?? 'UNKNOWN',
    launchType: task.launchType,
    ...(task.launchType === 'FARGATE' ? { platformVersion: '1.4.0', platformFamily: 'Linux' } : {}),
    group: taskGroup(task),
    ...(task.service ? { startedBy: `ecs-svc/${stableHex(`svc/${task.service}`, 19).replace(/[a-f]/g, '7')}` } : {}),
    cpu: task.overrides?.cpu ?? def.cpu ?? '256',
    memory: task.overrides?.memory ?? def.memory ?? '512',
    connectivity: running ? 'CONNECTED' : undefined,
    createdAt: started - 30,
    ...(running ? { pullStartedAt: started - 20, pullStoppedAt: started - 10, startedAt: started, connectivityAt: started - 25 } : {}),
    ...(stopped ? { stoppedAt: started + 600, stoppingAt: started + 590, stoppedReason: 'Task stopped by user', stopCode: 'UserInitiated' } : {}),
    version: 3,
    enableExecuteCommand: false,
    attachments,
    attributes: [{ name: 'ecs.cpu-architecture', value: 'x86_64' }],
    containers,
    overrides: {
      ...(task.overrides?.cpu !== undefined ? { cpu: task.overrides.cpu } : {}),
      ...(task.overrides?.memory !== undefined ? { memory: task.overrides.memory } : {}),
      containerOverrides: def.containers.map((c) => ({ name: c.name, ...task.overrides?.containers?.[c.name] })),
      inferenceAcceleratorOverrides: [],
    },
    ...(includeTags ? { tags: tagList(task.tags) } : {}),
  };
}

/**
 * Bridge mode: the dynamic host port the agent picked (hostPorts) or the static one from the
 * task definition; no binding yet when neither exists. Host mode: the container port itself.
 */
function networkBindings(def: TaskDefinitionSpec, c: ContainerDefinitionSpec, task: TaskSpec): Json[] {
  const bindings: Json[] = [];
  for (const m of c.portMappings ?? []) {
    const hostPort = def.networkMode === 'host' ? (m.hostPort ?? m.containerPort) : (task.hostPorts?.[c.name]?.[String(m.containerPort)] ?? (m.hostPort || undefined));
    if (hostPort === undefined) continue;
    bindings.push({ bindIP: '0.0.0.0', containerPort: m.containerPort, hostPort, protocol: m.protocol ?? 'tcp' });
  }
  return bindings;
}
