import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { ContainerLabel, Sample, TaskInfoLabel, TaskLabel, TaskSeries } from './task-series.ts';

const PREFIX = 'ecs_appliance_discovery_';

/** Every metric name DiscoveryMetrics registers starts with one of these; a new service registers them afresh. */
export const DISCOVERY_METRIC_PREFIXES = [PREFIX, 'ecs_appliance_task_', 'ecs_appliance_container_', 'ecs_appliance_tasks_'] as const;
const CLUSTER_LABELS = ['account', 'region', 'cluster'] as const;
type ClusterLabel = (typeof CLUSTER_LABELS)[number];

/**
 * Discovery's own metrics, and the series about the tasks it sees (task-series.ts); the supervisor
 * exposes the registry on the admin endpoint.
 */
export class DiscoveryMetrics {
  readonly apiCalls: Counter<'operation' | 'outcome'>;
  readonly throttles: Counter<'operation'>;
  readonly cacheLookups: Counter<'cache' | 'result'>;
  readonly targets: Gauge<ClusterLabel>;
  readonly skippedEndpoints: Gauge<ClusterLabel>;
  readonly lastSuccess: Gauge<ClusterLabel>;
  readonly clusterFailures: Counter<ClusterLabel>;
  readonly heldDrops: Counter<'cluster'>;
  readonly writeFailures: Counter<ClusterLabel>;
  readonly cycleDuration: Histogram;
  readonly #taskGauges: TaskGauges;
  readonly #tasksStarted: Counter<'cluster' | 'service'>;

  constructor(registry: Registry) {
    const registers = [registry];
    const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]) =>
      new Counter<L>({ name: PREFIX + name, help, labelNames, registers });
    const clusterGauge = (name: string, help: string) => new Gauge<ClusterLabel>({ name: PREFIX + name, help, labelNames: CLUSTER_LABELS, registers });

    this.apiCalls = counter('api_calls_total', 'AWS API requests made by discovery, by operation and outcome (ok, throttled, error).', ['operation', 'outcome']);
    this.throttles = counter('throttles_total', 'AWS API requests answered with a throttling error.', ['operation']);
    this.cacheLookups = counter(
      'cache_lookups_total',
      'Lookups in the discovery caches (task definitions, container instances, EC2 instances, tasks, clusters), by result.',
      ['cache', 'result'],
    );
    this.targets = clusterGauge('targets', 'Targets currently written for each cluster.');
    this.skippedEndpoints = clusterGauge('skipped_endpoints', 'Endpoints that containers asked for but could not be made targets (see discover --explain).');
    this.lastSuccess = clusterGauge('last_success_timestamp_seconds', 'When each cluster was last discovered without error.');
    this.clusterFailures = counter('cluster_failures_total', 'Cycles in which a cluster kept its last good targets because an AWS call failed.', CLUSTER_LABELS);
    this.writeFailures = counter('write_failures_total', "Cycles in which a cluster's target file could not be written (a full disk); the targets gauge keeps counting what was last written.", CLUSTER_LABELS);
    this.heldDrops = counter('held_drops_total', 'Cycles in which a large drop of targets was held back until the next cycle confirmed it.', ['cluster']);
    this.cycleDuration = new Histogram({
      name: `${PREFIX}cycle_duration_seconds`,
      help: 'Wall time of one discovery cycle over every account, region and cluster.',
      buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60],
      registers,
    });

    const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[]) => new Gauge<L>({ name, help, labelNames, registers });
    const task: readonly TaskLabel[] = ['cluster', 'task_arn'];
    const container: readonly ContainerLabel[] = ['cluster', 'task_arn', 'container'];
    const info: readonly TaskInfoLabel[] = ['cluster', 'service', 'task_arn', 'task_family', 'task_revision', 'launch_type', 'availability_zone'];
    this.#taskGauges = {
      taskInfo: gauge('ecs_appliance_task_info', 'One series per RUNNING task of every watched cluster; service is empty for tasks no service started.', info),
      taskCpuLimitCores: gauge('ecs_appliance_task_cpu_limit_cores', "A RUNNING task's CPU limit in cores (task cpu units / 1024), where the task sets one.", task),
      taskMemoryLimitBytes: gauge('ecs_appliance_task_memory_limit_bytes', "A RUNNING task's memory limit in bytes, where the task sets one.", task),
      containerCpuLimitCores: gauge('ecs_appliance_container_cpu_limit_cores', "A running container's CPU limit in cores (container cpu units / 1024), where it sets one.", container),
      containerMemoryLimitBytes: gauge('ecs_appliance_container_memory_limit_bytes', "A running container's hard memory limit in bytes, where it sets one.", container),
    };
    this.#tasksStarted = new Counter({
      name: 'ecs_appliance_tasks_started_total',
      help: "Tasks seen RUNNING for the first time since discovery's first look at their cluster, per service (\"\" for tasks no service started).",
      labelNames: ['cluster', 'service'],
      registers,
    });
  }

  /**
   * Shows the task series of the latest statuses and nothing else, so a gone task's or cluster's
   * series go at once. Started counts only grow while a cluster is watched: the counter stays one.
   */
  showTasks(series: TaskSeries): void {
    for (const name of Object.keys(this.#taskGauges) as (keyof TaskGauges)[]) {
      const gauge = this.#taskGauges[name];
      gauge.reset();
      for (const sample of series[name] as Sample<string>[]) gauge.set(sample.labels, sample.value);
    }
    this.#tasksStarted.reset();
    for (const sample of series.tasksStarted) this.#tasksStarted.inc(sample.labels, sample.value);
  }
}

type TaskGauges = { [K in Exclude<keyof TaskSeries, 'tasksStarted'>]: Gauge<string> };
