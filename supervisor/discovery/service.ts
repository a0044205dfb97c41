import { setTimeout as sleep } from 'node:timers/promises';
import type { Registry } from 'prom-client';
import { parseDuration } from '../duration.ts';
import type { Logger } from '../log.ts';
import { DiscoveryCycle, type CycleResult, type DiscoveryCycleOptions } from './cycle.ts';
import { nextStatuses, recordCycle, type ClusterStatus } from './cycle-status.ts';
import { DiscoveryMetrics } from './metrics.ts';
import { nextClusterTasks, type ClusterTasks } from './task-series.ts';

export type DiscoveryServiceOptions = Omit<DiscoveryCycleOptions, 'metrics'> & { registry: Registry };

/** A cycle as /status, `discover --once` and --explain show it: every cluster's status after it. */
export interface CycleReport extends Omit<CycleResult, 'clusters'> {
  clusters: ClusterStatus[];
}

/**
 * Discovery over time: runs cycles on a timer, and keeps what they add up to, the status and the
 * running tasks of every cluster and discovery's metrics, all derived from each cycle's result.
 */
export class DiscoveryService {
  private readonly cycle: DiscoveryCycle;
  private readonly metrics: DiscoveryMetrics;
  private readonly log: Logger;
  private statuses: ReadonlyMap<string, ClusterStatus> = new Map();
  private tasks: ReadonlyMap<string, ClusterTasks> = new Map();
  private loop: { stop: AbortController; done: Promise<void> } | undefined;
  private lastReport: CycleReport | undefined;

  constructor(private readonly options: DiscoveryServiceOptions) {
    this.log = options.logger.child({ component: 'discovery' });
    this.metrics = new DiscoveryMetrics(options.registry);
    this.cycle = new DiscoveryCycle({ ...options, logger: this.log, metrics: this.metrics });
  }

  get lastCycle(): CycleReport | undefined {
    return this.lastReport;
  }

  clusterStatuses(): ClusterStatus[] {
    return [...this.statuses.values()];
  }

  async runCycle(): Promise<CycleReport> {
    const result = await this.cycle.run();
    const statuses = nextStatuses(this.statuses, result);
    this.tasks = nextClusterTasks(this.tasks, result, statuses);
    recordCycle(this.metrics, result, this.statuses, statuses, this.tasks);
    this.statuses = statuses;
    const report: CycleReport = { ...result, clusters: this.clusterStatuses() };
    this.lastReport = report;
    this.log.info(
      {
        durationSeconds: Number(result.durationSeconds.toFixed(3)),
        clusters: report.clusters.length,
        targets: report.clusters.reduce((n, c) => n + c.targets, 0),
        scopeErrors: result.scopeErrors.length,
      },
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
}
