import { readFile } from 'node:fs/promises';
import { ConfigError } from '../config/errors.ts';
import { applianceErrorMap, toConfigIssues } from '../config/schema-issues.ts';
import { parseYamlFile } from '../config/yaml-file.ts';
import { discoverySettingsSchema, type DiscoverySettings, type DiscoverySettingsInput } from './settings.ts';

/** `ecs-appliance discover`'s flags that shape the settings. */
export type DiscoveryFlags = {
  interval?: string | undefined;
  cluster?: string[] | undefined;
  region?: string[] | undefined;
  role?: string[] | undefined;
  'external-id'?: string | undefined;
  settings?: string | undefined;
  'max-drop-ratio'?: string | undefined;
};

/** Settings file, then environment, then flags: the more specific source wins. */
export async function resolveSettings(flags: DiscoveryFlags, env: NodeJS.ProcessEnv, bundleSection?: DiscoverySettingsInput): Promise<DiscoverySettings> {
  // `run` passes the bundle's `discovery:` section where `discover` reads --settings.
  const fromFile = flags.settings ? await readSettingsFile(flags.settings) : { settings: bundleSection ?? {}, section: bundleSection ? 'discovery.' : '' };
  const list = (flag: string[] | undefined, variable: string | undefined) => {
    const values = (flag ?? (variable ? [variable] : [])).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
    return values.length > 0 ? values : undefined;
  };
  const input: DiscoverySettingsInput = { ...fromFile.settings };
  const interval = flags.interval ?? env.DISCOVERY_INTERVAL;
  if (interval) input.interval = interval;
  const clusters = list(flags.cluster, env.DISCOVERY_CLUSTERS);
  if (clusters) input.clusters = clusters;
  const regions = list(flags.region, env.DISCOVERY_REGIONS);
  if (regions) input.regions = regions;
  const roles = list(flags.role, env.DISCOVERY_ROLE_ARNS);
  if (roles) {
    const externalId = flags['external-id'] ?? env.DISCOVERY_EXTERNAL_ID;
    // The appliance's own account stays watched beside the roles' accounts.
    input.accounts = [{}, ...roles.map((roleArn) => ({ roleArn, ...(externalId ? { externalId } : {}) }))];
  }
  if (flags['max-drop-ratio'] !== undefined) input.maxDropRatio = Number(flags['max-drop-ratio']);

  const parsed = discoverySettingsSchema.safeParse(input, { error: applianceErrorMap });
  if (!parsed.success) {
    const issues = toConfigIssues(flags.settings ?? 'discovery settings (flags and environment)', parsed.error);
    throw new ConfigError(issues.map((issue) => ({ ...issue, path: fromFile.section + (issue.path ?? '') })));
  }
  return parsed.data;
}

/** The `discovery:` section of an appliance.yml, or a file holding the section alone. */
async function readSettingsFile(file: string): Promise<{ settings: DiscoverySettingsInput; section: string }> {
  const data = parseYamlFile(file, await readFile(file, 'utf8'));
  if (data && typeof data === 'object' && 'discovery' in data) {
    return { settings: (data as { discovery: DiscoverySettingsInput }).discovery, section: 'discovery.' };
  }
  return { settings: (data ?? {}) as DiscoverySettingsInput, section: '' };
}
