import type { StatusValue } from '../admin/admin-server.ts';
import { clusterCounts, type DiscoveryDecisions } from '../admin/discovery-decisions.ts';
import { DISCOVERY_PAGE_PATH } from '../admin/discovery-page.ts';
import type { ComponentStatus } from '../processes/component-process.ts';

export interface SummaryInput {
  applied: { source: string; version: string; appliedAt: string; fromCache: boolean } | undefined;
  /** Why the last attempt failed, when it did. */
  failure: string | undefined;
  components: ComponentStatus[];
  discovery: DiscoveryDecisions;
}

/**
 * The head of /status, right after healthy/ready/reasons: one line per question a user asks
 * first (which config runs, is each component up, how much is scraped, when discovery last
 * looked). The sections after it hold the detail.
 */
export function statusSummary(input: SummaryInput): StatusValue {
  return {
    config: configLine(input.applied, input.failure),
    components: Object.fromEntries(input.components.map((c) => [c.name, componentLine(c)])),
    discovery: discoverySummary(input.discovery),
  };
}

function configLine(applied: SummaryInput['applied'], failure: string | undefined): string {
  const refused = failure ? `; the last attempt failed: ${failure}` : '';
  if (!applied) return `no bundle applied yet${refused || ' (first poll in progress)'}`;
  return `version ${applied.version} from ${applied.source} applied at ${applied.appliedAt}${applied.fromCache ? ' (from the cache)' : ''}${refused}`;
}

function componentLine(c: ComponentStatus): string {
  const parts = [c.state, c.ready ? 'ready' : 'not ready'];
  if (c.crashLooping) parts.push('CRASH-LOOPING');
  if (c.pid !== null) parts.push(`pid ${c.pid}`);
  parts.push(`${c.restarts} restart${c.restarts === 1 ? '' : 's'}`);
  if (c.lastError) parts.push(`last error: ${c.lastError}`);
  return parts.join(', ');
}

function discoverySummary(discovery: DiscoveryDecisions): StatusValue {
  if (!discovery.enabled) return 'off';
  const totals = { targets: 0, skippedEndpoints: 0, containersNotScraped: 0, tasks: 0 };
  for (const cluster of discovery.clusters) {
    const counts = clusterCounts(cluster);
    totals.targets += counts.targets;
    totals.skippedEndpoints += counts.skippedEndpoints;
    totals.containersNotScraped += counts.containersNotScraped;
    totals.tasks += counts.tasks;
  }
  return {
    ...totals,
    clusters: discovery.clusters.length,
    failingClusters: discovery.clusters.filter((c) => c.lastError !== undefined).map((c) => c.cluster),
    lastCycleAt: discovery.lastCycle?.discoveredAt ?? null,
    lastCycleSeconds: discovery.lastCycle?.durationSeconds ?? null,
    whyNotScraped: DISCOVERY_PAGE_PATH,
  };
}
