import type { DemoInstance } from '../estate.ts';
import { family, type Sample } from './exposition.ts';
import { hostShape } from './host.ts';
import { averageCpuCores, containerUsage, networkCounters } from './workload.ts';

const MODES: Array<[mode: string, share: number]> = [['idle', 0], ['iowait', 0.01], ['irq', 0], ['nice', 0], ['softirq', 0.005], ['steal', 0.002], ['system', 0.3], ['user', 0.7]];

/**
 * A handful of what node-exporter v1.12.1 serves on one container instance (run with
 * --path.rootfs=/host): CPU by mode, memory, the root filesystem's bytes and inodes, load, the
 * primary interface and boot time. The host is as busy as its containers, plus a little.
 */
export function nodeExporterMetrics(instance: DemoInstance, now: number): string {
  const host = hostShape(instance);
  const uptime = Math.max(0, now - host.bootTime);
  let containerCores = 0;
  let containerMemory = 0;
  for (const task of instance.tasks) {
    for (const container of task.containers) {
      containerCores += averageCpuCores(task, container);
      containerMemory += containerUsage(task, container, now).usageBytes;
    }
  }
  // From average rates, not the containers' counters: a restarted container's counter starts again, the host's never does.
  const busyPerCore = uptime * Math.min(0.9, 0.02 + containerCores / host.cores);
  const cpu: Sample[] = [];
  for (let core = 0; core < host.cores; core++) {
    for (const [mode, share] of MODES) cpu.push([{ cpu: String(core), mode }, Number((mode === 'idle' ? uptime - busyPerCore : busyPerCore * share).toFixed(2))]);
  }
  const used = Math.min(host.memoryBytes * 0.95, containerMemory + 600 * 2 ** 20);
  const disk = { device: '/dev/nvme0n1p1', fstype: 'xfs', mountpoint: '/' };
  const diskUsed = host.rootDiskBytes * (0.42 + 0.0000001 * (uptime % 100_000));
  const load = host.cores * (busyPerCore / Math.max(1, uptime));
  const net = networkCounters(`host/${instance.ec2InstanceId}`, host.bootTime, now);
  return [
    family('node_boot_time_seconds', 'gauge', 'Node boot time, in unixtime.', [[{}, host.bootTime]]),
    family('node_cpu_seconds_total', 'counter', 'Seconds the CPUs spent in each mode.', cpu),
    family('node_filesystem_avail_bytes', 'gauge', 'Filesystem space available to non-root users in bytes.', [[disk, Math.round(host.rootDiskBytes - diskUsed)]]),
    family('node_filesystem_files', 'gauge', 'Filesystem total file nodes.', [[disk, host.rootInodes]]),
    family('node_filesystem_files_free', 'gauge', 'Filesystem total free file nodes.', [[disk, Math.round(host.rootInodes * 0.93)]]),
    family('node_filesystem_free_bytes', 'gauge', 'Filesystem free space in bytes.', [[disk, Math.round(host.rootDiskBytes - diskUsed)]]),
    family('node_filesystem_readonly', 'gauge', 'Filesystem read-only status.', [[disk, 0]]),
    family('node_filesystem_size_bytes', 'gauge', 'Filesystem size in bytes.', [[disk, host.rootDiskBytes]]),
    family('node_load1', 'gauge', '1m load average.', [[{}, Number(load.toFixed(2))]]),
    family('node_load15', 'gauge', '15m load average.', [[{}, Number(load.toFixed(2))]]),
    family('node_load5', 'gauge', '5m load average.', [[{}, Number(load.toFixed(2))]]),
    family('node_memory_Buffers_bytes', 'gauge', 'Memory information field Buffers_bytes.', [[{}, 64 * 2 ** 20]]),
    family('node_memory_Cached_bytes', 'gauge', 'Memory information field Cached_bytes.', [[{}, Math.round(host.memoryBytes * 0.2)]]),
    family('node_memory_MemAvailable_bytes', 'gauge', 'Memory information field MemAvailable_bytes.', [[{}, Math.round(host.memoryBytes - used)]]),
    family('node_memory_MemFree_bytes', 'gauge', 'Memory information field MemFree_bytes.', [[{}, Math.round((host.memoryBytes - used) * 0.4)]]),
    family('node_memory_MemTotal_bytes', 'gauge', 'Memory information field MemTotal_bytes.', [[{}, host.memoryBytes]]),
    family('node_network_receive_bytes_total', 'counter', 'Network device statistic receive_bytes.', [[{ device: 'ens5' }, net.receiveBytes]]),
    family('node_network_transmit_bytes_total', 'counter', 'Network device statistic transmit_bytes.', [[{ device: 'ens5' }, net.transmitBytes]]),
    family('node_uname_info', 'gauge', 'Labeled system information as provided by the uname system call.', [
      [{ domainname: '(none)', machine: 'x86_64', nodename: `ip-10-0-0-${Number.parseInt(host.machineId.slice(0, 2), 16)}.ec2.internal`, release: '6.1.134-152.225.amzn2023.x86_64', sysname: 'Linux', version: '#1 SMP PREEMPT_DYNAMIC' }, 1],
    ]),
  ].join('');
}
