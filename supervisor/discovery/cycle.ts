import type { Logger } from '../log.ts';
import { parseDuration } from '../duration.ts';
import { mapLimited } from './aws/batching.ts';
import { createScopeClients } from './aws/clients.ts';
import { ScopeFetcher, type ClusterRef } from './aws/scope-fetcher.ts';
import type { DiscoveryMetrics } from './metrics.ts';
import { optInMatchers } from './optin/matchers.ts';
import { runningTasks, type RunningTask } from './running-tasks.ts';
import { FileSdDirectory, publishedTargets } from './output/file-sd-directory.ts';
import { TargetStore, type ClusterOutcome } from './output/target-store.ts';
import { scopesOf, type Scope } from './scopes.ts';
import type { DiscoverySettings } from './settings.ts';
import { computeTargets, type TaskDecision, type TargetOptions } from './targets.ts';

/**
 * Clusters of one account and region fetched at once. The token buckets set the pace anyway;
 * fetching every cluster at once only piles up DescribeTasks answers in memory.
 */
const CLUSTERS_IN_FLIGHT = 4;

export interface DiscoveryCycleOptions {
  settings: DiscoverySettings;
  outDir: string;
  logger: Logger;
  /** Where the AWS clients count their calls, throttles and cache lookups. */
  metrics: DiscoveryMetrics;
  /** Region when the settings name none: AWS_REGION, or the appliance's own task's region. */
  fallbackRegion?: string;
  /** Prometheus's scrape timeout for the discovered job; shorter per-target intervals cap it. */
  defaultScrapeTimeout?: string;
  requestTimeoutMs?: number;
}

/** Which cluster, as a scope listed it. */
export interface ClusterIdentity {
  key: string;
  scope: string;
  accountId: string;
  region: string;
  cluster: string;
}

/** What fetching one cluster gave this cycle. */
export type ClusterFetch =
  | (ClusterIdentity & { fetch: 'discovered'; discoveredAt: Date; tasks: TaskDecision[]; skippedEndpoints: number; runningTasks: RunningTask[] })
  /** Fetching failed; the cluster keeps its last good targets. */
  | (ClusterIdentity & { fetch: 'failed'; error: string })
  /** It had targets, and no scope listed it though every scope listed its clusters: deleted, or no longer watched. */
  | { key: string; fetch: 'gone' };

/** What one cycle did with one cluster: its fetch, then what was published for it. */
export type ClusterCycle = ClusterFetch & {
  /** Targets published for it once the cycle's writes are done: what Prometheus reads. */
  targets: number;
  /** How many targets a large drop would have removed; held back until the next cycle confirms it. */
  heldDrop?: number;
  /** Its file written (or removed), or why it could not be; absent when its targets did not change. */
  write?: FileWrite;
};

export type FileWrite = { ok: true; removed: boolean } | { ok: false; error: string };

/**
 * A scope-level failure (listing clusters, credentials): each of its clusters keeps its last
 * targets. A type, not an interface, so /status can serve it as JSON as it is.
 */
export type ScopeError = { scope: string; error: string };

/** One cycle over every account, region and cluster, as it happened. */
export interface CycleResult {
  durationSeconds: number;
  clusters: ClusterCycle[];
  scopeErrors: ScopeError[];
  /** True when not a single cluster could be discovered. */
  nothingDiscovered: boolean;
}

/** A listed cluster's fetch, and what it means for the target store. */
type Fetched = { outcome: ClusterOutcome; cluster: Exclude<ClusterFetch, { fetch: 'gone' }> };

/**
 * The imperative shell around `computeTargets`, one cycle at a time: fetch every cluster of every
 * scope, compute its targets, keep last good ones where fetching failed, and write the files. What
 * lasts between cycles here is what makes the next one cheap and safe: the AWS caches, the targets
 * published, and the computations of unchanged snapshots.
 */
export class DiscoveryCycle {
  private readonly directory: FileSdDirectory;
  private readonly store: TargetStore;
  private readonly scopes: Scope[];
  private readonly fetchers = new Map<string, Promise<ScopeFetcher>>();
  /**
   * What each cluster's snapshot last gave: a steady-state cycle whose snapshot did not change,
   * and whose targets are the ones published, reuses it instead of recomputing 5,000 label sets.
   */
  private readonly computed = new Map<string, { generation: number; digest: string; tasks: TaskDecision[]; skipped: number; runningTasks: RunningTask[] }>();
  private readonly targetOptions: TargetOptions;
  private readonly log: Logger;
  private adopted = false;

  constructor(private readonly options: DiscoveryCycleOptions) {
    const { settings } = options;
    this.log = options.logger;
    this.directory = new FileSdDirectory(options.outDir);
    this.store = new TargetStore(settings.maxDropRatio);
    this.scopes = scopesOf(settings, options.fallbackRegion);
    this.targetOptions = {
      matchers: optInMatchers(settings),
      defaultPath: settings.defaults.path,
      defaultScheme: settings.defaults.scheme,
      defaultTimeout: options.defaultScrapeTimeout ?? '10s',
    };
  }

  async run(): Promise<CycleResult> {
    const started = performance.now();
    if (!this.adopted) {
      for (const [key, targets] of await this.directory.readExisting()) this.store.adopt(key, targets);
      this.adopted = true;
    }
    const scopes = await Promise.all(this.scopes.map((scope) => this.fetchScope(scope)));
    const fetched = scopes.flatMap((s) => s.fetched);
    const scopeErrors = scopes.flatMap((s) => s.scopeError ?? []);
    const gone = this.goneClusters(fetched, scopeErrors.length === 0);
    const { held, writes } = await this.publish([...fetched.map((f) => f.outcome), ...gone.map((key) => ({ key, gone: true as const }))]);

    const published = (key: string) => ({
      targets: this.store.count(key),
      ...(held.has(key) ? { heldDrop: held.get(key)! } : {}),
      ...(writes.has(key) ? { write: writes.get(key)! } : {}),
    });
    return {
      durationSeconds: (performance.now() - started) / 1000,
      clusters: [
        ...fetched.map(({ cluster }): ClusterCycle => ({ ...cluster, ...published(cluster.key) })),
        ...gone.map((key): ClusterCycle => ({ key, fetch: 'gone', ...published(key) })),
      ],
      scopeErrors,
      nothingDiscovered: !fetched.some((f) => f.cluster.fetch === 'discovered'),
    };
  }

  private fetcherFor(scope: Scope): Promise<ScopeFetcher> {
    let fetcher = this.fetchers.get(scope.id);
    if (!fetcher) {
      fetcher = this.createFetcher(scope);
      this.fetchers.set(scope.id, fetcher);
      // A scope whose clients could not be built is tried afresh next cycle, not failed for good.
      fetcher.catch(() => this.fetchers.delete(scope.id));
    }
    return fetcher;
  }

  private async createFetcher(scope: Scope): Promise<ScopeFetcher> {
    const clients = await createScopeClients({
      region: scope.region,
      ...(scope.roleArn ? { roleArn: scope.roleArn } : {}),
      ...(scope.externalId ? { externalId: scope.externalId } : {}),
      metrics: this.options.metrics,
      requestTimeoutMs: this.options.requestTimeoutMs ?? 10_000,
    });
    return new ScopeFetcher({
      region: scope.region,
      clients,
      metrics: this.options.metrics,
      taskRefreshMs: parseDuration(this.options.settings.taskRefreshInterval)!,
    });
  }

  private async fetchScope(scope: Scope): Promise<{ fetched: Fetched[]; scopeError?: ScopeError }> {
    let clusters: ClusterRef[];
    let fetcher: ScopeFetcher;
    try {
      fetcher = await this.fetcherFor(scope);
      const identifiers = scope.clusters.length > 0 ? scope.clusters : await fetcher.listClusterArns();
      const resolved = await fetcher.resolveClusters(identifiers);
      clusters = resolved.clusters;
      for (const missing of resolved.missing) this.log.warn({ scope: scope.id, cluster: missing }, 'cluster not found');
    } catch (error) {
      const message = describeError(error);
      this.log.error({ scope: scope.id, error: message }, 'could not list clusters; every cluster of this account and region keeps its last targets');
      return { fetched: [], scopeError: { scope: scope.id, error: message } };
    }

    const fetched = await mapLimited(clusters, CLUSTERS_IN_FLIGHT, (cluster) => this.fetchCluster(scope, fetcher, cluster));
    fetcher.prune(new Set(clusters.map((c) => c.arn)));
    return { fetched };
  }

  /** Fetches one cluster and computes its targets, or reuses the last computation if nothing changed. */
  private async fetchCluster(scope: Scope, fetcher: ScopeFetcher, cluster: ClusterRef): Promise<Fetched> {
    const key = FileSdDirectory.keyFor(cluster.accountId, scope.region, cluster.name);
    const identity: ClusterIdentity = { key, scope: scope.id, accountId: cluster.accountId, region: scope.region, cluster: cluster.name };
    try {
      const snapshot = await fetcher.fetchCluster(cluster);
      let computed = this.computed.get(key);
      let outcome: ClusterOutcome;
      if (computed?.generation === snapshot.generation && computed.digest === this.store.digest(key)) {
        outcome = { key, unchanged: true };
      } else {
        const result = computeTargets(snapshot, this.targetOptions);
        const targets = publishedTargets(result.targets);
        computed = {
          generation: snapshot.generation,
          digest: targets.digest,
          tasks: result.tasks,
          skipped: sum(result.tasks.flatMap((t) => t.containers.map((c) => c.problems.length))),
          runningTasks: runningTasks(snapshot),
        };
        this.computed.set(key, computed);
        outcome = { key, ok: true, targets };
      }
      const { tasks, skipped: skippedEndpoints } = computed;
      return { outcome, cluster: { ...identity, fetch: 'discovered', discoveredAt: new Date(), tasks, skippedEndpoints, runningTasks: computed.runningTasks } };
    } catch (error) {
      const message = describeError(error);
      this.log.warn({ scope: scope.id, cluster: cluster.name, error: message }, 'cluster fetch failed; keeping its last good targets');
      return { outcome: { key, ok: false, error: message }, cluster: { ...identity, fetch: 'failed', error: message } };
    }
  }

  /**
   * Clusters with targets that no scope listed this cycle: gone, or no longer watched. Only
   * decided when every scope listed its clusters, so an outage never looks like a deletion.
   */
  private goneClusters(fetched: Fetched[], everyScopeListed: boolean): string[] {
    if (!everyScopeListed) return [];
    const seen = new Set(fetched.map((f) => f.cluster.key));
    return this.store.keys().filter((key) => !seen.has(key));
  }

  /** Applies the outcomes to the store and writes the files that changed; a file not written is tried again next cycle. */
  private async publish(outcomes: ClusterOutcome[]): Promise<{ held: Map<string, number>; writes: Map<string, FileWrite> }> {
    const change = this.store.apply(outcomes);
    for (const [key, dropped] of change.held) this.log.warn({ cluster: key, dropped }, 'large drop of targets held until the next cycle confirms it');
    const writes = new Map<string, FileWrite>();
    for (const [key, targets] of change.publish) {
      try {
        await this.directory.write(key, targets);
      } catch (error) {
        const message = describeError(error);
        this.log.error({ cluster: key, error: message }, 'cannot write the target file; Prometheus keeps the last one written, and the next cycle tries again');
        writes.set(key, { ok: false, error: message });
        continue;
      }
      this.store.confirm(key, targets);
      if (targets === null) this.computed.delete(key);
      writes.set(key, { ok: true, removed: targets === null });
    }
    return { held: change.held, writes };
  }
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

/** AWS errors carry their code in `name`; keep that, never the request's credentials. */
function describeError(error: unknown): string {
  if (error instanceof Error) return error.name && error.name !== 'Error' ? `${error.name}: ${error.message}` : error.message;
  return String(error);
}
