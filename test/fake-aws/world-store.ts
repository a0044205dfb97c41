import { taskProblems, type AccountSpec, type ClusterSpec, type RegionSpec, type TaskSpec, type WorldSpec } from './world.ts';

/** Where a cluster lives; account and region default to the world's first ones. */
export interface ClusterRef {
  account?: string;
  region?: string;
  cluster: string;
}

/**
 * The live world the fake serves. Handlers read `spec` on every call, so a test may change it
 * freely between discovery cycles, directly or through the helpers (which also check references).
 */
export class FakeWorld {
  /** Epoch seconds used for every "created/registered" timestamp, fixed for the server's life. */
  readonly epochSeconds = Math.floor(Date.now() / 1000) - 3600;

  constructor(readonly spec: WorldSpec) {}

  account(id: string): AccountSpec | undefined {
    return this.spec.accounts.find((a) => a.id === id);
  }

  region(accountId: string, region: string): RegionSpec | undefined {
    return this.account(accountId)?.regions?.find((r) => r.name === region);
  }

  cluster(ref: ClusterRef): ClusterSpec | undefined {
    const { account, region } = this.resolve(ref);
    return this.region(account, region)?.clusters?.find((c) => c.name === ref.cluster);
  }

  task(ref: ClusterRef, taskId: string): TaskSpec | undefined {
    return this.cluster(ref)?.tasks?.find((t) => t.id === taskId);
  }

  /** Adds a task after checking it against the region's task definitions and the cluster. */
  addTask(ref: ClusterRef, task: TaskSpec): TaskSpec {
    const cluster = this.requireCluster(ref);
    if (cluster.tasks?.some((t) => t.id === task.id)) throw new Error(`task '${task.id}' already exists in cluster '${ref.cluster}'`);
    this.check(ref, task);
    (cluster.tasks ??= []).push(task);
    return task;
  }

  /** Removes a task; returns whether it was there. */
  removeTask(ref: ClusterRef, taskId: string): boolean {
    const cluster = this.requireCluster(ref);
    const index = cluster.tasks?.findIndex((t) => t.id === taskId) ?? -1;
    if (index < 0) return false;
    cluster.tasks!.splice(index, 1);
    return true;
  }

  /** Changes fields of a task (status, health, ports...), checking the result. */
  updateTask(ref: ClusterRef, taskId: string, patch: Partial<TaskSpec>): TaskSpec {
    const task = this.task(ref, taskId);
    if (!task) throw new Error(`no task '${taskId}' in cluster '${ref.cluster}'`);
    const updated = { ...task, ...patch };
    this.check(ref, updated);
    Object.assign(task, patch);
    return task;
  }

  private check(ref: ClusterRef, task: TaskSpec): void {
    const { account, region } = this.resolve(ref);
    const cluster = this.requireCluster(ref);
    const problems = taskProblems(task, {
      defs: new Set((this.region(account, region)?.taskDefinitions ?? []).map((d) => `${d.family}:${d.revision}`)),
      instances: new Set((cluster.containerInstances ?? []).map((i) => i.id)),
      services: new Set((cluster.services ?? []).map((s) => s.name)),
    });
    if (problems.length > 0) throw new Error(`task '${task.id}': ${problems.join('; ')}`);
  }

  private requireCluster(ref: ClusterRef): ClusterSpec {
    const cluster = this.cluster(ref);
    if (!cluster) throw new Error(`no cluster '${ref.cluster}' in ${JSON.stringify(this.resolve(ref))}`);
    return cluster;
  }

  private resolve(ref: ClusterRef): { account: string; region: string } {
    const account = ref.account ?? this.spec.accounts[0]!.id;
    const region = ref.region ?? this.account(account)?.regions?.[0]?.name ?? 'us-east-1';
    return { account, region };
  }
}
