import {
  DescribeClustersCommand,
  DescribeContainerInstancesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  paginateListClusters,
  paginateListTasks,
  type Task,
  type TaskDefinition,
} from '@aws-sdk/client-ecs';
import type { DiscoveryMetrics } from '../metrics.ts';
import { arnResourceId, tagsToRecord, type ClusterSnapshot, type Ec2InstanceFacts } from '../world.ts';
import type { ScopeClients } from './clients.ts';
import { chunk, mapLimited } from './batching.ts';
import { slimTask, slimTaskDefinition } from './slim.ts';

/** AWS's batch limits for the describe calls. */
const DESCRIBE_TASKS_MAX = 100;
const DESCRIBE_CONTAINER_INSTANCES_MAX = 100;
const DESCRIBE_CLUSTERS_MAX = 100;
const DESCRIBE_INSTANCES_IDS = 100;
/** In-flight calls per kind; the token buckets, not this, set the pace. */
const CONCURRENCY = 8;

export interface ClusterRef {
  arn: string;
  name: string;
  accountId: string;
  tags: Record<string, string>;
}

interface CachedTask {
  task: Task;
  refreshAt: number;
}

export interface FetcherOptions {
  region: string;
  clients: ScopeClients;
  metrics: DiscoveryMetrics;
  /** Each task is described again within this window (randomised so refreshes spread out). */
  taskRefreshMs: number;
  now?: () => number;
  random?: () => number;
}

/**
 * Every AWS call for one account and region, and the caches that keep steady state cheap: task
 * definitions never change per ARN, a container instance stays on its EC2 instance, and a RUNNING
 * task is only described again when its refresh is due. Any failed call fails the cluster it was
 * for (the caller keeps that cluster's last good targets); caches only ever hold answers.
 */
export class ScopeFetcher {
  private readonly tasksByCluster = new Map<string, Map<string, CachedTask>>();
  /** Per cluster: the description last seen and a counter bumped whenever what it returns changes. */
  private readonly clusterSeen = new Map<string, ClusterRef>();
  private readonly generations = new Map<string, number>();
  private readonly taskDefinitions = new Map<string, { definition: TaskDefinition; tags: Record<string, string> }>();
  private readonly taskDefinitionsInFlight = new Map<string, Promise<void>>();
  private readonly containerInstances = new Map<string, string>();
  private readonly ec2Instances = new Map<string, Ec2InstanceFacts>();
  private readonly clusters = new Map<string, { ref: ClusterRef; refreshAt: number }>();
  private readonly now: () => number;
  private readonly random: () => number;

  constructor(private readonly options: FetcherOptions) {
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
  }

  /** Every cluster ARN the credentials can list in this region. */
  async listClusterArns(): Promise<string[]> {
    const arns: string[] = [];
    for await (const page of paginateListClusters({ client: this.options.clients.ecs, pageSize: 100 }, {})) {
      arns.push(...(page.clusterArns ?? []));
    }
    return arns;
  }

  /**
   * Names or ARNs → cluster references with tags, describing only those not described within the
   * refresh window. Unknown clusters come back in `missing`.
   */
  async resolveClusters(identifiers: string[]): Promise<{ clusters: ClusterRef[]; missing: string[] }> {
    const now = this.now();
    const stale = identifiers.filter((id) => {
      const cached = this.clusters.get(id);
      this.countLookup('cluster', cached !== undefined && cached.refreshAt > now);
      return !cached || cached.refreshAt <= now;
    });
    const missing: string[] = [];
    for (const batch of chunk(stale, DESCRIBE_CLUSTERS_MAX)) {
      const out = await this.options.clients.ecs.send(new DescribeClustersCommand({ clusters: batch, include: ['TAGS'] }));
      for (const cluster of out.clusters ?? []) {
        if (!cluster.clusterArn) continue;
        const ref: ClusterRef = {
          arn: cluster.clusterArn,
          name: cluster.clusterName ?? arnResourceId(cluster.clusterArn),
          accountId: accountOf(cluster.clusterArn),
          tags: tagsToRecord(cluster.tags),
        };
        const entry = { ref, refreshAt: now + this.refreshDelay() };
        this.clusters.set(ref.arn, entry);
        this.clusters.set(ref.name, entry);
      }
      for (const failure of out.failures ?? []) if (failure.arn) missing.push(failure.arn);
    }
    const clusters = identifiers.flatMap((id) => {
      const cached = this.clusters.get(id);
      return cached && !missing.includes(id) ? [cached.ref] : [];
    });
    return { clusters, missing };
  }

  /** One cluster's snapshot; throws if any call it needs fails. */
  async fetchCluster(cluster: ClusterRef): Promise<ClusterSnapshot> {
    const { ecs } = this.options.clients;
    const listed: string[] = [];
    for await (const page of paginateListTasks({ client: ecs, pageSize: 100 }, { cluster: cluster.arn })) {
      listed.push(...(page.taskArns ?? []));
    }

    const previous = this.tasksByCluster.get(cluster.arn) ?? new Map<string, CachedTask>();
    const now = this.now();
    const toDescribe = listed.filter((arn) => {
      const cached = previous.get(arn);
      const fresh = cached !== undefined && cached.task.lastStatus === 'RUNNING' && cached.refreshAt > now;
      this.countLookup('task', fresh);
      return !fresh;
    });
    const described = await mapLimited(chunk(toDescribe, DESCRIBE_TASKS_MAX), CONCURRENCY, async (batch) => {
      const out = await ecs.send(new DescribeTasksCommand({ cluster: cluster.arn, tasks: batch, include: ['TAGS'] }));
      return (out.tasks ?? []).map(slimTask);
    });

    const current = new Map<string, CachedTask>();
    for (const arn of listed) {
      const cached = previous.get(arn);
      if (cached) current.set(arn, cached);
    }
    for (const task of described.flat()) {
      if (task.taskArn) current.set(task.taskArn, { task, refreshAt: now + this.refreshDelay() });
    }
    const tasks = [...current.values()].map((c) => c.task);

    await this.describeTaskDefinitions(tasks);
    await this.describeContainerInstances(cluster.arn, tasks);
    await this.describeEc2Instances(tasks);
    // Only after every call succeeded: a failed cycle must not half-update the task cache.
    this.tasksByCluster.set(cluster.arn, current);
    const unchanged = described.length === 0 && current.size === previous.size && this.clusterSeen.get(cluster.arn) === cluster;
    this.clusterSeen.set(cluster.arn, cluster);
    const generation = unchanged ? (this.generations.get(cluster.arn) ?? 0) : (this.generations.get(cluster.arn) ?? 0) + 1;
    this.generations.set(cluster.arn, generation);

    return {
      accountId: cluster.accountId,
      region: this.options.region,
      clusterName: cluster.name,
      clusterArn: cluster.arn,
      clusterTags: cluster.tags,
      generation,
      tasks,
      taskDefinitions: new Map(tasks.flatMap((t) => this.taskDefinitionEntry(t.taskDefinitionArn, (d) => d.definition))),
      taskDefinitionTags: new Map(tasks.flatMap((t) => this.taskDefinitionEntry(t.taskDefinitionArn, (d) => d.tags))),
      containerInstances: this.containerInstances,
      ec2Instances: this.ec2Instances,
    };
  }

  /** Drops cache entries no current task refers to, so the caches track the account, not its history. */
  prune(liveClusterArns: ReadonlySet<string>): void {
    for (const arn of this.tasksByCluster.keys()) {
      if (liveClusterArns.has(arn)) continue;
      this.tasksByCluster.delete(arn);
      this.clusterSeen.delete(arn);
      this.generations.delete(arn);
    }
    const tasks = [...this.tasksByCluster.values()].flatMap((m) => [...m.values()].map((c) => c.task));
    const definitions = new Set(tasks.map((t) => t.taskDefinitionArn));
    const instances = new Set(tasks.map((t) => t.containerInstanceArn));
    for (const arn of this.taskDefinitions.keys()) if (!definitions.has(arn)) this.taskDefinitions.delete(arn);
    for (const arn of this.containerInstances.keys()) if (!instances.has(arn)) this.containerInstances.delete(arn);
    const ec2Ids = new Set(this.containerInstances.values());
    for (const id of this.ec2Instances.keys()) if (!ec2Ids.has(id)) this.ec2Instances.delete(id);
  }

  private taskDefinitionEntry<T>(
    arn: string | undefined,
    pick: (cached: { definition: TaskDefinition; tags: Record<string, string> }) => T,
  ): [string, T][] {
    const cached = arn ? this.taskDefinitions.get(arn) : undefined;
    return arn && cached ? [[arn, pick(cached)]] : [];
  }

  /**
   * Clusters are fetched in parallel and often run the same definitions: a definition another
   * cluster is already describing is awaited, not described twice.
   */
  private async describeTaskDefinitions(tasks: Task[]): Promise<void> {
    const wanted = unique(tasks.map((t) => t.taskDefinitionArn));
    const missing = wanted.filter((arn) => {
      const hit = this.taskDefinitions.has(arn) || this.taskDefinitionsInFlight.has(arn);
      this.countLookup('task_definition', hit);
      return !this.taskDefinitions.has(arn);
    });
    await mapLimited(missing, CONCURRENCY, async (arn) => {
      if (this.taskDefinitions.has(arn)) return;
      let inFlight = this.taskDefinitionsInFlight.get(arn);
      if (!inFlight) {
        inFlight = this.describeTaskDefinition(arn).finally(() => this.taskDefinitionsInFlight.delete(arn));
        this.taskDefinitionsInFlight.set(arn, inFlight);
      }
      return inFlight;
    });
  }

  private async describeTaskDefinition(arn: string): Promise<void> {
    const out = await this.options.clients.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn, include: ['TAGS'] }));
    if (out.taskDefinition) this.taskDefinitions.set(arn, { definition: slimTaskDefinition(out.taskDefinition), tags: tagsToRecord(out.tags) });
  }

  private async describeContainerInstances(clusterArn: string, tasks: Task[]): Promise<void> {
    const wanted = unique(tasks.map((t) => t.containerInstanceArn));
    const missing = wanted.filter((arn) => {
      const hit = this.containerInstances.has(arn);
      this.countLookup('container_instance', hit);
      return !hit;
    });
    await mapLimited(chunk(missing, DESCRIBE_CONTAINER_INSTANCES_MAX), CONCURRENCY, async (batch) => {
      const out = await this.options.clients.ecs.send(new DescribeContainerInstancesCommand({ cluster: clusterArn, containerInstances: batch }));
      for (const ci of out.containerInstances ?? []) {
        if (ci.containerInstanceArn && ci.ec2InstanceId) this.containerInstances.set(ci.containerInstanceArn, ci.ec2InstanceId);
      }
    });
  }

  private async describeEc2Instances(tasks: Task[]): Promise<void> {
    const wanted = unique(tasks.map((t) => (t.containerInstanceArn ? this.containerInstances.get(t.containerInstanceArn) : undefined)));
    const missing = wanted.filter((id) => {
      const hit = this.ec2Instances.has(id);
      this.countLookup('ec2_instance', hit);
      return !hit;
    });
    if (missing.length === 0) return;
    const ec2 = await this.options.clients.ec2();
    const { DescribeInstancesCommand } = await import('@aws-sdk/client-ec2');
    await mapLimited(chunk(missing, DESCRIBE_INSTANCES_IDS), CONCURRENCY, async (batch) => {
      const out = await ec2.send(new DescribeInstancesCommand({ InstanceIds: batch }));
      for (const instance of (out.Reservations ?? []).flatMap((r) => r.Instances ?? [])) {
        if (!instance.InstanceId) continue;
        this.ec2Instances.set(instance.InstanceId, {
          instanceId: instance.InstanceId,
          ...(instance.InstanceType ? { instanceType: instance.InstanceType } : {}),
          ...(instance.PrivateIpAddress ? { privateIp: instance.PrivateIpAddress } : {}),
          tags: Object.fromEntries((instance.Tags ?? []).filter((t) => t.Key).map((t) => [t.Key!, t.Value ?? ''])),
        });
      }
    });
  }

  private refreshDelay(): number {
    return this.options.taskRefreshMs * (0.5 + this.random() * 0.5);
  }

  private countLookup(cache: string, hit: boolean): void {
    this.options.metrics.cacheLookups.inc({ cache, result: hit ? 'hit' : 'miss' });
  }
}

/** arn:PARTITION:ecs:REGION:ACCOUNT:… */
function accountOf(arn: string): string {
  return arn.split(':')[4] ?? '';
}

function unique(values: (string | undefined)[]): string[] {
  return [...new Set(values.filter((v): v is string => Boolean(v)))];
}
