import type { DiscoverySettingsInput } from './settings.ts';

/** One value set over a `discovery:` section, with where it came from (a variable or a flag) for messages. */
export interface Override<T> {
  value: T;
  from: string;
}

/**
 * What the environment (DISCOVERY_*) or `discover`'s flags set over a `discovery:` section. The one
 * way anything outside a bundle changes its discovery settings: `run`, `check` and `render` apply the
 * variables while loading the bundle, `discover` applies its flags on top of the same variables.
 */
export interface DiscoveryOverrides {
  interval?: Override<string>;
  clusters?: Override<string[]>;
  regions?: Override<string[]>;
  /** Roles whose accounts are watched beside the appliance's own. */
  roleArns?: Override<string[]>;
  externalId?: Override<string>;
  maxDropRatio?: Override<number>;
}

/** A raw override: a comma-separated string (a variable) or repeated values (a flag). */
type RawValue = string | string[] | undefined;

interface OverrideName {
  variable?: string;
  flag: string;
}

const NAMES = {
  interval: { variable: 'DISCOVERY_INTERVAL', flag: '--interval' },
  clusters: { variable: 'DISCOVERY_CLUSTERS', flag: '--cluster' },
  regions: { variable: 'DISCOVERY_REGIONS', flag: '--region' },
  roleArns: { variable: 'DISCOVERY_ROLE_ARNS', flag: '--role' },
  externalId: { variable: 'DISCOVERY_EXTERNAL_ID', flag: '--external-id' },
  maxDropRatio: { flag: '--max-drop-ratio' },
} satisfies Record<keyof DiscoveryOverrides, OverrideName>;

/** DISCOVERY_INTERVAL, DISCOVERY_CLUSTERS, DISCOVERY_REGIONS, DISCOVERY_ROLE_ARNS and DISCOVERY_EXTERNAL_ID. */
export function discoveryOverridesFromEnvironment(env: Readonly<Record<string, string | undefined>>): DiscoveryOverrides {
  return readOverrides((name) => (name.variable ? [env[name.variable], name.variable] : [undefined, '']));
}

/** `discover`'s flags, keyed as parseArgs gives them (`cluster`, `external-id`, …). */
export function discoveryOverridesFromFlags(flags: Readonly<Record<string, RawValue | boolean>>): DiscoveryOverrides {
  return readOverrides((name) => {
    const value = flags[name.flag.slice(2)];
    return [typeof value === 'boolean' ? undefined : value, name.flag];
  });
}

function readOverrides(read: (name: OverrideName) => [RawValue, string]): DiscoveryOverrides {
  const overrides: DiscoveryOverrides = {};
  const text = (key: 'interval' | 'externalId') => {
    const [value, from] = read(NAMES[key]);
    const joined = (Array.isArray(value) ? value.join(',') : value)?.trim();
    if (joined) overrides[key] = { value: joined, from };
  };
  const list = (key: 'clusters' | 'regions' | 'roleArns') => {
    const [value, from] = read(NAMES[key]);
    const values = (Array.isArray(value) ? value : value ? [value] : []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
    if (values.length > 0) overrides[key] = { value: values, from };
  };
  text('interval');
  list('clusters');
  list('regions');
  list('roleArns');
  text('externalId');
  const [ratio, from] = read(NAMES.maxDropRatio);
  if (typeof ratio === 'string' && ratio.trim() !== '') overrides.maxDropRatio = { value: Number(ratio), from };
  return overrides;
}

/** The more specific overrides win key by key (flags over variables). */
export function layerOverrides(base: DiscoveryOverrides, over: DiscoveryOverrides): DiscoveryOverrides {
  return { ...base, ...over };
}

/** Key paths under `discovery.` that an override replaced, and what replaced them. */
export type OverriddenKeys = ReadonlyMap<string, string>;

/** The section with the overrides set over it, and which of its keys they replaced. */
export function applyDiscoveryOverrides(section: DiscoverySettingsInput, overrides: DiscoveryOverrides): { section: DiscoverySettingsInput; overridden: OverriddenKeys } {
  const result: DiscoverySettingsInput = { ...section };
  const overridden = new Map<string, string>();
  // These keys take the override's value as it is; roleArns (with externalId) build accounts below.
  for (const key of ['interval', 'clusters', 'regions', 'maxDropRatio'] as const) {
    const override = overrides[key];
    if (!override) continue;
    (result as Record<string, unknown>)[key] = override.value;
    overridden.set(key, override.from);
  }
  if (overrides.roleArns) {
    const externalId = overrides.externalId?.value;
    // The appliance's own account stays watched beside the roles' accounts.
    result.accounts = [{}, ...overrides.roleArns.value.map((roleArn) => ({ roleArn, ...(externalId ? { externalId } : {}) }))];
    overridden.set('accounts', overrides.externalId ? `${overrides.roleArns.from} and ${overrides.externalId.from}` : overrides.roleArns.from);
  }
  return { section: result, overridden };
}

/** What set the value at `path` (relative to the section, e.g. `accounts.1.roleArn`), when an override did. */
export function overrideAt(overridden: OverriddenKeys, path: string | undefined): string | undefined {
  if (!path) return undefined;
  return overridden.get(path.split(/[.[]/)[0]!);
}
