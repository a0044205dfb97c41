import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Discovery's own metrics; the supervisor exposes the registry on the admin endpoint. */
export class DiscoveryMetrics {
  readonly apiCalls: Counter<'operation' | 'outcome'>;
  readonly throttles: Counter<'operation'>;
  readonly cacheLookups: Counter<'cache' | 'result'>;
  readonly targets: Gauge<'account' | 'region' | 'cluster'>;
  readonly skippedEndpoints: Gauge<'account' | 'region' | 'cluster'>;
  readonly lastSuccess: Gauge<'account' | 'region' | 'cluster'>;
  readonly clusterFailures: Counter<'account' | 'region' | 'cluster'>;
  readonly heldDrops: Counter<'cluster'>;
  readonly cycleDuration: Histogram;

  constructor(registry: Registry) {
    const registers = [registry];
    this.apiCalls = new Counter({
      name: 'ecs_appliance_discovery_api_calls_total',
      help: 'AWS API requests made by discovery, by operation and outcome (ok, throttled, error).',
      labelNames: ['operation', 'outcome'],
      registers,
    });
    this.throttles = new Counter({
      name: 'ecs_appliance_discovery_throttles_total',
      help: 'AWS API requests answered with a throttling error.',
      labelNames: ['operation'],
      registers,
    });
    this.cacheLookups = new Counter({
      name: 'ecs_appliance_discovery_cache_lookups_total',
      help: 'Lookups in the discovery caches (task definitions, container instances, EC2 instances, tasks), by result.',
      labelNames: ['cache', 'result'],
      registers,
    });
    this.targets = new Gauge({
      name: 'ecs_appliance_discovery_targets',
      help: 'Targets currently written for each cluster.',
      labelNames: ['account', 'region', 'cluster'],
      registers,
    });
    this.skippedEndpoints = new Gauge({
      name: 'ecs_appliance_discovery_skipped_endpoints',
      help: 'Endpoints that containers asked for but could not be made targets (see discover --explain).',
      labelNames: ['account', 'region', 'cluster'],
      registers,
    });
    this.lastSuccess = new Gauge({
      name: 'ecs_appliance_discovery_last_success_timestamp_seconds',
      help: 'When each cluster was last discovered without error.',
      labelNames: ['account', 'region', 'cluster'],
      registers,
    });
    this.clusterFailures = new Counter({
      name: 'ecs_appliance_discovery_cluster_failures_total',
      help: 'Cycles in which a cluster kept its last good targets because an AWS call failed.',
      labelNames: ['account', 'region', 'cluster'],
      registers,
    });
    this.heldDrops = new Counter({
      name: 'ecs_appliance_discovery_held_drops_total',
      help: 'Cycles in which a large drop of targets was held back until the next cycle confirmed it.',
      labelNames: ['cluster'],
      registers,
    });
    this.cycleDuration = new Histogram({
      name: 'ecs_appliance_discovery_cycle_duration_seconds',
      help: 'Wall time of one discovery cycle over every account, region and cluster.',
      buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60],
      registers,
    });
  }
}
