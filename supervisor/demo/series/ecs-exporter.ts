import type { DemoTask } from '../estate.ts';
import { family, type Sample } from './exposition.ts';
import { containerUsage, isRestartPolicied, networkCounters } from './workload.ts';

/** What ECS reports when the task sets no memory: effectively unlimited. */
const NO_LIMIT = 9223372036854772000;

/**
 * What prometheus-community ecs_exporter v0.4.0 serves inside one task, from the task metadata
 * endpoint: per container CPU, memory, limit, page cache and (with a restart policy) restarts;
 * per task interface the network counters; the task's limits and metadata. Fargate has no CFS
 * throttling figures and none are made up; page cache is 0 on the cgroup v2 hosts EC2 tasks run on.
 */
export function ecsExporterMetrics(task: DemoTask, now: number): string {
  const containers = task.containers.map((container) => ({ labels: { container_name: container.name }, container, usage: containerUsage(task, container, now) }));
  const each = (pick: (c: (typeof containers)[number]) => number | undefined): Sample[] =>
    containers.flatMap((c) => {
      const value = pick(c);
      return value === undefined ? [] : [[c.labels, value] as Sample];
    });
  const network = networkCounters(task.networkMode === 'awsvpc' ? task.taskArn : `${task.taskArn}/eth0`, task.startedAt, now);
  const nic = [{ interface: task.networkMode === 'awsvpc' ? 'eth1' : 'eth0' }];
  const perInterface = (value: number): Sample[] => nic.map((labels) => [labels, value] as Sample);
  const fargate = task.launchType === 'FARGATE';
  return [
    family('ecs_container_cpu_usage_seconds_total', 'counter', 'Cumulative total container CPU usage in seconds.', each((c) => c.usage.cpuSeconds)),
    family('ecs_container_memory_limit_bytes', 'gauge', 'Configured container memory limit in bytes, set from the container-level limit in the task definition if any, otherwise the task-level limit.', each((c) => c.container.memoryBytes ?? task.memoryBytes ?? NO_LIMIT)),
    family('ecs_container_memory_page_cache_size_bytes', 'gauge', 'Current container memory page cache size in bytes. This is not a subset of used bytes.', each((c) => (fargate ? c.usage.cacheBytes : 0))),
    family('ecs_container_memory_usage_bytes', 'gauge', 'Current container memory usage in bytes.', each((c) => c.usage.usageBytes)),
    family('ecs_container_restarts_total', 'counter', 'Cumulative total count of container restarts. Only present if the container has a restart policy.', each((c) => (isRestartPolicied(c.container) ? c.usage.restarts : undefined))),
    family('ecs_network_receive_bytes_total', 'counter', 'Cumulative total size of network packets received in bytes.', perInterface(network.receiveBytes)),
    family('ecs_network_receive_errors_total', 'counter', 'Cumulative total count of network errors in receiving.', perInterface(network.receiveErrors)),
    family('ecs_network_receive_packets_dropped_total', 'counter', 'Cumulative total count of network packets dropped in receiving.', perInterface(network.receiveDropped)),
    family('ecs_network_receive_packets_total', 'counter', 'Cumulative total count of network packets received.', perInterface(network.receivePackets)),
    family('ecs_network_transmit_bytes_total', 'counter', 'Cumulative total size of network packets transmitted in bytes.', perInterface(network.transmitBytes)),
    family('ecs_network_transmit_errors_total', 'counter', 'Cumulative total count of network errors in transmit.', perInterface(network.transmitErrors)),
    family('ecs_network_transmit_packets_dropped_total', 'counter', 'Cumulative total count of network packets dropped in transmit.', perInterface(network.transmitDropped)),
    family('ecs_network_transmit_packets_total', 'counter', 'Cumulative total count of network packets transmitted.', perInterface(network.transmitPackets)),
    family('ecs_task_cpu_limit_vcpus', 'gauge', 'Configured task CPU limit in vCPUs (1 vCPU = 1024 CPU units). This is optional when running on EC2; if no limit is set, this metric has no value.', task.cpuUnits === undefined ? [] : [[{}, task.cpuUnits / 1024]]),
    family('ecs_task_ephemeral_storage_allocated_bytes', 'gauge', 'Configured Fargate task ephemeral storage allocated size in bytes.', fargate ? [[{}, 21 * 1024 ** 3]] : []),
    family('ecs_task_ephemeral_storage_used_bytes', 'gauge', 'Current Fargate task ephemeral storage usage in bytes.', fargate ? [[{}, Math.round(1.2 * 1024 ** 3 + ((1000 * Math.max(0, now - task.startedAt)) % (512 * 1024 ** 2)))]] : []),
    family('ecs_task_memory_limit_bytes', 'gauge', 'Configured task memory limit in bytes. This is optional when running on EC2; if no limit is set, this metric has no value.', task.memoryBytes === undefined ? [] : [[{}, task.memoryBytes]]),
    family('ecs_task_metadata_info', 'gauge', 'ECS task metadata, sourced from the task metadata endpoint version 4.', [
      [{ availability_zone: task.availabilityZone, cluster: task.clusterArn, desired_status: 'RUNNING', family: task.family, known_status: 'RUNNING', launch_type: task.launchType, revision: String(task.revision), task_arn: task.taskArn }, 1],
    ]),
  ].join('');
}
