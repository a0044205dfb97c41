import { defaultAdminAddress, type AdminServer } from '../admin/admin-server.ts';
import { waitedStep, type Part, type StopStep } from '../lifecycle.ts';
import type { Logger } from '../log.ts';
import type { Release } from './resolve-bundle.ts';

/**
 * The admin endpoint as a part of the appliance: first to start, so /healthz answers while the rest
 * comes up, and last to stop. With APPLIANCE_ADMIN_ADDR unset it follows the bundle's
 * listen.adminHost:listen.admin; set, it stays there and a differing listen.admin (which Prometheus
 * scrapes for the appliance's own metrics) is warned about.
 */
export class AdminPart implements Part<Release> {
  readonly name = 'admin';
  readonly stopWeight = 1;
  readonly #server: Pick<AdminServer, 'listen' | 'address' | 'moveTo' | 'close'>;
  readonly #fixedAddress: string | undefined;
  readonly #log: Logger;

  constructor(options: { server: Pick<AdminServer, 'listen' | 'address' | 'moveTo' | 'close'>; fixedAddress: string | undefined; logger: Logger }) {
    this.#server = options.server;
    this.#fixedAddress = options.fixedAddress;
    this.#log = options.logger.child({ component: 'admin' });
  }

  async start(): Promise<void> {
    const address = this.#fixedAddress ?? defaultAdminAddress;
    try {
      await this.#server.listen(address);
    } catch (error) {
      throw new Error(`the admin endpoint cannot listen on ${address}: ${(error as Error).message}`);
    }
  }

  /** Moves to where the bundle wants it, or says why Prometheus may not reach it. */
  async apply(release: Release): Promise<void> {
    const { listen } = release.resolved.loaded.config;
    if (this.#fixedAddress === undefined) {
      try {
        await this.#server.moveTo({ host: listen.adminHost, port: listen.admin });
      } catch (error) {
        this.#log.error({ wanted: `${listen.adminHost}:${listen.admin}`, listening: this.#server.address(), error: (error as Error).message }, 'the admin endpoint cannot move to listen.adminHost:listen.admin; it keeps listening where it was');
      }
      return;
    }
    const port = this.#server.address()?.port;
    if (port !== undefined && listen.admin !== port) {
      this.#log.warn({ bundleAdminPort: listen.admin, adminPort: port }, "listen.admin differs from the admin endpoint's port (APPLIANCE_ADMIN_ADDR); Prometheus scrapes listen.admin for the appliance's own metrics");
    }
  }

  stop(deadline: number): Promise<StopStep[]> {
    return waitedStep(this.name, this.#server.close(), deadline, 'admin requests were still open');
  }
}
