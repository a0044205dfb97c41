import { setTimeout as sleep } from 'node:timers/promises';
import type { Registry } from 'prom-client';
import { parseDuration } from '../duration.ts';
import type { Logger } from '../log.ts';
import { mapLimited } from './aws/batching.ts';
import { createScopeClients } from './aws/clients.ts';
import { ScopeFetcher, type ClusterRef } from './aws/scope-fetcher.ts';
import { DiscoveryMetrics } from './metrics.ts';
import { optInMatchers } from './optin/matchers.ts';
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

export interface DiscoveryServiceOptions {
  settings: DiscoverySettings;
  outDir: string;
  logger: Logger;
  registry: Registry;
  /** Region when the settings name none: AWS_REGION, or the appliance's own task's region. */
  fallbackRegion?: string;
  /** Prometheus's scrape timeout for the discovered job; shorter per-target intervals cap it. */
  defaultScrapeTimeout?: string;
  requestTimeoutMs?: number;
}

/** What one cluster looked like after the last cycle: for /status, --explain and the metrics. */
export interface ClusterStatus {
  key: string;
  scope: string;
  accountId: string;
  region: string;
  cluster: string;
  targets: number;
  skippedEndpoints: number;
  lastSuccess?: string;
  lastError?: string;
  /** Why the cluster's target file could not be written; it is tried again every cycle. */
  writeError?: string;
  heldDrop?: number;
  tasks: TaskDecision[];
}

export interface CycleReport {
  durationSeconds: number;
  clusters: ClusterStatus[];
  /** Scope-level failures (listing clusters, credentials). */
  scopeErrors: { scope: string; error: string }[];
  /** True when not a single cluster could be discovered. */
  nothingDiscovered: boolean;
}

/**
 * The imperative shell around `computeTargets`: fetch every cluster of every scope, compute its
 * targets, keep last good ones where fetching failed, and write the files. Runs once or on a loop.
 */
export class DiscoveryService {
  private readonly metrics: DiscoveryMetrics;
  private readonly directory: FileSdDirectory;
  private readonly store: TargetStore;
  private readonly scopes: Scope[];
  private readonly fetchers = new Map<string, Promise<ScopeFetcher>>();
  private readonly status = new Map<string, ClusterStatus>();
  /**
   * What each cluster's snapshot last gave: a steady-state cycle whose snapshot did not change,
   * and whose targets are the ones published, reuses it instead of recomputing 5,000 label sets.
   */
  private readonly computed = new Map<string, { generation: number; digest: string; tasks: TaskDecision[]; skipped: number }>();
  private readonly targetOptions: TargetOptions;
  private readonly log: Logger;
  private adopted = false;
  private loop: { stop: AbortController; done: Promise<void> } | undefined;
  private lastReport: CycleReport | undefined;

  constructor(private readonly options: DiscoveryServiceOptions) {
    const { settings } = options;
    this.log = options.logger.child({ component: 'discovery' });
    this.metrics = new DiscoveryMetrics(options.registry);
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

  get lastCycle(): CycleReport | undefined {
    return this.lastReport;
  }

  clusterStatuses(): ClusterStatus[] {
    return [...this.status.values()];
  }

  async runCycle(): Promise<CycleReport> {
    const started = performance.now();
    if (!this.adopted) {
      for (const [key, targets] of await this.directory.readExisting()) this.store.adopt(key, targets);
      this.adopted = true;
    }
    const outcomes: ClusterOutcome[] = [];
    const scopeErrors: CycleReport['scopeErrors'] = [];
    let discovered = 0;
    await Promise.all(
      this.scopes.map(async (scope) => {
        const result = await this.cycleScope(scope, outcomes);
        if (result.error) scopeErrors.push({ scope: scope.id, error: result.error });
        discovered += result.discovered;
      }),
    );
    outcomes.push(...this.goneClusters(outcomes, scopeErrors.length === 0));
    await this.publish(outcomes);

    const durationSeconds = (performance.now() - started) / 1000;
    this.metrics.cycleDuration.observe(durationSeconds);
    const report: CycleReport = { durationSeconds, clusters: this.clusterStatuses(), scopeErrors, nothingDiscovered: discovered === 0 };
    this.lastReport = report;
    this.log.info(
      { durationSeconds: Number(durationSeconds.toFixed(3)), clusters: report.clusters.length, targets: sum(report.clusters.map((c) => c.targets)), scopeErrors: scopeErrors.length },
      'discovery cycle done',
    );
    return report;
  }

  /** Runs a cycle every interval (±10% jitter, so replicas and accounts do not beat in step) until stop(). */
  start(): void {
    if (this.loop) return;
    const stop = new AbortController();
    const intervalMs = parseDuration(this.options.settings.interval)!;
    const done = (async () => {
      while (!stop.signal.aborted) {
        try {
          await this.runCycle();
        } catch (error) {
          this.log.error({ err: error }, 'discovery cycle failed');
        }
        const jitter = 1 + (Math.random() * 0.2 - 0.1);
        await sleep(intervalMs * jitter, undefined, { signal: stop.signal }).catch(() => undefined);
      }
    })();
    this.loop = { stop, done };
  }

  /** Stops the loop after the cycle in flight, so no file is left half-published. */
  async stop(): Promise<void> {
    if (!this.loop) return;
    this.loop.stop.abort();
    await this.loop.done;
    this.loop = undefined;
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
      metrics: this.metrics,
      requestTimeoutMs: this.options.requestTimeoutMs ?? 10_000,
    });
    return new ScopeFetcher({
      region: scope.region,
      clients,
      metrics: this.metrics,
      taskRefreshMs: parseDuration(this.options.settings.taskRefreshInterval)!,
    });
  }

  private async cycleScope(scope: Scope, outcomes: ClusterOutcome[]): Promise<{ discovered: number; error?: string }> {
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
      for (const status of this.status.values()) if (status.scope === scope.id) this.markFailed(status, message);
      return { discovered: 0, error: message };
    }

    const results = await mapLimited(clusters, CLUSTERS_IN_FLIGHT, (cluster) => this.cycleCluster(scope, fetcher, cluster, outcomes));
    fetcher.prune(new Set(clusters.map((c) => c.arn)));
    return { discovered: results.filter(Boolean).length };
  }

  /** Fetches one cluster and computes its outcome; true when it was discovered without error. */
  private async cycleCluster(scope: Scope, fetcher: ScopeFetcher, cluster: ClusterRef, outcomes: ClusterOutcome[]): Promise<boolean> {
    const key = FileSdDirectory.keyFor(cluster.accountId, scope.region, cluster.name);
    const status = this.statusFor(key, scope, cluster);
    try {
      const snapshot = await fetcher.fetchCluster(cluster);
      let computed = this.computed.get(key);
      if (computed?.generation === snapshot.generation && computed.digest === this.store.digest(key)) {
        outcomes.push({ key, unchanged: true });
      } else {
        const result = computeTargets(snapshot, this.targetOptions);
        const targets = publishedTargets(result.targets);
        computed = {
          generation: snapshot.generation,
          digest: targets.digest,
          tasks: result.tasks,
          skipped: sum(result.tasks.flatMap((t) => t.containers.map((c) => c.problems.length))),
        };
        this.computed.set(key, computed);
        outcomes.push({ key, ok: true, targets });
      }
      status.tasks = computed.tasks;
      status.skippedEndpoints = computed.skipped;
      status.lastSuccess = new Date().toISOString();
      delete status.lastError;
      this.metrics.lastSuccess.set(labelsOf(status), Date.now() / 1000);
      this.metrics.skippedEndpoints.set(labelsOf(status), status.skippedEndpoints);
      return true;
    } catch (error) {
      const message = describeError(error);
      this.log.warn({ scope: scope.id, cluster: cluster.name, error: message }, 'cluster fetch failed; keeping its last good targets');
      this.markFailed(status, message);
      outcomes.push({ key, ok: false, error: message });
      return false;
    }
  }

  /**
   * Clusters with targets that no scope listed this cycle: gone, or no longer watched. Only
   * decided when every scope listed its clusters, so an outage never looks like a deletion.
   */
  private goneClusters(outcomes: ClusterOutcome[], everyScopeListed: boolean): ClusterOutcome[] {
    if (!everyScopeListed) return [];
    const seen = new Set(outcomes.map((o) => o.key));
    return this.store
      .keys()
      .filter((key) => !seen.has(key))
      .map((key) => ({ key, gone: true as const }));
  }

  private async publish(outcomes: ClusterOutcome[]): Promise<void> {
    const change = this.store.apply(outcomes);
    for (const [key, dropped] of change.held) {
      this.log.warn({ cluster: key, dropped }, 'large drop of targets held until the next cycle confirms it');
      this.metrics.heldDrops.inc({ cluster: key });
    }
    for (const status of this.status.values()) {
      if (change.held.has(status.key)) status.heldDrop = change.held.get(status.key)!;
      else delete status.heldDrop;
    }
    for (const [key, targets] of change.publish) {
      const status = this.status.get(key);
      try {
        await this.directory.write(key, targets);
      } catch (error) {
        const message = describeError(error);
        this.log.error({ cluster: key, error: message }, 'cannot write the target file; Prometheus keeps the last one written, and the next cycle tries again');
        if (status) {
          status.writeError = message;
          this.metrics.writeFailures.inc(labelsOf(status));
        }
        continue;
      }
      this.store.confirm(key, targets);
      if (status) delete status.writeError;
      if (targets === null) {
        if (status) this.metrics.targets.remove(labelsOf(status));
        this.status.delete(key);
        this.computed.delete(key);
      }
    }
    for (const status of this.status.values()) {
      status.targets = this.store.count(status.key);
      this.metrics.targets.set(labelsOf(status), status.targets);
    }
  }

  private statusFor(key: string, scope: Scope, cluster: ClusterRef): ClusterStatus {
    let status = this.status.get(key);
    if (!status) {
      status = { key, scope: scope.id, accountId: cluster.accountId, region: scope.region, cluster: cluster.name, targets: 0, skippedEndpoints: 0, tasks: [] };
      this.status.set(key, status);
    }
    return status;
  }

  private markFailed(status: ClusterStatus, message: string): void {
    status.lastError = message;
    this.metrics.clusterFailures.inc(labelsOf(status));
  }
}

function labelsOf(status: ClusterStatus) {
  return { account: status.accountId, region: status.region, cluster: status.cluster };
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

/** AWS errors carry their code in `name`; keep that, never the request's credentials. */
function describeError(error: unknown): string {
  if (error instanceof Error) return error.name && error.name !== 'Error' ? `${error.name}: ${error.message}` : error.message;
  return String(error);
}
