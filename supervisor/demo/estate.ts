/**
 * What the demo world runs, as the demo's exporters need it: every running task with its
 * containers and limits, the container instance it runs on, and the loopback port each exporter
 * answers on. The world's shape is declared here (the fields read, nothing more) because library
 * code does not load the fake AWS package; its WorldSpec fits it.
 */
export interface DemoWorld {
  accounts: Array<{
    id: string;
    regions?: Array<{
      name: string;
      taskDefinitions?: Array<{
        family: string;
        revision: number;
        networkMode: 'awsvpc' | 'bridge' | 'host';
        cpu?: string;
        memory?: string;
        containers: Array<{ name: string; image: string; portMappings?: Array<{ containerPort: number }>; cpu?: number; memory?: number }>;
      }>;
      clusters?: Array<{
        name: string;
        containerInstances?: Array<{ id: string; ec2InstanceId: string; instanceType: string; az: string }>;
        tasks?: Array<{
          id: string;
          taskDefinition: string;
          service?: string;
          lastStatus: string;
          launchType: 'EC2' | 'FARGATE';
          containerInstance?: string;
          az: string;
          hostPorts?: Record<string, Record<string, number>>;
          startedAt?: number;
        }>;
      }>;
    }>;
  }>;
}

export type ExporterKind = 'app' | 'cadvisor' | 'node-exporter' | 'ecs-exporter';

export interface DemoContainer {
  name: string;
  image: string;
  kind: ExporterKind;
  /** CPU units (1024 a core); 0 when the definition gives none. */
  cpuUnits: number;
  /** The hard limit, when the definition sets one. */
  memoryBytes: number | undefined;
}

export interface DemoTask {
  clusterArn: string;
  cluster: string;
  taskArn: string;
  family: string;
  revision: number;
  service: string | undefined;
  launchType: 'EC2' | 'FARGATE';
  networkMode: 'awsvpc' | 'bridge' | 'host';
  availabilityZone: string;
  /** Task-level limits as the definition gives them (EC2 tasks may have none). */
  cpuUnits: number | undefined;
  memoryBytes: number | undefined;
  /** Epoch seconds. */
  startedAt: number;
  containers: DemoContainer[];
}

export interface DemoInstance {
  cluster: string;
  ec2InstanceId: string;
  instanceType: string;
  tasks: DemoTask[];
}

/** One loopback port the demo answers on, and what answers there. */
export interface DemoEndpoint {
  port: number;
  kind: ExporterKind;
  task: DemoTask;
  /** The container instance, for the per-host exporters (cAdvisor, node-exporter). */
  instance: DemoInstance | undefined;
}

/** The demo world puts its tasks on loopback ports in this range; anything else is not ours to serve. */
const DEMO_PORTS = { min: 19100, max: 19199 };

/**
 * ecs_exporter listens on 9779 and discovery scrapes it there; in an awsvpc task that is the
 * port on the task's own address, which no mapping moves. The demo's awsvpc tasks all sit on
 * 127.0.0.1, so one of them carries the sidecar, reached on 127.0.0.1:9779.
 */
const ECS_EXPORTER_PORT = 9779;

/** The fake's default task start (test/fake-aws/expand-ecs.ts), when the world gives none. */
const DEFAULT_STARTED_AT = 1_700_000_000;

const MIB = 1024 * 1024;

/** By image repository, as discovery's built-in rules match them (any registry, tag or digest). */
export function exporterKindOf(image: string): ExporterKind {
  const repository = image.replace(/@.*$/, '').replace(/:[^/]*$/, '');
  if (/(^|\/)cadvisor\/cadvisor$/.test(repository)) return 'cadvisor';
  if (/(^|\/)(prometheus|prom)\/node-exporter$/.test(repository)) return 'node-exporter';
  if (/(^|\/)prometheuscommunity\/ecs-exporter$/.test(repository)) return 'ecs-exporter';
  return 'app';
}

/** Every running task of the world, grouped by the container instance it runs on (Fargate tasks by none). */
export function demoEstate(world: DemoWorld): { tasks: DemoTask[]; instances: DemoInstance[]; endpoints: DemoEndpoint[] } {
  const tasks: DemoTask[] = [];
  const instances: DemoInstance[] = [];
  const endpoints: DemoEndpoint[] = [];
  for (const account of world.accounts) {
    for (const region of account.regions ?? []) {
      const definitions = new Map((region.taskDefinitions ?? []).map((d) => [`${d.family}:${d.revision}`, d]));
      for (const cluster of region.clusters ?? []) {
        const clusterArn = `arn:aws:ecs:${region.name}:${account.id}:cluster/${cluster.name}`;
        const byInstance = new Map<string, DemoInstance>();
        for (const ci of cluster.containerInstances ?? []) {
          const instance: DemoInstance = { cluster: cluster.name, ec2InstanceId: ci.ec2InstanceId, instanceType: ci.instanceType, tasks: [] };
          byInstance.set(ci.id, instance);
          instances.push(instance);
        }
        for (const spec of cluster.tasks ?? []) {
          const definition = definitions.get(spec.taskDefinition);
          if (spec.lastStatus !== 'RUNNING' || !definition) continue;
          const task: DemoTask = {
            clusterArn,
            cluster: cluster.name,
            taskArn: `arn:aws:ecs:${region.name}:${account.id}:task/${cluster.name}/${spec.id}`,
            family: definition.family,
            revision: definition.revision,
            service: spec.service,
            launchType: spec.launchType,
            networkMode: definition.networkMode,
            availabilityZone: spec.az,
            cpuUnits: definition.cpu === undefined ? undefined : Number(definition.cpu),
            memoryBytes: definition.memory === undefined ? undefined : Number(definition.memory) * MIB,
            startedAt: spec.startedAt ?? DEFAULT_STARTED_AT,
            containers: definition.containers.map((c) => ({
              name: c.name,
              image: c.image,
              kind: exporterKindOf(c.image),
              cpuUnits: c.cpu ?? 0,
              memoryBytes: c.memory === undefined ? undefined : c.memory * MIB,
            })),
          };
          tasks.push(task);
          const instance = spec.containerInstance === undefined ? undefined : byInstance.get(spec.containerInstance);
          instance?.tasks.push(task);
          for (const [index, container] of definition.containers.entries()) {
            for (const mapping of container.portMappings ?? []) {
              const port = definition.networkMode === 'bridge' ? spec.hostPorts?.[container.name]?.[String(mapping.containerPort)] : mapping.containerPort;
              if (port === undefined) continue;
              const kind = task.containers[index]!.kind;
              const inRange = port >= DEMO_PORTS.min && port <= DEMO_PORTS.max;
              if (inRange || (kind === 'ecs-exporter' && port === ECS_EXPORTER_PORT)) endpoints.push({ port, kind, task, instance });
            }
          }
        }
      }
    }
  }
  endpoints.sort((a, b) => a.port - b.port);
  return { tasks, instances, endpoints };
}
