import { z } from 'zod';

/**
 * The hand-writable description of a fake AWS estate. Only what discovery can observe is
 * modelled; everything else in the API answers (ARNs, timestamps, ENI ids, container ARNs) is
 * derived from it by the expanders, deterministically, so two runs of the same world agree.
 */

export const TASK_STATUSES = ['PROVISIONING', 'PENDING', 'ACTIVATING', 'RUNNING', 'DEACTIVATING', 'STOPPING', 'DEPROVISIONING', 'STOPPED'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

const tags = z.record(z.string(), z.string());

const portMapping = z.strictObject({
  containerPort: z.number().int().min(1).max(65535),
  hostPort: z.number().int().min(0).max(65535).optional(),
  protocol: z.enum(['tcp', 'udp']).optional(),
});

const containerDefinition = z.strictObject({
  name: z.string().min(1),
  image: z.string().min(1),
  portMappings: z.array(portMapping).optional(),
  dockerLabels: z.record(z.string(), z.string()).optional(),
  environment: z.record(z.string(), z.string()).optional(),
  essential: z.boolean().optional(),
  /** CPU units; 0 when absent, as ECS reports it. */
  cpu: z.number().int().min(0).optional(),
  /** Hard and soft memory limits in MiB. */
  memory: z.number().int().min(1).optional(),
  memoryReservation: z.number().int().min(1).optional(),
});

const taskDefinition = z.strictObject({
  family: z.string().min(1),
  revision: z.number().int().min(1),
  networkMode: z.enum(['awsvpc', 'bridge', 'host']),
  containers: z.array(containerDefinition).min(1),
  cpu: z.string().optional(),
  memory: z.string().optional(),
  tags: tags.optional(),
});

const containerInstance = z.strictObject({
  id: z.string().min(1),
  ec2InstanceId: z.string().regex(/^i-[0-9a-f]+$/, 'must look like i-0123abcd'),
  privateIp: z.string().min(1),
  instanceType: z.string().min(1),
  az: z.string().min(1),
  tags: tags.optional(),
});

const service = z.strictObject({
  name: z.string().min(1),
  taskDefinition: z.string().optional(),
  launchType: z.enum(['EC2', 'FARGATE']).optional(),
  desiredCount: z.number().int().min(0).optional(),
  /** DAEMON: one task on every container instance (cAdvisor, node-exporter). */
  schedulingStrategy: z.enum(['REPLICA', 'DAEMON']).optional(),
  tags: tags.optional(),
});

/** What RunTask's overrides changed: task-level cpu/memory as strings, per-container units and MiB. */
const taskOverrides = z.strictObject({
  cpu: z.string().optional(),
  memory: z.string().optional(),
  containers: z.record(z.string(), z.strictObject({ cpu: z.number().int().min(0).optional(), memory: z.number().int().min(1).optional() })).optional(),
});

const task = z.strictObject({
  id: z.string().regex(/^[0-9a-zA-Z-]+$/, 'task ids are letters, digits and dashes'),
  taskDefinition: z.string().regex(/^[^:]+:\d+$/, 'must be "family:revision"'),
  service: z.string().optional(),
  group: z.string().optional(),
  lastStatus: z.enum(TASK_STATUSES),
  desiredStatus: z.enum(['RUNNING', 'STOPPED']).optional(),
  launchType: z.enum(['EC2', 'FARGATE']),
  containerInstance: z.string().optional(),
  az: z.string().min(1),
  privateIp: z.string().optional(),
  hostPorts: z.record(z.string(), z.record(z.string(), z.number().int().min(1).max(65535))).optional(),
  healthStatus: z.enum(['HEALTHY', 'UNHEALTHY', 'UNKNOWN']).optional(),
  startedAt: z.number().optional(),
  overrides: taskOverrides.optional(),
  tags: tags.optional(),
});

const cluster = z.strictObject({
  name: z.string().min(1),
  tags: tags.optional(),
  containerInstances: z.array(containerInstance).optional(),
  services: z.array(service).optional(),
  tasks: z.array(task).optional(),
});

const region = z.strictObject({
  name: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be a region name like us-east-1'),
  taskDefinitions: z.array(taskDefinition).optional(),
  clusters: z.array(cluster).optional(),
});

const role = z.strictObject({
  arn: z.string().regex(/^arn:aws:iam::\d{12}:role\/.+$/, 'must be arn:aws:iam::ACCOUNT:role/NAME'),
  externalId: z.string().optional(),
  maxSessionDurationSeconds: z.number().int().min(900).max(43200).optional(),
});

const account = z.strictObject({
  id: z.string().regex(/^\d{12}$/, 'account ids are 12 digits'),
  accessKeyId: z.string().min(16).optional(),
  secretAccessKey: z.string().min(1).optional(),
  roles: z.array(role).optional(),
  regions: z.array(region).optional(),
});

const bucket = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be a valid S3 bucket name'),
  objects: z.record(z.string(), z.string()).optional(),
});

export const worldSchema = z.strictObject({
  accounts: z.array(account).min(1),
  buckets: z.array(bucket).optional(),
});

export type WorldSpec = z.infer<typeof worldSchema>;
export type AccountSpec = z.infer<typeof account>;
export type RoleSpec = z.infer<typeof role>;
export type RegionSpec = z.infer<typeof region>;
export type TaskDefinitionSpec = z.infer<typeof taskDefinition>;
export type ContainerDefinitionSpec = z.infer<typeof containerDefinition>;
export type PortMappingSpec = z.infer<typeof portMapping>;
export type ClusterSpec = z.infer<typeof cluster>;
export type ContainerInstanceSpec = z.infer<typeof containerInstance>;
export type ServiceSpec = z.infer<typeof service>;
export type TaskSpec = z.infer<typeof task>;
export type BucketSpec = z.infer<typeof bucket>;

/** Parses and checks a world: shape first, then the references between its parts. */
export function parseWorld(input: unknown, source = 'world'): WorldSpec {
  const parsed = worldSchema.safeParse(input);
  if (!parsed.success) throw new Error(`${source} is not a valid fake-AWS world:\n${z.prettifyError(parsed.error)}`);
  const problems = worldProblems(parsed.data);
  if (problems.length > 0) throw new Error(`${source} is not a valid fake-AWS world:\n${problems.map((p) => `  ✖ ${p}`).join('\n')}`);
  return parsed.data;
}

/** Cross-reference problems (duplicate ids, dangling task definitions / instances / services). */
export function worldProblems(world: WorldSpec): string[] {
  const problems: string[] = [];
  const duplicates = (what: string, at: string, names: string[]): void => {
    const seen = new Set<string>();
    for (const name of names) {
      if (seen.has(name)) problems.push(`${at}: duplicate ${what} '${name}'`);
      seen.add(name);
    }
  };
  duplicates('account', 'accounts', world.accounts.map((a) => a.id));
  for (const [ai, acct] of world.accounts.entries()) {
    const at = `accounts[${ai}]`;
    for (const [ri, r] of (acct.roles ?? []).entries()) {
      if (r.arn.split(':')[4] !== acct.id) problems.push(`${at}.roles[${ri}]: role ${r.arn} belongs to another account than ${acct.id}`);
    }
    duplicates('region', `${at}.regions`, (acct.regions ?? []).map((r) => r.name));
    for (const [gi, reg] of (acct.regions ?? []).entries()) {
      const rat = `${at}.regions[${gi}]`;
      const defs = new Set((reg.taskDefinitions ?? []).map((d) => `${d.family}:${d.revision}`));
      duplicates('task definition', `${rat}.taskDefinitions`, (reg.taskDefinitions ?? []).map((d) => `${d.family}:${d.revision}`));
      duplicates('cluster', `${rat}.clusters`, (reg.clusters ?? []).map((c) => c.name));
      for (const [ci, c] of (reg.clusters ?? []).entries()) {
        const cat = `${rat}.clusters[${ci}] (${c.name})`;
        const instances = new Set((c.containerInstances ?? []).map((i) => i.id));
        const services = new Set((c.services ?? []).map((s) => s.name));
        duplicates('container instance', `${cat}.containerInstances`, (c.containerInstances ?? []).map((i) => i.id));
        duplicates('service', `${cat}.services`, (c.services ?? []).map((s) => s.name));
        duplicates('task', `${cat}.tasks`, (c.tasks ?? []).map((t) => t.id));
        for (const [ti, t] of (c.tasks ?? []).entries()) {
          problems.push(...taskProblems(t, { defs, instances, services }).map((p) => `${cat}.tasks[${ti}] (${t.id}): ${p}`));
        }
      }
    }
  }
  return problems;
}

/** What is wrong with one task relative to its region's task definitions and its cluster. */
export function taskProblems(t: TaskSpec, known: { defs: Set<string>; instances: Set<string>; services: Set<string> }): string[] {
  const problems: string[] = [];
  if (!known.defs.has(t.taskDefinition)) problems.push(`task definition '${t.taskDefinition}' is not defined in this region`);
  if (t.launchType === 'EC2' && !t.containerInstance) problems.push('EC2 tasks need a containerInstance');
  if (t.containerInstance && !known.instances.has(t.containerInstance)) problems.push(`container instance '${t.containerInstance}' is not in this cluster`);
  if (t.service && !known.services.has(t.service)) problems.push(`service '${t.service}' is not in this cluster`);
  return problems;
}
