import { dirname } from 'node:path';
import type { ApplianceConfig } from '../config/schema.ts';
import type { ComponentName } from '../processes/component.ts';
import type { HostFacts } from '../processes/host-facts.ts';
import { goMemLimit } from '../processes/memory-limit.ts';
import type { ProcessEnvironment } from '../processes/settings.ts';
import type { ComponentSettings } from '../processes/specs.ts';
import type { DataDirLayout } from '../render/data-dir.ts';

/**
 * How the bundle and the environment combine into the processes to run: a component runs when the
 * bundle enables it and APPLIANCE_DISABLE does not name it; programs read the files under
 * `config/current`, so a reload after a swap picks up the new release.
 */
export function componentSettingsFor(input: {
  config: ApplianceConfig;
  processes: ProcessEnvironment;
  layout: DataDirLayout;
  host: HostFacts;
  grafanaAdmin: { user: string; password: string };
}): ComponentSettings {
  const { config, processes, layout, host } = input;
  const memoryLimit = goMemLimit(host.memoryLimitBytes, config.prometheus.memoryShare);
  const on = (name: ComponentName, inBundle: boolean) => inBundle && !processes.disabled.has(name);
  return {
    dataDir: processes.dataDir,
    listenHost: config.listen.host,
    ports: {
      prometheus: config.listen.prometheus,
      alertmanager: config.listen.alertmanager,
      grafana: config.listen.grafana,
      'node-exporter': config.listen.nodeExporter,
    },
    binaries: processes.binaries,
    enabled: {
      prometheus: on('prometheus', config.components.prometheus),
      alertmanager: on('alertmanager', config.components.alertmanager),
      grafana: on('grafana', config.components.grafana),
      'node-exporter': on('node-exporter', config.components.nodeExporter),
    },
    prometheus: {
      configFile: layout.prometheusConfigFile,
      retention: config.prometheus.retention.time,
      ...(config.prometheus.retention.size ? { retentionSize: config.prometheus.retention.size } : {}),
      ...(config.prometheus.externalUrl ? { externalUrl: config.prometheus.externalUrl } : {}),
      ...(memoryLimit ? { goMemLimit: memoryLimit } : {}),
      ...(host.versions.prometheus ? { majorVersion: host.versions.prometheus.major } : {}),
      ...(config.amp?.mode === 'sigv4' ? { signsWithAws: true } : {}),
    },
    alertmanager: {
      configFile: layout.alertmanagerConfigFile,
      ...(config.alertmanager.externalUrl ? { externalUrl: config.alertmanager.externalUrl } : {}),
    },
    nodeExporter: {},
    grafana: {
      // GRAFANA_BIN is <home>/bin/grafana in every Grafana distribution.
      homePath: dirname(dirname(processes.binaries.grafana)),
      configFile: layout.grafanaIniFile,
      provisioningDir: layout.grafanaProvisioningDir,
      admin: input.grafanaAdmin,
    },
  };
}
