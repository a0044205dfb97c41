import { identityExternalLabels, identityLabels } from '../identity/task-metadata.ts';
import { resolveAmpTarget } from '../proxy/amp-target.ts';
import type { RenderContext } from './context.ts';
import type { DataDirLayout } from './data-dir.ts';

/**
 * What templates see. Everything is computed here, so templates only lay values out; a bundle
 * overriding a template gets the same view (documented in the bundle reference).
 */
export interface TemplateView {
  paths: DataDirLayout;
  prometheus: {
    scrapeInterval: string;
    scrapeTimeout: string;
    evaluationInterval: string;
    externalLabels: Record<string, string>;
    ruleFiles: string[];
    alertmanager: { target: string; pathPrefix: string } | null;
    selfJobs: { jobName: string; metricsPath: string; target: string; labels: Record<string, string>; honorLabels: boolean }[];
    extraScrapeConfigs: Record<string, unknown>[];
    remoteWrite: { name: string; url: string; queueConfig: Record<string, unknown>; sigv4: Record<string, string> | null } | null;
  };
  alertmanager: {
    global: Record<string, unknown> | null;
    route: Record<string, unknown>;
    receivers: Record<string, unknown>[];
    inhibitRules: Record<string, unknown>[];
    timeIntervals: Record<string, unknown>[];
    templates: string[];
  };
  grafana: {
    httpAddr: string;
    httpPort: number;
    rootUrl: string | null;
    adminUser: string;
    adminPassword: string;
    secretKey: string | null;
    anonymousViewer: boolean;
    prometheusUrl: string;
    alertmanagerUrl: string | null;
    amp: { url: string; jsonData: Record<string, unknown> } | null;
    dashboardsFolder: string;
  };
}

/** A wildcard listener is reached on loopback; a specific address is reached on itself. */
export function localAddress(host: string, port: number): string {
  const reachable = host === '0.0.0.0' || host === '::' || host === '' ? '127.0.0.1' : host;
  return reachable.includes(':') ? `[${reachable}]:${port}` : `${reachable}:${port}`;
}

/** The path prefix an external URL moves a program's routes under ("" for none). */
function routePrefix(externalUrl: string | undefined): string {
  return externalUrl ? new URL(externalUrl).pathname.replace(/\/+$/, '') : '';
}

export function buildTemplateView(context: RenderContext): TemplateView {
  const { config, rules, alertmanagerTemplates } = context.bundle;
  const { listen, components } = config;
  const amp = config.amp;
  const ampTarget = amp ? resolveAmpTarget(amp) : undefined;

  const prometheusPrefix = routePrefix(config.prometheus.externalUrl);
  const alertmanagerPrefix = routePrefix(config.alertmanager.externalUrl);
  const prometheusAddress = localAddress(listen.host, listen.prometheus);
  const alertmanagerAddress = localAddress(listen.host, listen.alertmanager);

  const identity = context.identity;
  // Stable identity labels, then AMP's HA de-duplication pair (one replica elected per `cluster`
  // by `__replica__`), then the bundle's own labels, which win.
  const externalLabels: Record<string, string> = { ...(identity ? identityExternalLabels(identity) : {}) };
  if (amp && identity) Object.assign(externalLabels, { cluster: identity.clusterName, __replica__: identity.taskId });
  Object.assign(externalLabels, config.prometheus.externalLabels);
  // Prometheus expands $VAR and ${VAR} in external label values (3.x always, 2.x with the feature
  // flag the appliance sets), so a `$` the bundle means literally is written as `$$`.
  for (const [name, value] of Object.entries(externalLabels)) externalLabels[name] = value.replaceAll('$', '$$$$');
  const selfLabels = { ...(identity ? identityLabels(identity) : {}), ...config.selfLabels };

  const selfJobs: TemplateView['prometheus']['selfJobs'] = [];
  const selfJob = (jobName: string, target: string, metricsPath = '/metrics', honorLabels = false) =>
    selfJobs.push({ jobName, metricsPath, target, labels: selfLabels, honorLabels });
  if (components.prometheus) selfJob('prometheus', prometheusAddress, `${prometheusPrefix}/metrics`);
  if (components.alertmanager) selfJob('alertmanager', alertmanagerAddress, `${alertmanagerPrefix}/metrics`);
  if (components.nodeExporter) selfJob('node', localAddress(listen.host, listen.nodeExporter));
  // The appliance's series about watched tasks (ecs_appliance_task_info, …) carry their own
  // availability_zone and cluster, which the appliance's identity labels must not rename.
  selfJob('ecs-appliance', localAddress(listen.adminHost, listen.admin), '/metrics', true);

  const queue = config.prometheus.remoteWriteQueue;
  const proxyBase = amp ? `http://127.0.0.1:${amp.proxyPort}` : '';
  const remoteWrite: TemplateView['prometheus']['remoteWrite'] =
    amp && ampTarget
      ? {
          name: 'amp',
          url: amp.mode === 'proxy' ? `${proxyBase}/api/v1/remote_write` : `${ampTarget.upstream}/api/v1/remote_write`,
          queueConfig: {
            capacity: queue.capacity,
            min_shards: queue.minShards,
            max_shards: queue.maxShards,
            max_samples_per_send: queue.maxSamplesPerSend,
            batch_send_deadline: queue.batchSendDeadline,
            min_backoff: queue.minBackoff,
            max_backoff: queue.maxBackoff,
            // AMP answers 429 while a workspace is throttled; without this Prometheus drops the batch.
            retry_on_http_429: true,
          },
          sigv4: amp.mode === 'sigv4' ? { region: ampTarget.region, ...(amp.roleArn ? { role_arn: amp.roleArn } : {}) } : null,
        }
      : null;

  // Grafana's queries go through the in-process proxy in both modes: Grafana 13 hands SigV4
  // Prometheus datasources to a plugin the image does not ship.
  const ampDatasource: TemplateView['grafana']['amp'] = amp ? { url: proxyBase, jsonData: { httpMethod: 'POST', timeInterval: config.prometheus.scrapeInterval } } : null;

  const ruleExtensions = new Set(rules.map((rule) => rule.name.slice(rule.name.lastIndexOf('.'))));
  return {
    paths: context.paths,
    prometheus: {
      scrapeInterval: config.prometheus.scrapeInterval,
      scrapeTimeout: config.prometheus.scrapeTimeout,
      evaluationInterval: config.prometheus.evaluationInterval,
      externalLabels,
      ruleFiles: [...ruleExtensions].sort().map((extension) => `rules/*${extension}`),
      alertmanager: components.alertmanager ? { target: alertmanagerAddress, pathPrefix: alertmanagerPrefix || '/' } : null,
      selfJobs,
      extraScrapeConfigs: config.prometheus.extraScrapeConfigs,
      remoteWrite,
    },
    alertmanager: {
      global: config.alertmanager.global ?? null,
      route: config.alertmanager.route,
      receivers: config.alertmanager.receivers,
      inhibitRules: config.alertmanager.inhibitRules,
      timeIntervals: config.alertmanager.timeIntervals,
      templates: alertmanagerTemplates.length > 0 ? ['templates/*.tmpl'] : [],
    },
    grafana: {
      httpAddr: listen.host,
      httpPort: listen.grafana,
      rootUrl: config.grafana.rootUrl ?? null,
      adminUser: config.grafana.adminUser,
      adminPassword: context.grafanaAdminPassword,
      secretKey: context.grafanaSecretKey ?? null,
      anonymousViewer: config.grafana.anonymousViewer,
      prometheusUrl: `http://${prometheusAddress}${prometheusPrefix}`,
      alertmanagerUrl: components.alertmanager ? `http://${alertmanagerAddress}${alertmanagerPrefix}` : null,
      amp: ampDatasource,
      dashboardsFolder: 'ECS appliance',
    },
  };
}
