import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Registry } from 'prom-client';
import { DiscoveryService } from '../discovery/service.ts';
import type { Logger } from '../log.ts';
import type { StatusValue } from '../admin/admin-server.ts';
import { removeMetrics } from './metric-names.ts';
import { samePlan, type DiscoveryPlan } from './discovery-plan.ts';

/**
 * Runs discovery in-process, writing file_sd targets that Prometheus watches. A bundle with other
 * discovery settings replaces the service (the new one adopts the target files already written,
 * so nothing disappears between the two).
 */
export class DiscoveryRunner {
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

  /** Makes the running service match `plan` (undefined: discovery off). */
  async apply(plan: DiscoveryPlan | undefined): Promise<void> {
    if (this.#service && samePlan(plan, this.#plan)) return;
    if (this.#service) {
      this.#logger.info({ component: 'discovery' }, 'discovery settings changed; restarting discovery with the new settings');
      await this.stop();
      this.#restarts++;
    }
    this.#plan = plan;
    if (!plan) {
      await this.#removeTargetFiles();
      return;
    }
    removeMetrics(this.#registry, 'ecs_appliance_discovery_');
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

  /** Waits for the cycle in flight so no target file is left half-written. */
  async stop(): Promise<void> {
    const service = this.#service;
    this.#service = undefined;
    await service?.stop();
  }

  /** Per-cluster summary for /status: targets, skipped endpoints, last success and error (task detail stays in `discover --explain`). */
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
      lastCycle: last ? { durationSeconds: Number(last.durationSeconds.toFixed(3)), nothingDiscovered: last.nothingDiscovered, scopeErrors: last.scopeErrors } : null,
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
