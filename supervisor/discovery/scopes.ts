import type { DiscoverySettings } from './settings.ts';

/** One account (own credentials or an assumed role) in one region: the unit AWS throttles and caches by. */
export interface Scope {
  /** Stable name for logs and status: `self/us-east-1` or `arn:…:role/x/eu-west-1`. */
  id: string;
  region: string;
  roleArn?: string;
  externalId?: string;
  /** Cluster names or ARNs; empty means every cluster ListClusters returns. */
  clusters: string[];
}

/** Settings → the account × region pairs to watch. Throws when no region can be known. */
export function scopesOf(settings: Pick<DiscoverySettings, 'accounts' | 'regions' | 'clusters'>, fallbackRegion: string | undefined): Scope[] {
  const regions = settings.regions.length > 0 ? settings.regions : fallbackRegion ? [fallbackRegion] : [];
  const accounts = settings.accounts.length > 0 ? settings.accounts : [{}];
  const scopes: Scope[] = [];
  for (const account of accounts) {
    const accountRegions = account.regions ?? regions;
    if (accountRegions.length === 0) {
      throw new Error('discovery: no region to watch: set discovery.regions, --region or AWS_REGION');
    }
    for (const region of accountRegions) {
      scopes.push({
        id: `${account.roleArn ?? 'self'}/${region}`,
        region,
        ...(account.roleArn ? { roleArn: account.roleArn } : {}),
        ...(account.externalId ? { externalId: account.externalId } : {}),
        clusters: account.clusters ?? settings.clusters,
      });
    }
  }
  return scopes;
}
