import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

const PREFIX = 'ecs_appliance_discovery_';
const CLUSTER_LABELS = ['account', 'region', 'cluster'] as const;
type ClusterLabel = (typeof CLUSTER_LABELS)[number];

/** Discovery's own metrics; the supervisor exposes the registry on the admin endpoint. */
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
  }
}
