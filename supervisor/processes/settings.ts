import type { ComponentName } from './component.ts';

export const componentNames: readonly ComponentName[] = ['prometheus', 'node-exporter', 'alertmanager', 'grafana'];

export interface Binaries {
  prometheus: string;
  promtool: string;
  alertmanager: string;
  amtool: string;
  grafana: string;
  nodeExporter: string;
}

/** Where the image puts each program (Debian names for the Prometheus family). */
export const defaultBinaries: Binaries = {
  prometheus: '/usr/bin/prometheus',
  promtool: '/usr/bin/promtool',
  alertmanager: '/usr/bin/prometheus-alertmanager',
  amtool: '/usr/bin/amtool',
  grafana: '/usr/share/grafana/bin/grafana',
  nodeExporter: '/usr/bin/prometheus-node-exporter',
};

export const defaultDataDir = '/var/lib/ecs-appliance';

/** Process-level settings the environment controls; the bundle may switch components off too. */
export interface ProcessEnvironment {
  dataDir: string;
  binaries: Binaries;
  disabled: Set<ComponentName>;
  /** Where the container's cgroup files are (APPLIANCE_CGROUP_ROOT, default /sys/fs/cgroup). */
  cgroupRoot: string;
}

const BINARY_VARIABLES: Record<keyof Binaries, string> = {
  prometheus: 'PROMETHEUS_BIN',
  promtool: 'PROMTOOL_BIN',
  alertmanager: 'ALERTMANAGER_BIN',
  amtool: 'AMTOOL_BIN',
  grafana: 'GRAFANA_BIN',
  nodeExporter: 'NODE_EXPORTER_BIN',
};

/** Reads APPLIANCE_DATA_DIR, APPLIANCE_DISABLE, APPLIANCE_CGROUP_ROOT and the *_BIN overrides; throws naming the bad variable. */
export function processEnvironment(env: NodeJS.ProcessEnv): ProcessEnvironment {
  const binaries = { ...defaultBinaries };
  for (const [key, variable] of Object.entries(BINARY_VARIABLES) as [keyof Binaries, string][]) {
    const value = env[variable]?.trim();
    if (value) binaries[key] = value;
  }
  const dataDir = env.APPLIANCE_DATA_DIR?.trim() || defaultDataDir;
  if (!dataDir.startsWith('/')) throw new Error(`APPLIANCE_DATA_DIR must be an absolute path, got '${dataDir}'`);
  return { dataDir, binaries, disabled: parseDisabled(env.APPLIANCE_DISABLE ?? ''), cgroupRoot: env.APPLIANCE_CGROUP_ROOT?.trim() || '/sys/fs/cgroup' };
}

/** `grafana,node-exporter` → those names; an unknown name is an error rather than silently ignored. */
export function parseDisabled(value: string): Set<ComponentName> {
  const disabled = new Set<ComponentName>();
  for (const raw of value.split(',')) {
    const name = raw.trim().toLowerCase();
    if (name === '') continue;
    if (!(componentNames as readonly string[]).includes(name)) {
      throw new Error(`APPLIANCE_DISABLE: unknown component '${raw.trim()}'; expected a comma-separated list of ${componentNames.join(', ')}`);
    }
    disabled.add(name as ComponentName);
  }
  return disabled;
}
