import { join } from 'node:path';
import type { Registry } from 'prom-client';
import type { AdminRegistry, AdminServer, StatusValue } from '../admin/admin-server.ts';
import { DISCOVERY_JSON_PATH, DISCOVERY_PAGE_PATH, discoveryPage } from '../admin/discovery-page.ts';
import type { Bundle } from '../config/bundle.ts';
import { loadBundleFromCache, saveBundleToCache } from '../config/bundle-cache.ts';
import { ConfigError } from '../config/errors.ts';
import { readDefaultBundle } from '../config/default-bundle.ts';
import { describeLocation } from '../config/location.ts';
import { createBundleSource } from '../config/sources/create-source.ts';
import { readTaskIdentity, type TaskIdentity } from '../identity/task-metadata.ts';
import { Parts, type StopReport, type Verdict } from '../lifecycle.ts';
import type { Logger } from '../log.ts';
import type { ProcessTimings } from '../processes/component-process.ts';
import { inspectHost, versionTexts, type HostFacts } from '../processes/host-facts.ts';
import { endLeftovers } from '../processes/leftovers.ts';
import { runDir } from '../processes/specs.ts';
import { dataDirLayout, type DataDirLayout } from '../render/data-dir.ts';
import { publishRelease } from '../render/publish.ts';
import { checkWithTools } from '../render/tool-checks.ts';
import { AmpProxyRunner } from './amp-proxy-runner.ts';
import { AdminPart } from './admin-part.ts';
import { describeApplyError, type ApplyError } from './apply-error.ts';
import { resolveBundle, type Release } from './resolve-bundle.ts';
import { ComponentsRunner } from './components-runner.ts';
import { ConfigPoller } from './config-poller.ts';
import { DiscoveryRunner } from './discovery-runner.ts';
import { loadOrCreateSecret } from './kept-secret.ts';
import { createConfigMetrics, type ConfigMetrics } from './metrics.ts';
import type { ApplianceSettings } from './settings.ts';
import { statusSummary } from './status-summary.ts';

export interface ApplianceOptions {
  settings: ApplianceSettings;
  logger: Logger;
  registry: Registry;
  /** The admin endpoint, the first part started and the last stopped. */
  admin: AdminServer;
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

/**
 * The whole appliance: polls the config source, applies each new bundle (resolve, then stage →
 * promtool/amtool → swap, then hand the release to each running part), and keeps the last good
 * config running whenever a bundle is unreachable or refused. Its parts (admin endpoint, SigV4
 * proxy, components, discovery, config poller) start in that order and stop in reverse.
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
  readonly #poller: ConfigPoller;
  readonly #parts: Parts<Release>;
  #builtin: Bundle | undefined;
  #identity: TaskIdentity | undefined;
  #host: HostFacts = { versions: {}, memoryLimitBytes: undefined };
  #applied: AppliedBundle | undefined;
  #lastFailure: FailedAttempt | undefined;
  #cacheTried = false;
  #applyCount = 0;
  #stopping = false;

  constructor(options: ApplianceOptions) {
    this.#settings = options.settings;
    this.#log = options.logger.child({ component: 'appliance' });
    this.#layout = dataDirLayout(options.settings.processes.dataDir);
    this.#locationText = describeLocation(options.settings.location);
    this.#metrics = createConfigMetrics(options.registry, () => this.readiness().ok);
    for (const result of ['success', 'failure']) this.#metrics.reloads.inc({ result }, 0);
    this.#proxy = new AmpProxyRunner({ logger: options.logger, registry: options.registry });
    this.#components = new ComponentsRunner({
      logger: options.logger,
      registry: options.registry,
      replaceBudgetMs: options.settings.stopBudgetMs,
      ...(options.timings ? { timings: options.timings } : {}),
    });
    this.#discovery = new DiscoveryRunner({ outDir: this.#layout.targetsDir, logger: options.logger, registry: options.registry });
    this.#poller = new ConfigPoller({
      source: createBundleSource(this.#settings.location, { env: this.#settings.variables, allowHttp: this.#settings.allowHttp }),
      intervalMs: this.#settings.pollIntervalMs,
      backoff: { initialMs: 1_000, maxMs: this.#settings.pollIntervalMs },
      beforeFirstPoll: () => this.#learnSurroundings(),
      onBundle: (bundle) => this.#onBundle(bundle),
      onFetchError: (error, failures) => this.#onFetchError(error, failures),
    });
    const admin = new AdminPart({ server: options.admin, fixedAddress: options.settings.adminAddress, logger: options.logger });
    // The proxy comes before the components so it stops after Prometheus, which flushes remote_write through it.
    this.#parts = new Parts<Release>([admin, this.#proxy, this.#components, this.#discovery, this.#poller]);
  }

  /** Starts every part in order; the poller's first poll (and apply) begins at once. Throws when a part cannot start. */
  start(): Promise<void> {
    return this.#parts.start();
  }

  /** Who this task is, what is left of a killed run, which programs run in how much memory, the built-in bundle. */
  async #learnSurroundings(): Promise<void> {
    this.#identity = await readTaskIdentity({ uri: this.#settings.taskMetadataUri, logger: this.#log });
    if (this.#identity) this.#log.info({ cluster: this.#identity.clusterName, taskArn: this.#identity.taskArn, region: this.#identity.region }, 'running as an ECS task');
    await endLeftovers(runDir(this.#settings.processes.dataDir), this.#log);
    this.#host = await inspectHost(this.#settings.processes);
    this.#log.info({ versions: versionTexts(this.#host), memoryLimitBytes: this.#host.memoryLimitBytes ?? null }, 'programs and container');
    this.#builtin = await readDefaultBundle();
    this.#log.info({ source: this.#locationText, pollIntervalMs: this.#settings.pollIntervalMs }, 'config source');
  }

  /** Polls the config source now instead of at the next interval (SIGHUP). */
  pollNow(): void {
    this.#log.info('polling the config source now');
    this.#poller.pollNow();
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

  /** Stops every part in reverse start order (poller, discovery, components, proxy, admin) within `budgetMs`. */
  async stop(budgetMs: number): Promise<StopReport> {
    this.#stopping = true;
    const report = await this.#parts.stop(budgetMs);
    this.#log.info(report, 'every part stopped');
    return report;
  }

  killAll(): void {
    this.#components.killAll();
  }

  readiness(): Verdict {
    if (!this.#applied) return { ok: false, reasons: [`no config bundle from ${this.#locationText} has been applied (${this.#failureText() ?? 'first poll in progress'})`] };
    return this.#components.readiness();
  }

  #failureText(): string | undefined {
    const failure = this.#lastFailure;
    return failure && `${failure.message}${failure.issues.length > 0 ? `: ${failure.issues.map((i) => i.message).join('; ')}` : ''}`;
  }

  /** /status leads with the summary and ends with the components, whose last log lines are the bulk of it. */
  registerWith(admin: AdminRegistry): void {
    admin.registerHealth('components', () => this.#components.health());
    admin.registerReadiness('appliance', () => this.readiness());
    admin.registerStatus('summary', () =>
      statusSummary({ applied: this.#applied, failure: this.#failureText(), components: this.#components.status(), discovery: this.#discovery.decisions() }),
    );
    admin.registerStatus('config', () => this.#configStatus());
    admin.registerStatus('discovery', () => this.#discovery.status());
    admin.registerStatus('amp', () => this.#proxy.status());
    admin.registerStatus('identity', () => this.#identityStatus());
    admin.registerStatus('programs', () => ({
      versions: versionTexts(this.#host),
      memoryLimitBytes: this.#host.memoryLimitBytes ?? null,
    }));
    admin.registerStatus('components', () => this.#components.status());
    admin.registerPage(DISCOVERY_PAGE_PATH, { contentType: 'text/html; charset=utf-8', render: (query) => discoveryPage(this.#discovery.decisions(), query.get('q')) });
    admin.registerPage(DISCOVERY_JSON_PATH, { contentType: 'application/json; charset=utf-8', render: () => JSON.stringify(this.#discovery.decisions()) });
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
    if ((await this.#apply(cached, true)) && this.#poller.version === undefined) this.#poller.version = cached.version;
  }

  /** Applies one bundle; on any failure the previous config keeps running. Resolves whether it was applied. */
  async #apply(bundle: Bundle, fromCache: boolean): Promise<boolean> {
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
      const { resolved } = resolution;
      const publish = await publishRelease(resolved.layout, resolved.files, (dir, files) => checkWithTools(dir, files, this.#settings.tools, bundle.mainFile));
      await this.#parts.apply({ resolved, changed: publish.changed });
      if (!fromCache && this.#settings.location.kind !== 'default') await saveBundleToCache(this.#layout.bundleCache, this.#locationText, bundle);

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
        { source: bundle.source, version: bundle.version, fromCache, rendered: publish.changed, durationMs: Date.now() - started },
        'config bundle applied',
      );
      return true;
    } catch (error) {
      const described = describeApplyError(error);
      this.#lastFailure = { ...described, at: new Date().toISOString(), version: bundle.version, source: bundle.source };
      // A bundle refused for what it says stays refused until it changes; one that could not be
      // applied for a reason outside it (a full disk) is fetched and applied again at the next poll.
      if (isResourceFailure(error) && this.#poller.version === bundle.version) this.#poller.version = this.#applied?.version;
      this.#metrics.reloads.inc({ result: 'failure' });
      this.#metrics.lastApplySuccess.set(0);
      this.#log.error(
        { source: bundle.source, version: bundle.version, error: described.message, issues: described.issues, keptRunning: this.#applied?.version ?? null },
        this.#applied ? 'config bundle refused; the last good config keeps running' : 'config bundle refused and none is applied yet',
      );
      return false;
    }
  }

  #configStatus(): StatusValue {
    const failure = this.#lastFailure;
    return {
      location: this.#locationText,
      pollIntervalSeconds: this.#settings.pollIntervalMs / 1000,
      lastPollAt: this.#poller.lastPollAt,
      consecutivePollFailures: this.#poller.consecutiveFailures,
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
