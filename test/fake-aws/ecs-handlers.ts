import { clusterJson, containerInstanceJson, desiredStatusOf, findTaskDefinition, isPending, serviceJson, taskDefinitionJson, taskJson, type RegionContext } from './expand-ecs.ts';
import { arns, ecsResourceId } from './ids.ts';
import { BadTokenError, paginate } from './pagination.ts';
import { AwsError, type CallContext } from './protocol.ts';
import type { ClusterSpec, RegionSpec, TaskSpec } from './world.ts';

/** The ECS read operations discovery uses, over the live world. Inputs are the JSON bodies. */

type Input = Record<string, unknown>;
type Output = Record<string, unknown>;
export type EcsHandler = (input: Input, ctx: CallContext) => Output;

const invalid = (message: string) => new AwsError('InvalidParameterException', message);
const clusterNotFound = () => new AwsError('ClusterNotFoundException', 'Cluster not found.');

function str(input: Input, name: string): string | undefined {
  const v = input[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new AwsError('SerializationException', `${name} must be a string`);
  return v;
}

function strList(input: Input, name: string): string[] | undefined {
  const v = input[name];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new AwsError('SerializationException', `${name} must be a list of strings`);
  return v as string[];
}

function limit(input: Input, fallback: number, max: number): number {
  const v = input.maxResults;
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > max) throw invalid(`maxResults must be between 1 and ${max}.`);
  return v;
}

function page<T>(all: T[], input: Input, fallback: number, max: number, listing: string): { items: T[]; nextToken?: string } {
  try {
    return paginate(all, limit(input, fallback, max), str(input, 'nextToken'), listing);
  } catch (error) {
    if (error instanceof BadTokenError) throw invalid('Invalid NextToken');
    throw error;
  }
}

function regionOf(ctx: CallContext): RegionSpec | undefined {
  return ctx.world.region(ctx.principal.accountId, ctx.region);
}

function regionContext(ctx: CallContext): RegionContext {
  return { account: ctx.principal.accountId, region: ctx.region, taskDefinitions: regionOf(ctx)?.taskDefinitions ?? [], epoch: ctx.world.epochSeconds };
}

function clusterOf(ctx: CallContext, input: Input): ClusterSpec {
  const name = ecsResourceId(str(input, 'cluster') ?? 'default');
  const cluster = regionOf(ctx)?.clusters?.find((c) => c.name === name);
  if (!cluster) throw clusterNotFound();
  return cluster;
}

const includesTags = (input: Input): boolean => (strList(input, 'include') ?? []).includes('TAGS');

/** AWS answers unknown names/ARNs in Describe* with failures[] rather than an error. */
function describe<T>(requested: string[], find: (id: string) => T | undefined, arnOf: (id: string) => string): { found: T[]; failures: Output[] } {
  const found: T[] = [];
  const failures: Output[] = [];
  for (const ref of requested) {
    const item = find(ecsResourceId(ref));
    if (item) found.push(item);
    else failures.push({ arn: ref.startsWith('arn:') ? ref : arnOf(ref), reason: 'MISSING' });
  }
  return { found, failures };
}

function taskMatchesStatus(task: TaskSpec, wanted: string): boolean {
  const desired = desiredStatusOf(task);
  if (wanted === 'STOPPED') return desired === 'STOPPED';
  if (wanted === 'PENDING') return desired === 'RUNNING' && isPending(task.lastStatus);
  return desired === 'RUNNING';
}

export const ecsHandlers: Record<string, EcsHandler> = {
  ListClusters(input, ctx) {
    const names = (regionOf(ctx)?.clusters ?? []).map((c) => arns.cluster(regionContext(ctx), c.name));
    const { items, nextToken } = page(names, input, 100, 100, 'clusters');
    return { clusterArns: items, ...(nextToken ? { nextToken } : {}) };
  },

  DescribeClusters(input, ctx) {
    const scope = regionContext(ctx);
    const requested = strList(input, 'clusters') ?? ['default'];
    if (requested.length > 100) throw invalid('clusters can have at most 100 items.');
    const { found, failures } = describe(requested, (name) => regionOf(ctx)?.clusters?.find((c) => c.name === name), (name) => arns.cluster(scope, name));
    return { clusters: found.map((c) => clusterJson(scope, c, includesTags(input))), failures };
  },

  ListServices(input, ctx) {
    const scope = regionContext(ctx);
    const cluster = clusterOf(ctx, input);
    const all = (cluster.services ?? []).map((s) => arns.service(scope, cluster.name, s.name));
    const { items, nextToken } = page(all, input, 10, 100, `services/${cluster.name}`);
    return { serviceArns: items, ...(nextToken ? { nextToken } : {}) };
  },

  DescribeServices(input, ctx) {
    const scope = regionContext(ctx);
    const requested = strList(input, 'services');
    if (!requested || requested.length === 0) throw invalid('Services cannot be empty.');
    if (requested.length > 10) throw invalid('service names can have at most 10 items.');
    const cluster = clusterOf(ctx, input);
    const { found, failures } = describe(requested, (name) => cluster.services?.find((s) => s.name === name), (name) => arns.service(scope, cluster.name, name));
    return { services: found.map((s) => serviceJson(scope, cluster, s, includesTags(input))), failures };
  },

  ListTasks(input, ctx) {
    const scope = regionContext(ctx);
    const cluster = clusterOf(ctx, input);
    const wanted = str(input, 'desiredStatus') ?? 'RUNNING';
    if (!['RUNNING', 'PENDING', 'STOPPED'].includes(wanted)) throw invalid(`desiredStatus must be one of RUNNING, PENDING, STOPPED.`);
    const serviceName = str(input, 'serviceName');
    const family = str(input, 'family');
    const launchType = str(input, 'launchType');
    const containerInstance = str(input, 'containerInstance');
    if (serviceName !== undefined && family !== undefined) throw invalid('Family and serviceName cannot both be specified.');
    if (serviceName !== undefined && !cluster.services?.some((s) => s.name === ecsResourceId(serviceName))) throw new AwsError('ServiceNotFoundException', 'Service not found.');
    const tasks = (cluster.tasks ?? []).filter(
      (t) =>
        taskMatchesStatus(t, wanted) &&
        (serviceName === undefined || t.service === ecsResourceId(serviceName)) &&
        (family === undefined || t.taskDefinition.split(':')[0] === family) &&
        (launchType === undefined || t.launchType === launchType) &&
        (containerInstance === undefined || t.containerInstance === ecsResourceId(containerInstance)),
    );
    const { items, nextToken } = page(tasks.map((t) => arns.task(scope, cluster.name, t.id)), input, 100, 100, `tasks/${cluster.name}/${wanted}`);
    return { taskArns: items, ...(nextToken ? { nextToken } : {}) };
  },

  DescribeTasks(input, ctx) {
    const scope = regionContext(ctx);
    const requested = strList(input, 'tasks');
    if (!requested || requested.length === 0) throw invalid('Tasks cannot be empty.');
    if (requested.length > 100) throw invalid('taskIds can have at most 100 items.');
    const cluster = clusterOf(ctx, input);
    const byId = new Map((cluster.tasks ?? []).map((t) => [t.id, t]));
    const { found, failures } = describe(requested, (id) => byId.get(id), (id) => arns.task(scope, cluster.name, id));
    return { tasks: found.map((t) => taskJson(scope, cluster, t, includesTags(input))), failures };
  },

  DescribeTaskDefinition(input, ctx) {
    const scope = regionContext(ctx);
    const ref = str(input, 'taskDefinition');
    if (!ref) throw new AwsError('ClientException', 'Task Definition can not be blank.');
    const familyRevision = ref.startsWith('arn:') ? ref.slice(ref.indexOf('task-definition/') + 'task-definition/'.length) : ref;
    const def = familyRevision.includes(':')
      ? findTaskDefinition(scope, familyRevision)
      : scope.taskDefinitions.filter((d) => d.family === familyRevision).sort((a, b) => b.revision - a.revision)[0];
    if (!def) throw new AwsError('ClientException', 'Unable to describe task definition.');
    return { taskDefinition: taskDefinitionJson(scope, def), ...(includesTags(input) ? { tags: Object.entries(def.tags ?? {}).map(([key, value]) => ({ key, value })) } : {}) };
  },

  ListContainerInstances(input, ctx) {
    const scope = regionContext(ctx);
    const cluster = clusterOf(ctx, input);
    const all = (cluster.containerInstances ?? []).map((i) => arns.containerInstance(scope, cluster.name, i.id));
    const { items, nextToken } = page(all, input, 100, 100, `container-instances/${cluster.name}`);
    return { containerInstanceArns: items, ...(nextToken ? { nextToken } : {}) };
  },

  DescribeContainerInstances(input, ctx) {
    const scope = regionContext(ctx);
    const requested = strList(input, 'containerInstances');
    if (!requested || requested.length === 0) throw invalid('ContainerInstances cannot be empty.');
    if (requested.length > 100) throw invalid('instanceIds can have at most 100 items.');
    const cluster = clusterOf(ctx, input);
    const { found, failures } = describe(requested, (id) => cluster.containerInstances?.find((i) => i.id === id), (id) => arns.containerInstance(scope, cluster.name, id));
    return { containerInstances: found.map((i) => containerInstanceJson(scope, cluster, i, includesTags(input))), failures };
  },
};
