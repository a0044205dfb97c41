import { z } from 'zod';
import { discoverySettingsSchema, durationString } from '../discovery/settings.ts';
import { parseDuration } from '../duration.ts';
import { ampSettingsSchema, resolveAmpTarget } from '../proxy/amp-target.ts';

/**
 * The schema of `appliance.yml`. Sections the appliance interprets are camelCase and strict
 * (unknown keys are errors, which catches typos); sections handed to Prometheus or Alertmanager
 * as they are (`extraScrapeConfigs`, `alertmanager.route`, ...) use those programs' own
 * snake_case YAML and are checked by promtool / amtool after rendering.
 */

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const labelName = z.string().regex(LABEL_NAME, 'expected a label name: letters, digits and _, not starting with a digit');
const labelSet = z.record(labelName, z.string());

/** Any YAML mapping, passed through to the program that owns it. */
const rawObject = z.record(z.string(), z.unknown());

/** Strings YAML leaves empty (`${VAR:-}`) count as not given. */
const emptyAsUnset = (value: unknown) => (value === '' ? undefined : value);

const port = (defaultPort: number) => z.number().int().min(1).max(65535).default(defaultPort);

const retentionSize = z.string().regex(/^\d+(B|KB|MB|GB|TB|PB|EB)$/, 'expected a size such as 512MB, 10GB or 1TB');

const prometheusSchema = z
  .strictObject({
    scrapeInterval: durationString.default('30s'),
    scrapeTimeout: durationString.default('10s'),
    evaluationInterval: durationString.default('30s'),
    retention: z
      .strictObject({
        time: durationString.default('15d'),
        size: retentionSize.optional(),
      })
      .prefault({}),
    /** URL Prometheus is reached at from outside (behind a load balancer or under a path). */
    externalUrl: z.preprocess(emptyAsUnset, z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }).optional()),
    /** Added to every series this Prometheus sends to AMP or Alertmanager. */
    externalLabels: labelSet.default({}),
    /** Prometheus `scrape_configs` entries, written as Prometheus YAML, appended after the built-in jobs. */
    extraScrapeConfigs: z.array(rawObject.refine((job) => typeof job.job_name === 'string' && job.job_name !== '', 'expected a scrape config with a job_name')).default([]),
    /** queue_config of the AMP remote_write (when `amp` is set). */
    remoteWriteQueue: z
      .strictObject({
        capacity: z.number().int().min(1).default(10000),
        minShards: z.number().int().min(1).default(1),
        maxShards: z.number().int().min(1).default(50),
        maxSamplesPerSend: z.number().int().min(1).default(2000),
        batchSendDeadline: durationString.default('5s'),
        minBackoff: durationString.default('30ms'),
        maxBackoff: durationString.default('5s'),
      })
      .prefault({}),
    /**
     * Prometheus's share of the container's memory limit, given to it as GOMEMLIMIT (its garbage
     * collector's target). Prometheus 3 alone would take 90 %, but it shares the container.
     */
    memoryShare: z.number().gt(0).max(1).default(0.6),
    /** Include the appliance's own alerting rules (from the default bundle) alongside the bundle's rules/. */
    builtinRules: z.boolean().default(true),
  })
  .prefault({})
  .superRefine((prometheus, ctx) => {
    if (parseDuration(prometheus.scrapeTimeout)! > parseDuration(prometheus.scrapeInterval)!) {
      ctx.addIssue({ code: 'custom', path: ['scrapeTimeout'], message: `expected at most scrapeInterval (${prometheus.scrapeInterval}), got ${prometheus.scrapeTimeout}` });
    }
  });

const alertmanagerSchema = z
  .strictObject({
    externalUrl: z.preprocess(emptyAsUnset, z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }).optional()),
    /** Alertmanager's `global` section, as Alertmanager YAML. */
    global: rawObject.optional(),
    route: rawObject
      .refine((route) => typeof route.receiver === 'string' && route.receiver !== '', 'expected a route with a receiver')
      .default({ receiver: 'default', group_by: ['alertname', 'cluster', 'service'] }),
    receivers: z.array(rawObject.refine((receiver) => typeof receiver.name === 'string' && receiver.name !== '', 'expected a receiver with a name')).default([{ name: 'default' }]),
    inhibitRules: z.array(rawObject).default([]),
    timeIntervals: z.array(rawObject).default([]),
  })
  .prefault({});

/** Grafana expands `${VAR}` and `$__env{...}` in grafana.ini itself; such text in a value would not stay data. */
const iniSafeString = z
  .string()
  .refine((value) => !/[\r\n]/.test(value), 'expected a single line')
  .refine((value) => !/\$(\{|__)/.test(value), 'expected no "${" or "$__" sequence (Grafana would expand it)');

const grafanaSchema = z
  .strictObject({
    adminUser: iniSafeString.min(1).default('admin'),
    /** Usually `${GRAFANA_ADMIN_PASSWORD}` from an ECS secret; when unset the appliance generates one. */
    adminPassword: z.preprocess(emptyAsUnset, iniSafeString.optional()),
    anonymousViewer: z.boolean().default(false),
    /** Public URL of Grafana, for links in alerts and redirects behind a load balancer. */
    rootUrl: z.preprocess(emptyAsUnset, iniSafeString.pipe(z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' })).optional()),
    /** Include the appliance's bundled dashboards alongside the bundle's dashboards/. */
    builtinDashboards: z.boolean().default(true),
  })
  .prefault({});

/**
 * The AMP section is the proxy's own schema. Empty fields count as absent, so the default bundle
 * can say `workspaceUrl: ${AMP_WORKSPACE_URL:-}` and AMP is simply off when the variable is unset.
 */
const optionalAmp = z
  .preprocess((value) => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return value ?? undefined;
    const given = Object.fromEntries(Object.entries(value).filter(([, v]) => v !== ''));
    return given.workspaceUrl === undefined && given.workspaceId === undefined ? undefined : given;
  }, ampSettingsSchema.optional())
  .superRefine((amp, ctx) => {
    if (!amp) return;
    try {
      resolveAmpTarget(amp);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: error instanceof Error ? error.message : String(error) });
    }
  });

export const applianceConfigSchema = z.strictObject({
  discovery: discoverySettingsSchema.prefault({}),
  prometheus: prometheusSchema,
  alertmanager: alertmanagerSchema,
  grafana: grafanaSchema,
  amp: optionalAmp,
  components: z
    .strictObject({
      prometheus: z.boolean().default(true),
      alertmanager: z.boolean().default(true),
      grafana: z.boolean().default(true),
      nodeExporter: z.boolean().default(true),
    })
    .prefault({}),
  listen: z
    .strictObject({
      /** Address every component listens on; the AMP signing proxy always stays on loopback. */
      host: z.union([z.ipv4(), z.ipv6()], { error: 'expected an IP address such as 0.0.0.0' }).default('0.0.0.0'),
      prometheus: port(9090),
      alertmanager: port(9093),
      grafana: port(3000),
      nodeExporter: port(9100),
      admin: port(9901),
      /** Where the admin endpoint (with /status) listens: loopback unless opened here or by APPLIANCE_ADMIN_ADDR. */
      adminHost: z.union([z.ipv4(), z.ipv6()], { error: 'expected an IP address such as 127.0.0.1 or 0.0.0.0' }).default('127.0.0.1'),
    })
    .prefault({}),
  /** Target labels added to the appliance's own scrape jobs (prometheus, alertmanager, node, ecs-appliance). */
  selfLabels: labelSet.default({}),
}).superRefine((config, ctx) => {
  // Two listeners on one port pass every per-field check and then fail at start: one of them cannot bind.
  const listeners: Array<[path: (string | number)[], port: number, on: boolean]> = [
    [['listen', 'prometheus'], config.listen.prometheus, config.components.prometheus],
    [['listen', 'alertmanager'], config.listen.alertmanager, config.components.alertmanager],
    [['listen', 'grafana'], config.listen.grafana, config.components.grafana],
    [['listen', 'nodeExporter'], config.listen.nodeExporter, config.components.nodeExporter],
    [['listen', 'admin'], config.listen.admin, true],
    [['amp', 'proxyPort'], config.amp?.proxyPort ?? 0, config.amp !== undefined],
  ];
  const taken = new Map<number, string>();
  for (const [path, port, on] of listeners) {
    if (!on) continue;
    const other = taken.get(port);
    if (other) ctx.addIssue({ code: 'custom', path, message: `port ${port} is also ${other}'s; each listener needs its own port` });
    else taken.set(port, path.join('.'));
  }
});

export type ApplianceConfig = z.infer<typeof applianceConfigSchema>;
export type ApplianceConfigInput = z.input<typeof applianceConfigSchema>;
