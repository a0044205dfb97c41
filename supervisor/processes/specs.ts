import { join } from 'node:path';
import type { ComponentName, ComponentSpec } from './component.ts';
import type { Binaries } from './settings.ts';

export interface ComponentSettings {
  /** Root for all state: prometheus/, alertmanager/, grafana/ are created under it. */
  dataDir: string;
  /** Address the components listen on; probes go to loopback when this is a wildcard. */
  listenHost: string;
  ports: Record<ComponentName, number>;
  binaries: Binaries;
  /** Components not listed as true are left out. */
  enabled: Record<ComponentName, boolean>;
  prometheus: {
    configFile: string;
    /** Prometheus duration, e.g. "15d". */
    retention: string;
    retentionSize?: string;
    externalUrl?: string;
    /** GOMEMLIMIT in bytes: Prometheus's share of the container's memory. */
    goMemLimit?: string;
    /** 2 for Prometheus 2.x, whose expansion of `$` in external labels is behind a feature flag. */
    majorVersion?: number;
    /** Prometheus signs remote_write itself (amp.mode sigv4), so it needs the AWS_* credential variables. */
    signsWithAws?: boolean;
    extraArgs?: string[];
  };
  alertmanager: { configFile: string; externalUrl?: string; extraArgs?: string[] };
  nodeExporter: {
    /** Host filesystem mounted into the container (e.g. /host); unset means this container's view. */
    rootfs?: string;
    extraArgs?: string[];
  };
  grafana: {
    /** Install directory with conf/defaults.ini and public/ (the image: /usr/share/grafana). */
    homePath: string;
    configFile?: string;
    provisioningDir?: string;
    /** When given, reload uses Grafana's provisioning reload API instead of a restart. */
    admin?: { user: string; password: string };
    extraArgs?: string[];
  };
}

/**
 * Collectors that read hardware or kernel subsystems a container (or a VM) does not have; they only
 * add noise and scrape time. Each flag exists from node-exporter 1.3 to current releases, because
 * an unknown flag stops node-exporter from starting.
 */
const CONTAINER_IRRELEVANT_COLLECTORS = [
  'hwmon', 'thermal_zone', 'powersupplyclass', 'infiniband', 'fibrechannel', 'tapestats', 'rapl',
  'nfs', 'nfsd', 'zfs', 'btrfs', 'xfs', 'mdadm', 'edac', 'bcache', 'ipvs',
];

const GRAFANA_PROVISIONING_RELOADS = ['datasources', 'dashboards', 'alerting'];

/**
 * Real argv, probes and reload methods for every enabled component, in start order
 * (Prometheus, node-exporter, Alertmanager, Grafana); the supervisor stops them in reverse.
 */
export function componentSpecs(settings: ComponentSettings): ComponentSpec[] {
  for (const name of Object.keys(settings.ports) as ComponentName[]) checkPort(name, settings.ports[name]);
  const builders: Record<ComponentName, () => ComponentSpec> = {
    prometheus: () => prometheusSpec(settings),
    'node-exporter': () => nodeExporterSpec(settings),
    alertmanager: () => alertmanagerSpec(settings),
    grafana: () => grafanaSpec(settings),
  };
  const order: ComponentName[] = ['prometheus', 'node-exporter', 'alertmanager', 'grafana'];
  return order.filter((name) => settings.enabled[name]).map((name) => ({ ...builders[name](), pidFile: join(runDir(settings.dataDir), `${name}.pid`) }));
}

/** Where the components' pid files live, for endLeftovers at the next start. */
export function runDir(dataDir: string): string {
  return join(dataDir, 'run');
}

function prometheusSpec(s: ComponentSettings): ComponentSpec {
  const { prometheus } = s;
  const base = localBase(s, 'prometheus', prometheus.externalUrl);
  const storage = join(s.dataDir, 'prometheus');
  return {
    name: 'prometheus',
    command: s.binaries.prometheus,
    // --web.enable-lifecycle is deliberately absent: reloads go by SIGHUP, so nobody on the network can
    // reload or shut Prometheus down.
    args: [
      `--config.file=${prometheus.configFile}`,
      `--storage.tsdb.path=${storage}`,
      `--storage.tsdb.retention.time=${prometheus.retention}`,
      ...(prometheus.retentionSize ? [`--storage.tsdb.retention.size=${prometheus.retentionSize}`] : []),
      `--web.listen-address=${listenAddress(s, 'prometheus')}`,
      ...(prometheus.externalUrl ? [`--web.external-url=${prometheus.externalUrl}`] : []),
      // Rendered external labels escape a literal `$` as `$$`, which Prometheus 3 always expands
      // and 2.x only with this flag: with it, both read the same file the same way.
      ...((prometheus.majorVersion ?? 3) < 3 ? ['--enable-feature=expand-external-labels'] : []),
      ...(prometheus.extraArgs ?? []),
    ],
    ...(prometheus.goMemLimit ? { env: { GOMEMLIMIT: prometheus.goMemLimit } } : {}),
    ...(prometheus.signsWithAws ? { passEnvPrefixes: ['AWS_'] } : {}),
    dirs: [storage],
    readinessUrl: `${base}/-/ready`,
    livenessUrl: `${base}/-/healthy`,
    reload: {
      kind: 'signal',
      signal: 'SIGHUP',
      metricsUrl: `${base}/metrics`,
      successGauge: 'prometheus_config_last_reload_successful',
      timestampGauge: 'prometheus_config_last_reload_success_timestamp_seconds',
    },
    stopSignal: 'SIGTERM',
    stopWeight: 4,
    logfmt: true,
  };
}

function alertmanagerSpec(s: ComponentSettings): ComponentSpec {
  const { alertmanager } = s;
  const base = localBase(s, 'alertmanager', alertmanager.externalUrl);
  const storage = join(s.dataDir, 'alertmanager');
  return {
    name: 'alertmanager',
    command: s.binaries.alertmanager,
    args: [
      `--config.file=${alertmanager.configFile}`,
      `--storage.path=${storage}`,
      `--web.listen-address=${listenAddress(s, 'alertmanager')}`,
      // One Alertmanager per appliance: an empty address turns gossip clustering off.
      '--cluster.listen-address=',
      ...(alertmanager.externalUrl ? [`--web.external-url=${alertmanager.externalUrl}`] : []),
      ...(alertmanager.extraArgs ?? []),
    ],
    dirs: [storage],
    readinessUrl: `${base}/-/ready`,
    livenessUrl: `${base}/-/healthy`,
    reload: {
      kind: 'signal',
      signal: 'SIGHUP',
      metricsUrl: `${base}/metrics`,
      successGauge: 'alertmanager_config_last_reload_successful',
      timestampGauge: 'alertmanager_config_last_reload_success_timestamp_seconds',
    },
    stopSignal: 'SIGTERM',
    stopWeight: 1,
    logfmt: true,
  };
}

function nodeExporterSpec(s: ComponentSettings): ComponentSpec {
  const { rootfs } = s.nodeExporter;
  const base = localBase(s, 'node-exporter');
  return {
    name: 'node-exporter',
    command: s.binaries.nodeExporter,
    args: [
      `--web.listen-address=${listenAddress(s, 'node-exporter')}`,
      ...CONTAINER_IRRELEVANT_COLLECTORS.map((collector) => `--no-collector.${collector}`),
      ...(rootfs ? [`--path.rootfs=${rootfs}`, `--path.procfs=${join(rootfs, 'proc')}`, `--path.sysfs=${join(rootfs, 'sys')}`] : []),
      ...(s.nodeExporter.extraArgs ?? []),
    ],
    readinessUrl: `${base}/metrics`,
    livenessUrl: `${base}/metrics`,
    reload: { kind: 'none' },
    stopSignal: 'SIGTERM',
    stopWeight: 1,
    logfmt: true,
  };
}

function grafanaSpec(s: ComponentSettings): ComponentSpec {
  const { grafana } = s;
  const base = localBase(s, 'grafana');
  const data = join(s.dataDir, 'grafana');
  // `cfg:section.key` overrides the ini file; the data directory and listener are the appliance's call.
  return {
    name: 'grafana',
    command: s.binaries.grafana,
    args: [
      'server',
      `--homepath=${grafana.homePath}`,
      ...(grafana.configFile ? [`--config=${grafana.configFile}`] : []),
      'cfg:log.mode=console',
      `cfg:paths.data=${data}`,
      `cfg:paths.logs=${join(data, 'logs')}`,
      `cfg:paths.plugins=${join(data, 'plugins')}`,
      ...(grafana.provisioningDir ? [`cfg:paths.provisioning=${grafana.provisioningDir}`] : []),
      `cfg:server.http_addr=${s.listenHost}`,
      `cfg:server.http_port=${s.ports.grafana}`,
      ...(grafana.extraArgs ?? []),
    ],
    cwd: grafana.homePath,
    // GF_* variables configure Grafana itself (GF_SECURITY_ADMIN_PASSWORD from an ECS secret, say).
    passEnvPrefixes: ['GF_'],
    dirs: [data],
    readinessUrl: `${base}/api/health`,
    livenessUrl: `${base}/api/health`,
    reload: grafana.admin
      ? {
          kind: 'http',
          urls: GRAFANA_PROVISIONING_RELOADS.map((what) => `${base}/api/admin/provisioning/${what}/reload`),
          headers: { authorization: `Basic ${Buffer.from(`${grafana.admin.user}:${grafana.admin.password}`).toString('base64')}` },
        }
      : { kind: 'restart' },
    stopSignal: 'SIGTERM',
    stopWeight: 1,
    logfmt: true,
  };
}

function checkPort(name: string, port: number): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`port for ${name} must be an integer from 1 to 65535, got ${port}`);
}

function hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

function listenAddress(s: ComponentSettings, name: ComponentName): string {
  return `${hostForUrl(s.listenHost)}:${s.ports[name]}`;
}

/** The supervisor's own way in: loopback for wildcard listeners, plus the route prefix an external URL implies. */
function localBase(s: ComponentSettings, name: ComponentName, externalUrl?: string): string {
  const wildcard = s.listenHost === '' || s.listenHost === '0.0.0.0' || s.listenHost === '::';
  const host = wildcard ? '127.0.0.1' : hostForUrl(s.listenHost);
  return `http://${host}:${s.ports[name]}${externalUrl ? routePrefix(externalUrl) : ''}`;
}

function routePrefix(externalUrl: string): string {
  let url: URL;
  try {
    url = new URL(externalUrl);
  } catch {
    throw new Error(`external URL '${externalUrl}' is not an absolute URL`);
  }
  return url.pathname.replace(/\/+$/, '');
}
