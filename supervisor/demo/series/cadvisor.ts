import type { DemoContainer, DemoInstance, DemoTask } from '../estate.ts';
import { family, type Sample } from './exposition.ts';
import { containerUsage, hex, networkCounters, spread } from './workload.ts';
import { hostShape } from './host.ts';

const CFS_PERIOD_US = 100_000;

/**
 * What cAdvisor v0.52.1 serves on one container instance, run as the contract says
 * (--docker_only, only the ECS docker labels whitelisted, cpu/memory/network/oom_event kinds):
 * one set of container_* series per docker container, labelled container_label_com_amazonaws_ecs_*,
 * id, name and image; the root cgroup and the ECS agent without ECS labels; machine_* for the host.
 */
export function cadvisorMetrics(instance: DemoInstance, now: number): string {
  const host = hostShape(instance);
  const machine = { boot_id: host.bootId, machine_id: host.machineId, system_uuid: host.systemUuid };
  const rows = instance.tasks.flatMap((task) => task.containers.map((container) => containerRow(instance, task, container, now)));
  const unlabelled = [
    { labels: { id: '/', image: '', name: '' }, cpu: host.cores * 0.3 * (now - host.bootTime), memory: host.memoryBytes * 0.45 },
    { labels: { id: `/docker/${hex(`${instance.ec2InstanceId}/ecs-agent`, 64)}`, image: 'amazon/amazon-ecs-agent:latest', name: 'ecs-agent' }, cpu: 0.004 * (now - host.bootTime), memory: 48 * 2 ** 20 },
  ];
  const each = (pick: (row: Row) => number | undefined): Sample[] =>
    rows.flatMap((row) => {
      const value = pick(row);
      return value === undefined ? [] : [[row.labels, value] as Sample];
    });
  const perInterface = (pick: (n: ReturnType<typeof networkCounters>) => number): Sample[] =>
    rows.flatMap((row) => (row.network ? [[{ ...row.labels, interface: 'eth0' }, pick(row.network)] as Sample] : []));
  return [
    family('container_cpu_usage_seconds_total', 'counter', 'Cumulative cpu time consumed in seconds.', [
      ...unlabelled.map((u) => [{ ...u.labels, cpu: 'total' }, u.cpu] as Sample),
      ...rows.map((row) => [{ ...row.labels, cpu: 'total' }, row.usage.cpuSeconds] as Sample),
    ]),
    family('container_cpu_user_seconds_total', 'counter', 'Cumulative user cpu time consumed in seconds.', each((row) => row.usage.cpuSeconds * 0.7)),
    family('container_cpu_system_seconds_total', 'counter', 'Cumulative system cpu time consumed in seconds.', each((row) => row.usage.cpuSeconds * 0.3)),
    family('container_cpu_cfs_periods_total', 'counter', 'Number of elapsed enforcement period intervals.', each((row) => row.cfs?.periods)),
    family('container_cpu_cfs_throttled_periods_total', 'counter', 'Number of throttled period intervals.', each((row) => row.cfs?.throttled)),
    family('container_cpu_cfs_throttled_seconds_total', 'counter', 'Total time duration the container has been throttled.', each((row) => row.cfs && row.cfs.throttled * 0.02)),
    family('container_memory_cache', 'gauge', 'Number of bytes of page cache memory.', each((row) => row.usage.cacheBytes)),
    family('container_memory_rss', 'gauge', 'Size of RSS in bytes.', each((row) => row.usage.rssBytes)),
    family('container_memory_usage_bytes', 'gauge', 'Current memory usage in bytes, including all memory regardless of when it was accessed', [
      ...unlabelled.map((u) => [u.labels, Math.round(u.memory * 1.2)] as Sample),
      ...rows.map((row) => [row.labels, row.usage.usageBytes] as Sample),
    ]),
    family('container_memory_working_set_bytes', 'gauge', 'Current working set in bytes.', [
      ...unlabelled.map((u) => [u.labels, Math.round(u.memory)] as Sample),
      ...rows.map((row) => [row.labels, row.usage.workingSetBytes] as Sample),
    ]),
    family('container_oom_events_total', 'counter', 'Count of out of memory events observed for the container', each((row) => row.usage.oomEvents)),
    family('container_network_receive_bytes_total', 'counter', 'Cumulative count of bytes received', perInterface((n) => n.receiveBytes)),
    family('container_network_receive_packets_total', 'counter', 'Cumulative count of packets received', perInterface((n) => n.receivePackets)),
    family('container_network_receive_errors_total', 'counter', 'Cumulative count of errors encountered while receiving', perInterface((n) => n.receiveErrors)),
    family('container_network_receive_packets_dropped_total', 'counter', 'Cumulative count of packets dropped while receiving', perInterface((n) => n.receiveDropped)),
    family('container_network_transmit_bytes_total', 'counter', 'Cumulative count of bytes transmitted', perInterface((n) => n.transmitBytes)),
    family('container_network_transmit_packets_total', 'counter', 'Cumulative count of packets transmitted', perInterface((n) => n.transmitPackets)),
    family('container_network_transmit_errors_total', 'counter', 'Cumulative count of errors encountered while transmitting', perInterface((n) => n.transmitErrors)),
    family('container_network_transmit_packets_dropped_total', 'counter', 'Cumulative count of packets dropped while transmitting', perInterface((n) => n.transmitDropped)),
    family('container_spec_cpu_period', 'gauge', 'CPU period of the container.', each(() => CFS_PERIOD_US)),
    family('container_spec_cpu_quota', 'gauge', 'CPU quota of the container.', each((row) => row.cfs?.quota)),
    family('container_spec_cpu_shares', 'gauge', 'CPU share of the container.', each((row) => row.shares)),
    family('container_spec_memory_limit_bytes', 'gauge', 'Memory limit for the container.', each((row) => row.container.memoryBytes ?? 0)),
    family('container_start_time_seconds', 'gauge', 'Start time of the container since unix epoch in seconds.', each((row) => row.task.startedAt + row.index)),
    family('container_last_seen', 'gauge', 'Last time a container was seen by the exporter', each(() => Math.floor(now))),
    family('machine_cpu_cores', 'gauge', 'Number of logical CPU cores.', [[machine, host.cores]]),
    family('machine_memory_bytes', 'gauge', 'Amount of memory installed on the machine.', [[machine, host.memoryBytes]]),
  ].join('');
}

interface Row {
  task: DemoTask;
  container: DemoContainer;
  index: number;
  labels: Record<string, string>;
  usage: ReturnType<typeof containerUsage>;
  network: ReturnType<typeof networkCounters> | undefined;
  shares: number;
  /** Only a container with a CPU quota has CFS figures; `cpu` units stand for one here (ECS itself sets shares). */
  cfs: { quota: number; periods: number; throttled: number } | undefined;
}

function containerRow(instance: DemoInstance, task: DemoTask, container: DemoContainer, now: number): Row {
  const index = task.containers.indexOf(container);
  const taskId = task.taskArn.slice(task.taskArn.lastIndexOf('/') + 1);
  const dockerId = hex(`${task.taskArn}/${container.name}`, 64);
  const usage = containerUsage(task, container, now);
  // An awsvpc task's containers share its network namespace, so each reports the task's counters;
  // a host-network container has none of its own.
  const namespace = task.networkMode === 'awsvpc' ? task.taskArn : task.networkMode === 'bridge' ? `${task.taskArn}/${container.name}` : undefined;
  const periods = Math.floor((Math.max(0, now - task.startedAt) * 1e6) / CFS_PERIOD_US);
  return {
    task,
    container,
    index,
    labels: {
      container_label_com_amazonaws_ecs_cluster: task.clusterArn,
      container_label_com_amazonaws_ecs_container_name: container.name,
      container_label_com_amazonaws_ecs_task_arn: task.taskArn,
      container_label_com_amazonaws_ecs_task_definition_family: task.family,
      container_label_com_amazonaws_ecs_task_definition_version: String(task.revision),
      id: `/ecs/${taskId}/${dockerId}`,
      image: container.image,
      name: `ecs-${task.family}-${task.revision}-${container.name}-${hex(`${instance.ec2InstanceId}/${dockerId}`, 20)}`,
    },
    usage,
    network: namespace === undefined ? undefined : networkCounters(namespace, task.startedAt, now),
    shares: Math.max(2, container.cpuUnits),
    cfs: container.cpuUnits > 0 ? { quota: Math.round((container.cpuUnits / 1024) * CFS_PERIOD_US), periods, throttled: Math.floor(periods * (0.01 + 0.04 * spread(dockerId))) } : undefined,
  };
}
