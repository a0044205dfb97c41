import type { ApplianceConfig } from '../config/schema.ts';
import { resolveSettings } from '../discovery/resolve-settings.ts';
import { scopesOf } from '../discovery/scopes.ts';
import type { DiscoverySettings } from '../discovery/settings.ts';
import type { TaskIdentity } from '../identity/task-metadata.ts';

/** Everything a DiscoveryService is built from; equal plans mean the running service can stay. */
export interface DiscoveryPlan {
  settings: DiscoverySettings;
  fallbackRegion: string | undefined;
  defaultScrapeTimeout: string;
}

/**
 * Discovery settings for a bundle: its `discovery:` section with the DISCOVERY_* variables on top,
 * the region from AWS_REGION or the
 * task's own, and, on ECS with no clusters or accounts named, the appliance's own cluster.
 * Undefined when the bundle turns discovery off. Throws when no region can be known.
 */
export async function discoveryPlanFor(config: ApplianceConfig, env: NodeJS.ProcessEnv, identity: TaskIdentity | undefined): Promise<DiscoveryPlan | undefined> {
  if (!config.discovery.enabled) return undefined;
  const settings: DiscoverySettings = await resolveSettings({}, env, structuredClone(config.discovery));
  if (identity && settings.clusters.length === 0 && settings.accounts.length === 0) settings.clusters = [identity.clusterArn];
  const fallbackRegion = env.AWS_REGION || env.AWS_DEFAULT_REGION || identity?.region || undefined;
  scopesOf(settings, fallbackRegion);
  return { settings, fallbackRegion, defaultScrapeTimeout: config.prometheus.scrapeTimeout };
}

export function samePlan(a: DiscoveryPlan | undefined, b: DiscoveryPlan | undefined): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
