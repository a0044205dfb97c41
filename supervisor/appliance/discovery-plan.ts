import type { ApplianceConfig } from '../config/schema.ts';
import { scopesOf } from '../discovery/scopes.ts';
import type { DiscoverySettings } from '../discovery/settings.ts';
import type { TaskIdentity } from '../identity/task-metadata.ts';

/** Everything a DiscoveryService is built from; equal plans mean the running service can stay. */
export interface DiscoveryPlan {
  settings: DiscoverySettings;
  fallbackRegion: string | undefined;
  defaultScrapeTimeout: string;
}

/** A plan (undefined: discovery off), or what the environment lacks for one (no region to watch). */
export type PlannedDiscovery = { plan: DiscoveryPlan | undefined } | { lacking: string };

/**
 * Discovery for a bundle whose `discovery:` section already holds the DISCOVERY_* overrides: the
 * region from AWS_REGION or the task's own, and, on ECS with no clusters or accounts named, the
 * appliance's own cluster.
 */
export function planDiscovery(config: ApplianceConfig, where: { region: string | undefined; identity: TaskIdentity | undefined }): PlannedDiscovery {
  if (!config.discovery.enabled) return { plan: undefined };
  const settings: DiscoverySettings = structuredClone(config.discovery);
  const { identity } = where;
  if (identity && settings.clusters.length === 0 && settings.accounts.length === 0) settings.clusters = [identity.clusterArn];
  const fallbackRegion = where.region ?? (identity?.region || undefined);
  try {
    scopesOf(settings, fallbackRegion);
  } catch (error) {
    return { lacking: (error as Error).message };
  }
  return { plan: { settings, fallbackRegion, defaultScrapeTimeout: config.prometheus.scrapeTimeout } };
}

export function samePlan(a: DiscoveryPlan | undefined, b: DiscoveryPlan | undefined): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
