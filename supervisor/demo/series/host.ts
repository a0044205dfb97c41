import type { DemoInstance } from '../estate.ts';
import { hex } from './workload.ts';

const GIB = 1024 ** 3;
/** The sizes of the instance types the demo world uses; others count as a t3.large. */
const INSTANCE_TYPES: Record<string, { cores: number; memoryBytes: number }> = {
  't3.large': { cores: 2, memoryBytes: 8 * GIB },
  'm5.large': { cores: 2, memoryBytes: 8 * GIB },
  'm5.xlarge': { cores: 4, memoryBytes: 16 * GIB },
};

/** What cAdvisor and node-exporter both see of one container instance: its size, identity and root disk. */
export function hostShape(instance: DemoInstance) {
  const size = INSTANCE_TYPES[instance.instanceType] ?? INSTANCE_TYPES['t3.large']!;
  const id = hex(instance.ec2InstanceId, 32);
  return {
    ...size,
    bootTime: 1_699_999_000,
    bootId: `${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}-${id.slice(20)}`,
    machineId: hex(`machine/${instance.ec2InstanceId}`, 32),
    systemUuid: `ec2${hex(`uuid/${instance.ec2InstanceId}`, 5)}-${id.slice(0, 4)}-${id.slice(4, 8)}-${id.slice(8, 12)}-${id.slice(12, 24)}`,
    rootDiskBytes: 30 * GIB,
    rootInodes: 15_728_640,
  };
}
