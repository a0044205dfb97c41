import type { ComponentName } from './component.ts';
import { containerMemoryLimit } from './memory-limit.ts';
import { programVersion, type ProgramVersion } from './program-version.ts';
import type { ProcessEnvironment } from './settings.ts';

/** What the appliance learns once at start about the programs it runs and the container it runs in. */
export interface HostFacts {
  versions: Partial<Record<ComponentName, ProgramVersion>>;
  /** The container's memory limit in bytes; undefined when it has none. */
  memoryLimitBytes: number | undefined;
}

export async function inspectHost(processes: ProcessEnvironment): Promise<HostFacts> {
  const { binaries } = processes;
  const [prometheus, alertmanager, nodeExporter, memoryLimitBytes] = await Promise.all([
    programVersion(binaries.prometheus),
    programVersion(binaries.alertmanager),
    programVersion(binaries.nodeExporter),
    containerMemoryLimit(processes.cgroupRoot),
  ]);
  const versions: HostFacts['versions'] = {};
  if (prometheus) versions.prometheus = prometheus;
  if (alertmanager) versions.alertmanager = alertmanager;
  if (nodeExporter) versions['node-exporter'] = nodeExporter;
  return { versions, memoryLimitBytes };
}

/** Each program's version as it printed it, for the log and /status. */
export function versionTexts(host: HostFacts): Record<string, string> {
  return Object.fromEntries(Object.entries(host.versions).map(([name, version]) => [name, version.text]));
}
