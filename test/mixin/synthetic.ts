/**
 * A troubled ECS world as OpenMetrics, in the shapes series have after the appliance's relabeling
 * (the shared contract): cAdvisor on an EC2 container instance, ecs_exporter in a Fargate task and
 * beside cAdvisor on EC2, node-exporter on the instance and the appliance's host, the appliance's own
 * metrics, and its Prometheus and Alertmanager. Something is wrong with everything an alert watches,
 * so every shipped expression has an answer to give.
 */

/** Samples every STEP seconds over the hour before `end`. */
const STEP = 30;
const SPAN = 3600;

type Labels = Record<string, string>;
/** A value at `age` seconds before the end. */
type Curve = (age: number) => number;

const gauge = (value: number): Curve => () => value;
/** A counter growing by `perSecond`. */
const counter = (perSecond: number): Curve => (age) => (SPAN - age) * perSecond;
/** A counter that starts again every `every` seconds over the last 15 minutes (a container restarting in place). */
const restarting = (perSecond: number, every: number): Curve => (age) => (age < 900 ? (900 - age) % every : SPAN - age) * perSecond;

const ACCOUNT = { account: '111111111111', region: 'eu-west-1' };
const EC2_HOST = '10.0.1.5';
const cadvisor = (task: string, container: string): Labels => ({
  job: 'cadvisor', instance: `${EC2_HOST}:8080`, cluster: 'prod', task_arn: task, container, task_family: task.split('-')[0]!, ...ACCOUNT, availability_zone: 'eu-west-1a', launch_type: 'EC2',
});
const ecsExporter = (cluster: string, service: string, task: string, launchType: string, container?: string): Labels => ({
  job: 'ecs-exporter', instance: `${task}:9779`, cluster, service, task_arn: task, task_family: service, ...ACCOUNT, availability_zone: 'eu-west-1b', launch_type: launchType,
  ...(container ? { container } : {}),
});
const ecsNode: Labels = { job: 'ecs-node', instance: `${EC2_HOST}:9100`, cluster: 'prod', ...ACCOUNT, availability_zone: 'eu-west-1a', launch_type: 'EC2', instance_id: 'i-0123456789abcdef0' };
const applianceNode: Labels = { job: 'node', instance: '127.0.0.1:9100' };
const appliance: Labels = { job: 'ecs-appliance', instance: '127.0.0.1:9901' };
const prometheus: Labels = { job: 'prometheus', instance: '127.0.0.1:9090' };
const alertmanager: Labels = { job: 'alertmanager', instance: '127.0.0.1:9093' };

const MiB = 2 ** 20;

/** Every series of the world: name, labels, curve. */
function world(): [string, Labels, Curve][] {
  const s: [string, Labels, Curve][] = [];
  const add = (name: string, labels: Labels, curve: Curve) => s.push([name, labels, curve]);

  // The appliance's view of the running tasks: web-1 (awsvpc, EC2), api-1 (EC2, with an ecs_exporter
  // sidecar), worker-1 (Fargate); "cron" keeps starting tasks that never reach RUNNING.
  const tasks = [['prod', 'web', 'web-1', 'EC2'], ['prod', 'api', 'api-1', 'EC2'], ['batch', 'worker', 'worker-1', 'FARGATE']] as const;
  for (const [cluster, service, task, launchType] of tasks) {
    add('ecs_appliance_task_info', { ...appliance, cluster, service, task_arn: task, task_family: service, task_revision: '1', launch_type: launchType, availability_zone: 'eu-west-1a' }, gauge(1));
    add('ecs_appliance_task_cpu_limit_cores', { ...appliance, cluster, task_arn: task }, gauge(1));
    add('ecs_appliance_task_memory_limit_bytes', { ...appliance, cluster, task_arn: task }, gauge(1024 * MiB));
  }
  add('ecs_appliance_container_memory_limit_bytes', { ...appliance, cluster: 'prod', task_arn: 'web-1', container: 'app' }, gauge(512 * MiB));
  add('ecs_appliance_tasks_started_total', { ...appliance, cluster: 'prod', service: 'web' }, counter(1 / 3600));
  add('ecs_appliance_tasks_started_total', { ...appliance, cluster: 'prod', service: 'cron' }, counter(1 / 60));

  // web-1 on cAdvisor: app near its memory limit, OOM-killed and restarting; three containers share eth0.
  for (const [container, cores, memory] of [['app', 0.6, 490], ['envoy', 0.5, 100], ['log-router', 0.05, 50]] as const) {
    const labels = cadvisor('web-1', container);
    add('container_cpu_usage_seconds_total', { ...labels, cpu: 'total' }, container === 'app' ? restarting(cores, 240) : counter(cores));
    add('container_memory_working_set_bytes', labels, gauge(memory * MiB));
    add('container_memory_usage_bytes', labels, gauge((memory + 60) * MiB));
    add('container_memory_total_inactive_file_bytes', labels, gauge(60 * MiB));
    add('container_memory_cache', labels, gauge(200 * MiB));
    add('container_network_receive_bytes_total', { ...labels, interface: 'eth0' }, counter(1000));
    add('container_network_transmit_bytes_total', { ...labels, interface: 'eth0' }, counter(500));
    add('container_cpu_cfs_periods_total', labels, counter(10));
    add('container_cpu_cfs_throttled_periods_total', labels, counter(2));
    add('container_oom_events_total', labels, container === 'app' ? (age) => (age < 600 ? 1 : 0) : gauge(0));
  }
  // api-1: cAdvisor and the ecs_exporter sidecar both report "api".
  add('container_cpu_usage_seconds_total', { ...cadvisor('api-1', 'api'), cpu: 'total' }, counter(0.4));
  add('container_memory_working_set_bytes', cadvisor('api-1', 'api'), gauge(300 * MiB));
  add('ecs_container_cpu_usage_seconds_total', ecsExporter('prod', 'api', 'api-1', 'EC2', 'api'), counter(0.45));
  add('ecs_container_memory_usage_bytes', ecsExporter('prod', 'api', 'api-1', 'EC2', 'api'), gauge(350 * MiB));

  // worker-1 on Fargate, ecs_exporter only: no throttling, no OOM series.
  for (const [container, cores, memory] of [['worker', 0.25, 300], ['ecs-exporter', 0.01, 20]] as const) {
    const labels = ecsExporter('batch', 'worker', 'worker-1', 'FARGATE', container);
    add('ecs_container_cpu_usage_seconds_total', labels, counter(cores));
    add('ecs_container_memory_usage_bytes', labels, gauge(memory * MiB));
    add('ecs_container_memory_page_cache_size_bytes', labels, gauge(0));
    add('ecs_container_memory_limit_bytes', labels, gauge(1024 * MiB));
    add('ecs_container_restarts_total', labels, gauge(0));
  }
  const workerTask = ecsExporter('batch', 'worker', 'worker-1', 'FARGATE');
  add('ecs_task_cpu_limit_vcpus', workerTask, gauge(1));
  add('ecs_task_memory_limit_bytes', workerTask, gauge(1024 * MiB));
  add('ecs_network_receive_bytes_total', { ...workerTask, interface: 'eth1' }, counter(2000));
  add('ecs_network_transmit_bytes_total', { ...workerTask, interface: 'eth1' }, counter(1000));

  // Scrape health: one ECS target down.
  add('up', { job: 'web', instance: '10.0.1.7:8080', cluster: 'prod', service: 'web', task_arn: 'web-1', container: 'app' }, gauge(0));
  add('up', { job: 'api', instance: '10.0.1.8:8080', cluster: 'prod', service: 'api', task_arn: 'api-1', container: 'api' }, gauge(1));
  add('scrape_duration_seconds', { job: 'web', instance: '10.0.1.7:8080', cluster: 'prod', service: 'web', task_arn: 'web-1', container: 'app' }, gauge(10));
  add('scrape_duration_seconds', { job: 'api', instance: '10.0.1.8:8080', cluster: 'prod', service: 'api', task_arn: 'api-1', container: 'api' }, gauge(0.02));

  // Hosts: the container instance is short of disk, inodes and memory.
  for (const host of [ecsNode, applianceNode]) {
    add('node_uname_info', { ...host, nodename: host.instance!, release: '6.1.0', sysname: 'Linux' }, gauge(1));
    add('node_cpu_seconds_total', { ...host, cpu: '0', mode: 'idle' }, counter(0.3));
    add('node_cpu_seconds_total', { ...host, cpu: '0', mode: 'user' }, counter(0.7));
    add('node_load1', host, gauge(1.5));
    add('node_memory_MemAvailable_bytes', host, gauge(host === ecsNode ? 200 * MiB : 2048 * MiB));
    add('node_memory_MemTotal_bytes', host, gauge(4096 * MiB));
    add('node_vmstat_oom_kill', host, counter(1 / 600));
    const disk = { ...host, device: '/dev/nvme0n1p1', fstype: 'xfs', mountpoint: '/' };
    add('node_filesystem_avail_bytes', disk, gauge(host === ecsNode ? 1 : 50));
    add('node_filesystem_size_bytes', disk, gauge(100));
    add('node_filesystem_files_free', disk, gauge(host === ecsNode ? 10 : 500));
    add('node_filesystem_files', disk, gauge(1000));
    add('node_network_receive_bytes_total', { ...host, device: 'eth0' }, counter(5000));
    add('node_network_transmit_bytes_total', { ...host, device: 'eth0' }, counter(3000));
  }

  // The appliance: discovery of "prod" failing for an hour, a refused bundle, Grafana restarting.
  const discovery = { ...appliance, ...ACCOUNT };
  add('ecs_appliance_discovery_last_success_timestamp_seconds', { ...discovery, cluster: 'prod' }, gauge(0));
  add('ecs_appliance_discovery_targets', { ...discovery, cluster: 'prod' }, gauge(4));
  add('ecs_appliance_discovery_api_calls_total', { ...appliance, operation: 'ListTasks', outcome: 'error' }, counter(0.1));
  add('ecs_appliance_discovery_throttles_total', { ...appliance, operation: 'DescribeTasks' }, counter(0.01));
  for (const le of ['0.1', '1', '+Inf']) add('ecs_appliance_discovery_cycle_duration_seconds_bucket', { ...appliance, le }, counter(le === '0.1' ? 0.01 : 0.03));
  add('ecs_appliance_config_reloads_total', { ...appliance, result: 'failure' }, counter(1 / 600));
  add('ecs_appliance_config_last_apply_success', appliance, gauge(0));
  add('ecs_appliance_component_restarts_total', { ...appliance, component: 'grafana' }, counter(1 / 120));
  add('ecs_appliance_component_up', { ...appliance, component: 'grafana' }, gauge(1));

  // Its Prometheus: a failing rule group, remote write dropping and falling behind, alerts not delivered.
  const queue = { ...prometheus, remote_name: 'amp', url: 'http://127.0.0.1:18005/api/v1/remote_write' };
  add('prometheus_config_last_reload_successful', prometheus, gauge(0));
  add('prometheus_rule_evaluation_failures_total', { ...prometheus, rule_group: 'rules/app.yml;app' }, counter(1));
  add('prometheus_remote_storage_samples_total', queue, counter(100));
  add('prometheus_remote_storage_samples_retried_total', queue, counter(10));
  add('prometheus_remote_storage_samples_failed_total', queue, counter(5));
  add('prometheus_remote_storage_queue_highest_timestamp_seconds', queue, (age) => 1.8e9 - age);
  add('prometheus_remote_storage_queue_highest_sent_timestamp_seconds', queue, (age) => 1.8e9 - age - 600);
  const notifications = { ...prometheus, alertmanager: 'http://127.0.0.1:9093/api/v2/alerts' };
  add('prometheus_notifications_sent_total', notifications, counter(0.5));
  add('prometheus_notifications_errors_total', notifications, counter(0.1));

  // Its Alertmanager: webhook deliveries failing.
  add('alertmanager_config_last_reload_successful', alertmanager, gauge(1));
  add('alertmanager_notifications_total', { ...alertmanager, integration: 'webhook' }, counter(0.2));
  add('alertmanager_notifications_failed_total', { ...alertmanager, integration: 'webhook', reason: 'serverError' }, counter(0.1));
  return s;
}

/** The world as OpenMetrics text whose last samples are at `endSeconds`, for promtool tsdb create-blocks-from openmetrics. */
export function syntheticOpenMetrics(endSeconds: number): string {
  const end = Math.floor(endSeconds);
  // OpenMetrics wants each metric's series together.
  const byName = new Map<string, [Labels, Curve][]>();
  for (const [name, labels, curve] of world()) byName.set(name, [...(byName.get(name) ?? []), [labels, curve]]);
  const lines: string[] = [];
  for (const [name, series] of byName) {
    for (const [labels, curve] of series) {
      const selector = `${name}{${Object.entries(labels).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}}`;
      for (let age = SPAN; age >= 0; age -= STEP) lines.push(`${selector} ${curve(age)} ${end - age}`);
    }
  }
  return `${lines.join('\n')}\n# EOF\n`;
}
