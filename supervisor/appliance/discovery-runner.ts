import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Registry } from 'prom-client';
import { DISCOVERY_METRIC_PREFIXES } from '../discovery/metrics.ts';
import { DiscoveryService } from '../discovery/service.ts';
import type { Logger } from '../log.ts';
import type { StatusValue } from '../admin/admin-server.ts';
import type { DiscoveryDecisions } from '../admin/discovery-decisions.ts';
import type { ClusterStatus } from '../discovery/cycle-status.ts';
import { removeMetrics } from './metric-names.ts';
import { samePlan, type DiscoveryPlan } from './discovery-plan.ts';
import { waitedStep, type Part, type StopStep } from '../lifecycle.ts';
import type { Release } from './resolve-bundle.ts';

/**
 * Runs discovery in-process, writing file_sd targets that Prometheus watches. A bundle with other
 * discovery settings replaces the service (the new one adopts the target files already written,
 * so nothing disappears between the two).
 */
export class DiscoveryRunner implements Part<Release> {
  readonly name = 'discovery';
  readonly stopWeight = 1;
  readonly #outDir: string;
  readonly #logger: Logger;
  readonly #registry: Registry;
  #plan: DiscoveryPlan | undefined;
  #service: DiscoveryService | undefined;
  #restarts = 0;

  constructor(options: { outDir: string; logger: Logger; registry: Registry }) {
    this.#outDir = options.outDir;
    this.#logger = options.logger;
    this.#registry = options.registry;
  }

  /** Makes the running service match the release's discovery plan (undefined: discovery off). */
  async apply(release: Release): Promise<void> {
    const plan = release.resolved.discovery;
    if (this.#service && samePlan(plan, this.#plan)) return;
    if (this.#service) {
      this.#logger.info({ component: 'discovery' }, 'discovery settings changed; restarting discovery with the new settings');
      await this.#stopService();
      this.#restarts++;
    }
    this.#plan = plan;
    if (!plan) {
      await this.#removeTargetFiles();
      return;
    }
    for (const prefix of DISCOVERY_METRIC_PREFIXES) removeMetrics(this.#registry, prefix);
    this.#service = new DiscoveryService({
      settings: plan.settings,
      outDir: this.#outDir,
      logger: this.#logger,
      registry: this.#registry,
      ...(plan.fallbackRegion ? { fallbackRegion: plan.fallbackRegion } : {}),
      defaultScrapeTimeout: plan.defaultScrapeTimeout,
    });
    this.#service.start();
  }

  /** With discovery off, targets written before would otherwise be scraped forever. */
  async #removeTargetFiles(): Promise<void> {
    const names = await readdir(this.#outDir).catch(() => [] as string[]);
    for (const name of names) if (name.endsWith('.json')) await rm(join(this.#outDir, name), { force: true });
  }

  /**
   * Waits for the cycle in flight until `deadline`. One still running then is left to the exit:
   * each target file is replaced by a rename, so none is ever half-written.
   */
  async stop(deadline: number): Promise<StopStep[]> {
    return waitedStep(this.name, this.#stopService(), deadline, 'the discovery cycle in flight was still running');
  }

  async #stopService(): Promise<void> {
    const service = this.#service;
    this.#service = undefined;
    await service?.stop();
  }

  /** Every watched cluster's task and container decisions after the last cycle: what /discovery shows. */
  decisions(): DiscoveryDecisions {
    const service = this.#service;
    const last = service?.lastCycle;
    const clusters = service?.clusterStatuses() ?? [];
    return {
      enabled: this.#plan !== undefined,
      interval: this.#plan?.settings.interval ?? null,
      lastCycle: last ? { discoveredAt: newestSuccess(clusters), durationSeconds: Number(last.durationSeconds.toFixed(3)), scopeErrors: last.scopeErrors } : null,
      clusters,
    };
  }

  /** Per-cluster summary for /status: targets, skipped endpoints, last success and error (task detail is on /discovery). */
  status(): StatusValue {
    const plan = this.#plan;
    const service = this.#service;
    const last = service?.lastCycle;
    return {
      enabled: plan !== undefined,
      running: service !== undefined,
      restartsForNewSettings: this.#restarts,
      interval: plan?.settings.interval ?? null,
      clustersWatched: plan ? (plan.settings.clusters.length > 0 ? plan.settings.clusters : 'all') : null,
      regions: plan ? (plan.settings.regions.length > 0 ? plan.settings.regions : plan.fallbackRegion ? [plan.fallbackRegion] : []) : null,
      lastCycle: last
        ? { discoveredAt: newestSuccess(service!.clusterStatuses()), durationSeconds: Number(last.durationSeconds.toFixed(3)), nothingDiscovered: last.nothingDiscovered, scopeErrors: last.scopeErrors }
        : null,
      clusters: (service?.clusterStatuses() ?? []).map((c) => ({
        cluster: c.cluster,
        accountId: c.accountId,
        region: c.region,
        targets: c.targets,
        skippedEndpoints: c.skippedEndpoints,
        tasks: c.tasks.length,
        lastSuccess: c.lastSuccess ?? null,
        lastError: c.lastError ?? null,
        writeError: c.writeError ?? null,
        heldDrop: c.heldDrop ?? null,
      })),
    };
  }
}

/** When the last cycle looked: the newest cluster snapshot (ISO times sort as text). */
function newestSuccess(clusters: ClusterStatus[]): string | null {
  let newest: string | null = null;
  for (const c of clusters) if (c.lastSuccess !== undefined && (newest === null || c.lastSuccess > newest)) newest = c.lastSuccess;
  return newest;
}
