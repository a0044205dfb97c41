import { readFile } from 'node:fs/promises';
import { ConfigError } from '../config/errors.ts';
import { applianceErrorMap, toConfigIssues } from '../config/schema-issues.ts';
import { parseYamlFile } from '../config/yaml-file.ts';
import { applyDiscoveryOverrides, layerOverrides, overrideAt, type DiscoveryOverrides } from './overrides.ts';
import { discoverySettingsSchema, type DiscoverySettings, type DiscoverySettingsInput } from './settings.ts';

/**
 * `ecs-appliance discover`'s settings: the --settings file, then the DISCOVERY_* variables, then
 * its flags; the more specific wins. A bad value is told against the variable or flag that set it.
 */
export async function resolveSettings(settingsFile: string | undefined, fromEnvironment: DiscoveryOverrides, fromFlags: DiscoveryOverrides): Promise<DiscoverySettings> {
  const fromFile = settingsFile ? await readSettingsFile(settingsFile) : { settings: {}, section: '' };
  const { section, overridden } = applyDiscoveryOverrides(fromFile.settings, layerOverrides(fromEnvironment, fromFlags));
  const parsed = discoverySettingsSchema.safeParse(section, { error: applianceErrorMap });
  if (!parsed.success) {
    const issues = toConfigIssues(settingsFile ?? 'discovery settings (flags and environment)', parsed.error);
    throw new ConfigError(issues.map((issue) => ({ ...issue, file: overrideAt(overridden, issue.path) ?? issue.file, path: fromFile.section + (issue.path ?? '') })));
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
