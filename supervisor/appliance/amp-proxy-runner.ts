import type { Registry } from 'prom-client';
import type { StatusValue } from '../admin/admin-server.ts';
import type { Logger } from '../log.ts';
import { resolveAmpTarget, type AmpSettings } from '../proxy/amp-target.ts';
import type { SigV4Proxy } from '../proxy/sigv4-proxy.ts';
import { settlesBy, waitedStep, type Part, type StopStep } from '../lifecycle.ts';
import { removeMetrics } from './metric-names.ts';
import type { Release } from './resolve-bundle.ts';

/** How long a proxy being replaced (not the final stop) may drain in-flight remote_write requests. */
const REPLACE_DRAIN_MS = 10_000;

/**
 * The in-process SigV4 proxy for AMP, on 127.0.0.1:<amp.proxyPort>. Started, replaced or stopped
 * as bundles change; it comes before the components in the appliance's parts, so it stops after
 * Prometheus and Prometheus can flush its remote_write queue through it.
 */
export class AmpProxyRunner implements Part<Release> {
  readonly name = 'sigv4-proxy';
  readonly stopWeight = 1;
  readonly #logger: Logger;
  readonly #registry: Registry;
  #settings: AmpSettings | undefined;
  #proxy: SigV4Proxy | undefined;

  constructor(options: { logger: Logger; registry: Registry }) {
    this.#logger = options.logger;
    this.#registry = options.registry;
  }

  /**
   * Makes the proxy match the bundle's `amp:` section; throws when it cannot listen (port taken).
   * It runs in both modes: in `sigv4` mode Prometheus signs its own remote_write and the proxy
   * serves Grafana's queries.
   */
  async apply(release: Release): Promise<void> {
    const wanted = release.resolved.amp;
    if (JSON.stringify(wanted) === JSON.stringify(this.#settings) && (this.#proxy !== undefined) === (wanted !== undefined)) return;
    await settlesBy(this.#stopProxy(), Date.now() + REPLACE_DRAIN_MS);
    this.#settings = wanted;
    if (!wanted) return;
    const target = resolveAmpTarget(wanted);
    removeMetrics(this.#registry, 'sigv4_proxy_');
    // Loaded on first use: express and the credential providers weigh ~20 MB that appliances
    // without AMP never need.
    const [{ startSigV4Proxy }, { awsCredentialChain }] = await Promise.all([import('../proxy/sigv4-proxy.ts'), import('../proxy/credentials.ts')]);
    this.#proxy = await startSigV4Proxy({
      listen: { host: '127.0.0.1', port: wanted.proxyPort },
      upstream: target.upstream,
      region: target.region,
      credentials: awsCredentialChain({ region: target.region, ...(wanted.roleArn ? { roleArn: wanted.roleArn } : {}), ...(wanted.externalId ? { externalId: wanted.externalId } : {}) }),
      ...(wanted.maxBodyBytes ? { maxBodyBytes: wanted.maxBodyBytes } : {}),
      drainTimeoutMs: REPLACE_DRAIN_MS,
      logger: this.#logger,
      registry: this.#registry,
    });
  }

  /** Lets in-flight requests (Prometheus's last remote_write) finish until `deadline`. */
  stop(deadline: number): Promise<StopStep[]> {
    return waitedStep(this.name, this.#stopProxy(), deadline, 'requests to AMP were still in flight');
  }

  /** Stops taking requests; resolves once those in flight have finished. */
  #stopProxy(): Promise<void> {
    const proxy = this.#proxy;
    this.#proxy = undefined;
    return proxy?.stop() ?? Promise.resolve();
  }

  status(): StatusValue {
    const settings = this.#settings;
    if (!settings) return { running: false };
    const target = resolveAmpTarget(settings);
    return { running: this.#proxy !== undefined, url: this.#proxy?.url ?? null, upstream: target.upstream, region: target.region, assumesRole: settings.roleArn !== undefined };
  }
}
