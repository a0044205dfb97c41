import type { ContainerDefinitionSpec, ServiceSpec, TaskDefinitionSpec, TaskSpec, WorldSpec } from './world.ts';

/**
 * Large, deterministic worlds for benchmarks and pagination tests: a mix of network modes
 * (awsvpc on Fargate, bridge with dynamic or static host ports, host) and of every opt-in style,
 * plus a sprinkling of pending, stopped, un-opted and badly-labelled containers.
 */

export interface GenerateOptions {
  accountId?: string;
  region?: string;
  clusters?: number;
  tasksPerCluster?: number;
  taskDefinitions?: number;
  /** Per cluster. */
  containerInstances?: number;
  /** Per cluster; each service runs one task definition. */
  servicesPerCluster?: number;
  /** Share of tasks that are PENDING (0..1); as many again are STOPPED. */
  pendingShare?: number;
  seed?: number;
}

const AZS = ['a', 'b', 'c'];
const NETWORK_MODES = ['awsvpc', 'bridge', 'host'] as const;

/** mulberry32: tiny, seeded, good enough to scatter fixtures. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The exporter container of definition `i`, opted in the `i`-th way (round robin). */
function exporterContainer(i: number, port: number): ContainerDefinitionSpec {
  const base = { name: 'exporter', image: `example/exporter:${i % 7}`, portMappings: [{ containerPort: port }] };
  switch (i % 6) {
    case 0:
      return { ...base, dockerLabels: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(port) } };
    case 1:
      return { ...base, portMappings: [{ containerPort: port }, { containerPort: port + 1 }], dockerLabels: { 'prometheus.io/endpoints': `${port}/metrics,${port + 1}/admin/metrics@30s` } };
    case 2:
      return { ...base, dockerLabels: { PROMETHEUS_EXPORTER_PORT: String(port), PROMETHEUS_EXPORTER_PATH: '/metrics' } };
    case 3:
      return { ...base, environment: { PROMETHEUS: 'true', PROMETHEUS_ENDPOINT: '30s:/metrics' } };
    case 4:
      return base; // not opted in
    default:
      return { ...base, dockerLabels: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': 'abc' } }; // bad label
  }
}

export function generateWorld(options: GenerateOptions = {}): WorldSpec {
  const o = {
    accountId: '111111111111',
    region: 'us-east-1',
    clusters: 10,
    tasksPerCluster: 500,
    taskDefinitions: 300,
    containerInstances: 100,
    servicesPerCluster: 20,
    pendingShare: 0.02,
    seed: 1,
    ...options,
  };
  const rand = random(o.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;

  const taskDefinitions: TaskDefinitionSpec[] = Array.from({ length: o.taskDefinitions }, (_, i) => {
    const networkMode = NETWORK_MODES[i % NETWORK_MODES.length]!;
    const port = 9100 + (i % 50) * 2;
    const sidecar: ContainerDefinitionSpec = { name: 'app', image: `example/app:${i}`, portMappings: [{ containerPort: 8080, ...(networkMode === 'bridge' && i % 4 === 1 ? { hostPort: 18080 + i } : {}) }] };
    return { family: `family-${i}`, revision: 1 + (i % 3), networkMode, containers: [exporterContainer(i, port), sidecar], tags: { team: `team-${i % 5}` } };
  });

  // Services and standalone tasks take definitions round robin, so every definition runs somewhere
  // and a cold cycle has to describe all of them.
  let nextDefinition = 0;
  const takeDefinition = () => taskDefinitions[nextDefinition++ % taskDefinitions.length]!;

  const clusters = Array.from({ length: o.clusters }, (_, c) => {
    const name = `cluster-${c}`;
    const containerInstances = Array.from({ length: o.containerInstances }, (_, n) => ({
      id: `ci-${c}-${n}`,
      ec2InstanceId: `i-${(c * 100000 + n).toString(16).padStart(17, '0')}`,
      privateIp: `10.${c}.${Math.floor(n / 250)}.${(n % 250) + 1}`,
      instanceType: pick(['m5.large', 'm5.xlarge', 'c5.2xlarge']),
      az: `${o.region}${AZS[n % AZS.length]}`,
      tags: { Name: `${name}-node-${n}` },
    }));
    const services: (ServiceSpec & { def: TaskDefinitionSpec })[] = Array.from({ length: o.servicesPerCluster }, (_, s) => {
      const def = takeDefinition();
      return { name: `service-${s}`, taskDefinition: `${def.family}:${def.revision}`, tags: { owner: `team-${s % 5}` }, def };
    });
    const tasks: TaskSpec[] = Array.from({ length: o.tasksPerCluster }, (_, t) => {
      // One task in ten runs outside any service.
      const service = rand() < 0.9 && services.length > 0 ? pick(services) : undefined;
      const def = service?.def ?? takeDefinition();
      const roll = rand();
      const lastStatus = roll < o.pendingShare ? 'PENDING' : roll < 2 * o.pendingShare ? 'STOPPED' : 'RUNNING';
      const az = `${o.region}${pick(AZS)}`;
      const id = `${c.toString(16).padStart(4, '0')}${t.toString(16).padStart(4, '0')}${Math.floor(rand() * 0xffffffff).toString(16).padStart(8, '0')}`;
      const task: TaskSpec = { id, taskDefinition: `${def.family}:${def.revision}`, lastStatus, az, healthStatus: pick(['HEALTHY', 'UNKNOWN'] as const), launchType: 'EC2', tags: { shard: String(t % 4) } };
      if (service) task.service = service.name;
      if (def.networkMode === 'awsvpc') {
        task.launchType = 'FARGATE';
        if (lastStatus !== 'PENDING') task.privateIp = `10.${100 + c}.${Math.floor(t / 250)}.${(t % 250) + 1}`;
      } else {
        task.containerInstance = pick(containerInstances).id;
        if (def.networkMode === 'bridge' && lastStatus !== 'PENDING') {
          task.hostPorts = Object.fromEntries(
            def.containers.map((ct) => [ct.name, Object.fromEntries((ct.portMappings ?? []).filter((m) => !m.hostPort).map((m, k) => [String(m.containerPort), 32768 + ((t * 3 + k) % 28000)]))]),
          );
        }
      }
      return task;
    });
    return { name, tags: { environment: c % 2 === 0 ? 'production' : 'staging' }, containerInstances, services: services.map(({ def: _def, ...s }) => s), tasks };
  });

  return { accounts: [{ id: o.accountId, regions: [{ name: o.region, taskDefinitions, clusters }] }] };
}
