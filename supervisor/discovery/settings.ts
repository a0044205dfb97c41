import { z } from 'zod';
import { parseDuration } from '../duration.ts';

/** A Prometheus duration string ("30s", "1m30s", "5m"), kept as written and checked here. */
export const durationString = z.string().refine((value) => parseDuration(value) !== undefined, {
  message: 'expected a Prometheus duration such as 15s, 1m or 1h30m',
});

const regexString = z.string().refine(
  (value) => {
    try {
      new RegExp(value);
      return true;
    } catch {
      return false;
    }
  },
  { message: 'expected a valid regular expression' },
);

const schemeSchema = z.enum(['http', 'https']);

/** One endpoint a central rule gives every container it matches. */
export const ruleEndpointSchema = z.strictObject({
  port: z.number().int().min(1).max(65535),
  path: z.string().startsWith('/').optional(),
  scheme: schemeSchema.optional(),
  interval: durationString.optional(),
  timeout: durationString.optional(),
  job: z.string().min(1).optional(),
});

/**
 * A central opt-in rule, for teams that may not touch application task definitions. Every given
 * matcher must match (regexes are anchored); a rule without matchers is refused as too broad.
 */
export const centralRuleSchema = z
  .strictObject({
    name: z.string().min(1),
    cluster: regexString.optional(),
    service: regexString.optional(),
    family: regexString.optional(),
    container: regexString.optional(),
    /** Matched against the image's repository (`cadvisor/cadvisor`) and against the whole reference. */
    image: regexString.optional(),
    dockerLabel: z.strictObject({ name: z.string().min(1), value: regexString.optional() }).optional(),
    endpoints: z.array(ruleEndpointSchema).min(1),
  })
  .refine((rule) => rule.cluster ?? rule.service ?? rule.family ?? rule.container ?? rule.image ?? rule.dockerLabel, {
    message: 'a rule needs at least one of cluster, service, family, container, image or dockerLabel',
  });

export const accountSchema = z.strictObject({
  /** Role to assume in that account; omitted for the appliance's own credentials. */
  roleArn: z.string().regex(/^arn:aws[\w-]*:iam::\d{12}:role\/.+$/, 'expected an IAM role ARN').optional(),
  externalId: z.string().min(1).optional(),
  regions: z.array(z.string().min(1)).min(1).optional(),
  clusters: z.array(z.string().min(1)).optional(),
});

export const discoverySettingsSchema = z.strictObject({
  enabled: z.boolean().default(true),
  interval: durationString.default('30s'),
  /** Cluster names or ARNs; empty means every cluster the credentials can list. */
  clusters: z.array(z.string().min(1)).default([]),
  /** Regions to watch; empty means AWS_REGION (or the task's own region). */
  regions: z.array(z.string().min(1)).default([]),
  /** Accounts to watch; empty means only the appliance's own credentials. */
  accounts: z.array(accountSchema).default([]),
  /** Ways of opting in that are honoured; all by default. */
  optIn: z
    .strictObject({
      dockerLabels: z.boolean().default(true),
      ecsDiscoveryLabels: z.boolean().default(true),
      ecsSdEnvironment: z.boolean().default(true),
    })
    .prefault({}),
  rules: z.array(centralRuleSchema).default([]),
  /**
   * Exporters scraped without any opt-in, recognised by their image (optin/builtin-exporters.ts);
   * false turns one off, and a central rule matching its container replaces its endpoint.
   */
  builtinExporters: z
    .strictObject({
      cadvisor: z.boolean().default(true),
      nodeExporter: z.boolean().default(true),
      ecsExporter: z.boolean().default(true),
    })
    .prefault({}),
  /** A cycle dropping more than this share of a cluster's targets waits for the next cycle to confirm. */
  maxDropRatio: z.number().min(0).max(1).default(0.5),
  /** Each task is described again at least this often, so mutable fields such as health stay fresh. */
  taskRefreshInterval: durationString.default('5m'),
  /** Default scrape path, scheme and interval for endpoints that do not say. */
  defaults: z
    .strictObject({
      path: z.string().startsWith('/').default('/metrics'),
      scheme: schemeSchema.default('http'),
    })
    .prefault({}),
});

export type DiscoverySettings = z.infer<typeof discoverySettingsSchema>;
export type DiscoverySettingsInput = z.input<typeof discoverySettingsSchema>;
export type CentralRule = z.infer<typeof centralRuleSchema>;
export type BuiltinExporterSwitches = z.infer<typeof discoverySettingsSchema>['builtinExporters'];
export type AccountSettings = z.infer<typeof accountSchema>;
