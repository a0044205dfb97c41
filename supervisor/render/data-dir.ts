import { join } from 'node:path';

/**
 * Where everything lives under the data directory. Rendered config is published as releases
 * behind the `config/current` symlink; programs are pointed at paths through `current`, so a
 * reload after a swap reads the new release and relative paths (rule files, Alertmanager
 * templates) resolve inside it.
 */
export interface DataDirLayout {
  root: string;
  /** file_sd target files written by discovery: `<root>/targets/*.json`. */
  targetsDir: string;
  targetsGlob: string;
  prometheusData: string;
  alertmanagerData: string;
  grafanaData: string;
  grafanaLogs: string;
  grafanaPlugins: string;
  /** Last good bundle, for starting when the source is unreachable. */
  bundleCache: string;
  configRoot: string;
  /** Where a new release is rendered and checked before it may become current. */
  configStaging: string;
  configReleases: string;
  /** Symlink to the release in use; `previous` points at the one before. */
  configCurrent: string;
  configPrevious: string;
  prometheusConfigFile: string;
  alertmanagerConfigFile: string;
  grafanaIniFile: string;
  grafanaProvisioningDir: string;
  grafanaDashboardsDir: string;
}

export function dataDirLayout(root: string): DataDirLayout {
  const configRoot = join(root, 'config');
  const configCurrent = join(configRoot, 'current');
  return {
    root,
    targetsDir: join(root, 'targets'),
    targetsGlob: join(root, 'targets', '*.json'),
    prometheusData: join(root, 'prometheus'),
    alertmanagerData: join(root, 'alertmanager'),
    grafanaData: join(root, 'grafana'),
    grafanaLogs: join(root, 'grafana', 'logs'),
    grafanaPlugins: join(root, 'grafana', 'plugins'),
    bundleCache: join(root, 'bundle-cache'),
    configRoot,
    configStaging: join(configRoot, 'staging'),
    configReleases: join(configRoot, 'releases'),
    configCurrent,
    configPrevious: join(configRoot, 'previous'),
    prometheusConfigFile: join(configCurrent, RENDERED_PATHS.prometheusConfig),
    alertmanagerConfigFile: join(configCurrent, RENDERED_PATHS.alertmanagerConfig),
    grafanaIniFile: join(configCurrent, RENDERED_PATHS.grafanaIni),
    grafanaProvisioningDir: join(configCurrent, RENDERED_PATHS.grafanaProvisioning),
    grafanaDashboardsDir: join(configCurrent, RENDERED_PATHS.grafanaDashboards),
  };
}

/** Paths of rendered files inside a release directory. */
export const RENDERED_PATHS = {
  prometheusConfig: 'prometheus/prometheus.yml',
  prometheusRules: 'prometheus/rules',
  alertmanagerConfig: 'alertmanager/alertmanager.yml',
  alertmanagerTemplates: 'alertmanager/templates',
  grafanaIni: 'grafana/grafana.ini',
  grafanaProvisioning: 'grafana/provisioning',
  grafanaDatasources: 'grafana/provisioning/datasources/appliance.yml',
  grafanaDashboardProviders: 'grafana/provisioning/dashboards/appliance.yml',
  grafanaDashboards: 'grafana/dashboards',
} as const;
