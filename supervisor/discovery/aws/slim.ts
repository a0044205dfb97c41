import type { ContainerDefinition, Task, TaskDefinition } from '@aws-sdk/client-ecs';

/**
 * The parts of ECS's answers that discovery reads. Caching 5,000 full SDK task objects costs tens
 * of megabytes; these projections keep what targets, labels and the task series (running-tasks.ts:
 * cpu and memory as run, overrides included) need, and leave out environment variables other than
 * the PROMETHEUS* opt-in ones, which have no business in the appliance.
 */
export function slimTask(task: Task): Task {
  return {
    taskArn: task.taskArn,
    clusterArn: task.clusterArn,
    taskDefinitionArn: task.taskDefinitionArn,
    containerInstanceArn: task.containerInstanceArn,
    lastStatus: task.lastStatus,
    desiredStatus: task.desiredStatus,
    launchType: task.launchType,
    availabilityZone: task.availabilityZone,
    group: task.group,
    healthStatus: task.healthStatus,
    platformFamily: task.platformFamily,
    platformVersion: task.platformVersion,
    cpu: task.cpu,
    memory: task.memory,
    overrides: task.overrides && {
      cpu: task.overrides.cpu,
      memory: task.overrides.memory,
      containerOverrides: task.overrides.containerOverrides?.map((o) => ({ name: o.name, cpu: o.cpu, memory: o.memory })),
    },
    tags: task.tags?.map((t) => ({ key: t.key, value: t.value })),
    attachments: task.attachments
      ?.filter((a) => a.type === 'ElasticNetworkInterface')
      .map((a) => ({ type: a.type, details: a.details?.filter((d) => d.name === 'privateIPv4Address' || d.name === 'subnetId') })),
    containers: task.containers?.map((c) => ({
      name: c.name,
      containerArn: c.containerArn,
      image: c.image,
      lastStatus: c.lastStatus,
      healthStatus: c.healthStatus,
      cpu: c.cpu,
      memory: c.memory,
      networkBindings: c.networkBindings?.map((b) => ({ bindIP: b.bindIP, containerPort: b.containerPort, hostPort: b.hostPort })),
      networkInterfaces: c.networkInterfaces?.map((n) => ({ privateIpv4Address: n.privateIpv4Address })),
    })),
  };
}

export function slimTaskDefinition(definition: TaskDefinition): TaskDefinition {
  return {
    taskDefinitionArn: definition.taskDefinitionArn,
    family: definition.family,
    revision: definition.revision,
    networkMode: definition.networkMode,
    requiresCompatibilities: definition.requiresCompatibilities,
    cpu: definition.cpu,
    memory: definition.memory,
    containerDefinitions: definition.containerDefinitions?.map(slimContainerDefinition),
  };
}

function slimContainerDefinition(definition: ContainerDefinition): ContainerDefinition {
  return {
    name: definition.name,
    image: definition.image,
    cpu: definition.cpu,
    memory: definition.memory,
    portMappings: definition.portMappings?.map((m) => ({ containerPort: m.containerPort, hostPort: m.hostPort })),
    dockerLabels: definition.dockerLabels,
    environment: definition.environment?.filter((e) => e.name?.startsWith('PROMETHEUS')),
  };
}
