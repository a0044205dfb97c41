import { join } from 'node:path';
import type { Registry } from 'prom-client';
import type { AdminRegistry, AdminServer, StatusValue } from '../admin/admin-server.ts';
import type { Bundle } from '../config/bundle.ts';
import { loadBundleFromCache, saveBundleToCache } from '../config/bundle-cache.ts';
import { ConfigError } from '../config/errors.ts';
import { readDefaultBundle } from '../config/default-bundle.ts';
import { describeLocation } from '../config/location.ts';
import { createBundleSource } from '../config/sources/create-source.ts';
import { readTaskIdentity, type TaskIdentity } from '../identity/task-metadata.ts';
import type { Verdict } from '../lifecycle.ts';
import type { Logger } from '../log.ts';
import type { ProcessTimings } from '../processes/component-process.ts';
import { inspectHost, versionTexts, type HostFacts } from '../processes/host-facts.ts';
import { endLeftovers } from '../processes/leftovers.ts';
import { runDir } from '../processes/specs.ts';
import type { StopReport } from '../processes/supervisor.ts';
import { dataDirLayout, type DataDirLayout } from '../render/data-dir.ts';
import { publishRelease } from '../render/publish.ts';
import { checkWithTools } from '../render/tool-checks.ts';
import { AmpProxyRunner } from './amp-proxy-runner.ts';
import { describeApplyError, rollBackRelease, type ApplyError } from './apply.ts';
import { resolveBundle } from './resolve-bundle.ts';
import { ComponentsRunner } from './components-runner.ts';
import { ConfigPoller } from './config-poller.ts';
import { DiscoveryRunner } from './discovery-runner.ts';
import { loadOrCreateSecret } from './kept-secret.ts';
import { createConfigMetrics, type ConfigMetrics } from './metrics.ts';
import type { ApplianceSettings } from './settings.ts';

export interface ApplianceOptions {
  settings: ApplianceSettings;
  logger: Logger;
  registry: Registry;
  /**
   * The admin endpoint: it moves to the bundle's listen.adminHost:listen.admin when it follows the
   * bundle (APPLIANCE_ADMIN_ADDR unset); otherwise a differing listen.admin (which Prometheus scrapes) is warned about.
   */
  admin?: { endpoint: Pick<AdminServer, 'address' | 'moveTo'>; followsBundle: boolean };
  timings?: Partial<ProcessTimings>;
}

interface AppliedBundle {
  source: string;
  version: string;
  appliedAt: string;
  fromCache: boolean;
}

interface FailedAttempt extends ApplyError {
  at: string;
  /** The bundle version refused; absent when the source could not be read at all. */
  version: string | null;
  source: string;
}

/** How long stopping waits for a poll or apply in flight before stopping the components under it. */
const APPLY_DRAIN_CAP_MS = 5_000;

/**
 * The whole appliance: polls the config source, applies each new bundle (render into staging,
 * validate, swap, then start, reload or replace the components, the SigV4 proxy and discovery),
 * and keeps the last good config running whenever a bundle is unreachable or refused.
 */
export class Appliance {
  readonly #settings: ApplianceSettings;
  readonly #log: Logger;
  readonly #layout: DataDirLayout;
  readonly #locationText: string;
  readonly #metrics: ConfigMetrics;
  readonly #components: ComponentsRunner;
  readonly #proxy: AmpProxyRunner;
  readonly #discovery: DiscoveryRunner;
  readonly #admin: ApplianceOptions['admin'];
  #poller: ConfigPoller | undefined;
  #builtin: Bundle | undefined;
  #identity: TaskIdentity | undefined;
  #host: HostFacts = { versions: {}, memoryLimitBytes: undefined };
  #applied: AppliedBundle | undefined;
  #lastFailure: FailedAttempt | undefined;
  #cacheTried = false;
  #applyCount = 0;
  #stopping = false;
  #applying: Promise<unknown> = Promise.resolve();

  constructor(options: ApplianceOptions) {
    this.#settings = options.settings;
    this.#log = options.logger.child({ component: 'appliance' });
    this.#layout = dataDirLayout(options.settings.processes.dataDir);
    this.#locationText = describeLocation(options.settings.location);
    this.#admin = options.admin;
    this.#metrics = createConfigMetrics(options.registry, () => this.readiness().ok);
    for (const result of ['success', 'failure']) this.#metrics.reloads.inc({ result }, 0);
    this.#proxy = new AmpProxyRunner({ logger: options.logger, registry: options.registry });
    this.#components = new ComponentsRunner({
      logger: options.logger,
      registry: options.registry,
      stopLast: [this.#proxy],
      ...(options.timings ? { timings: options.timings } : {}),
    });
    this.#discovery = new DiscoveryRunner({ outDir: this.#layout.targetsDir, logger: options.logger, registry: options.registry });
  }

  /** Reads who this task is, then starts polling; the first poll (and apply) begins at once. */
  async start(): Promise<void> {
    this.#identity = await readTaskIdentity({ logger: this.#log });
    if (this.#identity) this.#log.info({ cluster: this.#identity.clusterName, taskArn: this.#identity.taskArn, region: this.#identity.region }, 'running as an ECS task');
    await endLeftovers(runDir(this.#settings.processes.dataDir), this.#log);
    this.#host = await inspectHost(this.#settings.processes);
    this.#log.info({ versions: versionTexts(this.#host), memoryLimitBytes: this.#host.memoryLimitBytes ?? null }, 'programs and container');
    this.#builtin = await readDefaultBundle();
    const source = createBundleSource(this.#settings.location, { env: this.#settings.variables, allowHttp: this.#settings.allowHttp });
    this.#log.info({ source: this.#locationText, pollIntervalMs: this.#settings.pollIntervalMs }, 'config source');
    this.#poller = new ConfigPoller({
      source,
      intervalMs: this.#settings.pollIntervalMs,
      backoff: { initialMs: 1_000, maxMs: this.#settings.pollIntervalMs },
      onBundle: (bundle) => this.#onBundle(bundle),
      onFetchError: (error, failures) => this.#onFetchError(error, failures),
    });
    this.#poller.start();
  }

  /** Polls the config source now instead of at the next interval (SIGHUP). */
  pollNow(): void {
    this.#log.info('polling the config source now');
    this.#poller?.pollNow();
  }

  /** Resolves true once a bundle is applied and every component is ready. */
  async waitReady(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && !this.#stopping) {
      if (this.#components.running) return this.#components.waitReady(Math.max(0, deadline - Date.now()));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return false;
  }

  /** First step of shutdown: no more polls, applies or discovery cycles. */
  async stopBackground(): Promise<void> {
    this.#stopping = true;
    let timer: NodeJS.Timeout | undefined;
    const cap = new Promise<void>((resolve) => (timer = setTimeout(resolve, APPLY_DRAIN_CAP_MS)));
    await Promise.race([Promise.all([this.#poller?.stop(), this.#applying]), cap]);
    clearTimeout(timer);
    await this.#discovery.stop();
  }

  /** Stops the components (Grafana, Alertmanager, node-exporter, Prometheus), then the SigV4 proxy. */
  stop(budgetMs: number): Promise<StopReport> {
    this.#stopping = true;
    return this.#components.stop(budgetMs);
  }

  killAll(): void {
    this.#components.killAll();
  }

  readiness(): Verdict {
    if (!this.#applied) {
      const why = this.#lastFailure ? `${this.#lastFailure.message}${this.#lastFailure.issues.length > 0 ? `: ${this.#lastFailure.issues.map((i) => i.message).join('; ')}` : ''}` : 'first poll in progress';
      return { ok: false, reasons: [`no config bundle from ${this.#locationText} has been applied (${why})`] };
    }
    return this.#components.readiness();
  }

  registerWith(admin: AdminRegistry): void {
    admin.registerHealth('components', () => this.#components.health());
    admin.registerReadiness('appliance', () => this.readiness());
    admin.registerStatus('config', () => this.#configStatus());
    admin.registerStatus('components', () => this.#components.status());
    admin.registerStatus('discovery', () => this.#discovery.status());
    admin.registerStatus('amp', () => this.#proxy.status());
    admin.registerStatus('identity', () => this.#identityStatus());
    admin.registerStatus('programs', () => ({
      versions: versionTexts(this.#host),
      memoryLimitBytes: this.#host.memoryLimitBytes ?? null,
    }));
  }

  async #onBundle(bundle: Bundle): Promise<void> {
    const applied = await this.#apply(bundle, false);
    if (!applied && !this.#applied) await this.#startFromCache();
  }

  async #onFetchError(error: Error, failures: number): Promise<void> {
    this.#metrics.pollFailures.inc();
    const nothingRunning = !this.#applied;
    this.#log[nothingRunning ? 'error' : 'warn'](
      { source: this.#locationText, error: error.message, consecutiveFailures: failures },
      nothingRunning ? 'cannot read the config bundle and none is applied yet; retrying with backoff' : 'cannot read the config bundle; the last good config keeps running',
    );
    this.#lastFailure = { at: new Date().toISOString(), version: null, source: this.#locationText, message: `cannot read the config bundle: ${error.message}`, issues: [] };
    if (nothingRunning) await this.#startFromCache();
  }

  /** Moves the admin endpoint to where the bundle wants it, or says why Prometheus may not reach it. */
  async #placeAdmin(listen: { adminHost: string; admin: number }): Promise<void> {
    const admin = this.#admin;
    if (!admin) return;
    if (admin.followsBundle) {
      try {
        await admin.endpoint.moveTo({ host: listen.adminHost, port: listen.admin });
      } catch (error) {
        this.#log.error({ wanted: `${listen.adminHost}:${listen.admin}`, listening: admin.endpoint.address(), error: (error as Error).message }, 'the admin endpoint cannot move to listen.adminHost:listen.admin; it keeps listening where it was');
      }
      return;
    }
    const port = admin.endpoint.address()?.port;
    if (port !== undefined && listen.admin !== port) {
      this.#log.warn({ bundleAdminPort: listen.admin, adminPort: port }, "listen.admin differs from the admin endpoint's port (APPLIANCE_ADMIN_ADDR); Prometheus scrapes listen.admin for the appliance's own metrics");
    }
  }

  /**
   * With nothing applied yet, the last good bundle from the cache (once). Without one the
   * appliance runs nothing and says so: the embedded default never stands in for a bundle the
   * user asked for.
   */
  async #startFromCache(): Promise<void> {
    if (this.#cacheTried || this.#stopping) {
      if (!this.#applied) this.#log.error({ source: this.#locationText }, 'NOT RUNNING: no usable config bundle yet; Prometheus, Alertmanager and Grafana stay stopped and /readyz answers 503 until one can be applied');
      return;
    }
    this.#cacheTried = true;
    let cached: Bundle | undefined;
    try {
      cached = await loadBundleFromCache(this.#layout.bundleCache, this.#locationText);
    } catch (error) {
      this.#log.error({ error: (error as Error).message }, 'the cached config bundle cannot be read');
    }
    if (!cached) {
      this.#log.error({ source: this.#locationText, cache: this.#layout.bundleCache }, 'NOT RUNNING: no usable config bundle and no cached copy of one; the appliance stays unready until the bundle can be read and applied');
      return;
    }
    this.#log.warn({ source: cached.source, version: cached.version }, 'starting with the last good config bundle from the cache');
    if ((await this.#apply(cached, true)) && this.#poller && this.#poller.version === undefined) this.#poller.version = cached.version;
  }

  /** Applies one bundle; on any failure the previous config keeps running. Resolves whether it was applied. */
  #apply(bundle: Bundle, fromCache: boolean): Promise<boolean> {
    const run = this.#applyNow(bundle, fromCache);
    this.#applying = run;
    return run;
  }

  async #applyNow(bundle: Bundle, fromCache: boolean): Promise<boolean> {
    if (this.#stopping) return false;
    const started = Date.now();
    this.#metrics.lastApplyTimestamp.set(started / 1000);
    try {
      const resolution = await resolveBundle({
        bundle,
        builtin: this.#builtin!,
        settings: this.#settings,
        identity: this.#identity,
        host: this.#host,
        secrets: {
          generatedGrafanaPassword: () => {
            const file = join(this.#layout.grafanaData, 'generated-admin-password');
            return loadOrCreateSecret(file, () => this.#log.warn({ file }, 'grafana.adminPassword is not set: generated a Grafana admin password; read it from this file (user admin unless grafana.adminUser says otherwise)'));
          },
          grafanaSecretKey: await loadOrCreateSecret(join(this.#layout.grafanaData, 'secret-key')),
        },
        judgedFor: 'here',
      });
      if (!resolution.ok) throw new ConfigError(resolution.issues);
      const plan = resolution.resolved;
      const publish = await publishRelease(plan.layout, plan.files, (dir, files) => checkWithTools(dir, files, this.#settings.tools, bundle.mainFile));
      if (this.#stopping) throw new Error('the appliance is stopping');
      await this.#proxy.apply(plan.amp);
      const components = await this.#components.ensure(plan.specs, this.#settings.stopBudgetMs);
      if (components === 'unchanged' && publish.changed) await this.#reloadOrRollBack();
      await this.#discovery.apply(plan.discovery);
      if (!fromCache && this.#settings.location.kind !== 'default') await saveBundleToCache(this.#layout.bundleCache, this.#locationText, bundle);

      const config = plan.loaded.config;
      await this.#placeAdmin(config.listen);
      this.#metrics.info.reset();
      this.#metrics.info.set({ source: bundle.source, version: bundle.version }, 1);
      this.#metrics.reloads.inc({ result: 'success' });
      this.#metrics.lastApplySuccess.set(1);
      this.#metrics.lastSuccessTimestamp.set(Date.now() / 1000);
      this.#applied = { source: bundle.source, version: bundle.version, appliedAt: new Date().toISOString(), fromCache };
      // lastError is what is wrong now: a good apply answers it.
      this.#lastFailure = undefined;
      this.#applyCount++;
      this.#log.info(
        { source: bundle.source, version: bundle.version, fromCache, components, rendered: publish.changed, durationMs: Date.now() - started },
        'config bundle applied',
      );
      return true;
    } catch (error) {
      const described = describeApplyError(error);
      this.#lastFailure = { ...described, at: new Date().toISOString(), version: bundle.version, source: bundle.source };
      // A bundle refused for what it says stays refused until it changes; one that could not be
      // applied for a reason outside it (a full disk) is fetched and applied again at the next poll.
      if (isResourceFailure(error) && this.#poller?.version === bundle.version) this.#poller.version = this.#applied?.version;
      this.#metrics.reloads.inc({ result: 'failure' });
      this.#metrics.lastApplySuccess.set(0);
      this.#log.error(
        { source: bundle.source, version: bundle.version, error: described.message, issues: described.issues, keptRunning: this.#applied?.version ?? null },
        this.#applied ? 'config bundle refused; the last good config keeps running' : 'config bundle refused and none is applied yet',
      );
      return false;
    }
  }

  /** Reloads what reads rendered config; if one refuses the release, goes back to the previous one. */
  async #reloadOrRollBack(): Promise<void> {
    const failures = await this.#components.reloadAll();
    if (failures.length === 0) return;
    const rolledBack = await rollBackRelease(this.#layout);
    if (rolledBack) {
      const again = await this.#components.reloadAll();
      if (again.length > 0) this.#log.error({ failures: again }, 'reloading the previous config failed too');
    }
    const what = failures.map((f) => `${f.component} refused the new config at reload: ${f.error}`).join('; ');
    throw new Error(`${what}; ${rolledBack ? 'went back to the previous config' : 'there is no previous config to go back to'}`);
  }

  #configStatus(): StatusValue {
    const failure = this.#lastFailure;
    return {
      location: this.#locationText,
      pollIntervalSeconds: this.#settings.pollIntervalMs / 1000,
      lastPollAt: this.#poller?.lastPollAt ?? null,
      consecutivePollFailures: this.#poller?.consecutiveFailures ?? 0,
      applied: this.#applied ? { ...this.#applied } : null,
      appliedCount: this.#applyCount,
      lastError: failure
        ? {
            at: failure.at,
            source: failure.source,
            version: failure.version,
            message: failure.message,
            issues: failure.issues.map((issue) => ({ file: issue.file, path: issue.path ?? null, line: issue.line ?? null, column: issue.column ?? null, message: issue.message })),
          }
        : null,
    };
  }

  #identityStatus(): StatusValue {
    const identity = this.#identity;
    if (!identity) return { onEcs: false };
    return {
      onEcs: true,
      cluster: identity.clusterName,
      taskArn: identity.taskArn,
      family: identity.family,
      revision: identity.revision,
      region: identity.region,
      accountId: identity.accountId,
      availabilityZone: identity.availabilityZone ?? null,
      launchType: identity.launchType ?? null,
    };
  }
}

/** Errors of the machine rather than the bundle: out of disk, quota or file handles, a read-only or failing disk. */
const RESOURCE_ERRORS = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EIO', 'EMFILE', 'ENFILE', 'ENOMEM']);

function isResourceFailure(error: unknown): boolean {
  for (let cause: unknown = error; cause instanceof Error; cause = cause.cause) {
    if (RESOURCE_ERRORS.has((cause as NodeJS.ErrnoException).code ?? '')) return true;
  }
  return false;
}
