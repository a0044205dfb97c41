import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import type { Verdict } from '../lifecycle.ts';
import type { Logger } from '../log.ts';
import { parseListenAddress, type ListenAddress } from '../proxy/listen-address.ts';
import { redact } from '../secrets.ts';
import { redactSecrets } from './redact.ts';

/** /status shows the appliance's whole state: loopback unless the bundle (listen.adminHost) or APPLIANCE_ADMIN_ADDR opens it. */
export const defaultAdminAddress = '127.0.0.1:9901';

/** A JSON-safe snapshot: what a module shows about itself on /status. */
export type StatusValue = string | number | boolean | null | StatusValue[] | { [key: string]: StatusValue | undefined };

/** A read-only page beside the fixed endpoints: its body for a GET with this query string. */
export interface AdminPage {
  contentType: string;
  render(query: URLSearchParams): string;
}

/** What modules need from the admin endpoint; the lead wires each module's checks into it. */
export interface AdminRegistry {
  registerStatus(name: string, snapshot: () => StatusValue): void;
  registerHealth(name: string, check: () => Verdict): void;
  registerReadiness(name: string, check: () => Verdict): void;
  registerPage(path: string, page: AdminPage): void;
}

const FIXED_ENDPOINTS = ['/healthz', '/readyz', '/status', '/metrics'];

const RESERVED_STATUS_KEYS = new Set(['generatedAt', 'healthy', 'ready', 'reasons']);

/**
 * The appliance's one admin listener: /healthz for the ECS container health check (503 only when
 * something is broken for good, e.g. a component crash-looping), /readyz (every registered
 * readiness check passes), /status (the registered snapshots, secrets redacted), /metrics
 * (the registry passed in) and the registered pages (redacted too).
 */
export class AdminServer implements AdminRegistry {
  readonly #statuses = new Map<string, () => StatusValue>();
  readonly #health = new Map<string, () => Verdict>();
  readonly #readiness = new Map<string, () => Verdict>();
  readonly #pages = new Map<string, AdminPage>();
  readonly #log: Logger;
  readonly #registry: Registry;
  #server: Server | undefined;

  constructor(options: { registry: Registry; logger: Logger }) {
    this.#log = options.logger.child({ component: 'admin' });
    this.#registry = options.registry;
  }

  /**
   * A few read-only endpoints need no framework: plain node:http keeps express (~13 MB) out of
   * appliances that do not run the AMP proxy.
   */
  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://admin');
    const path = url.pathname;
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      sendJson(response, 405, { error: 'method not allowed' }, { allow: 'GET, HEAD' });
      return;
    }
    switch (path) {
      case '/healthz': {
        const verdict = this.health();
        sendJson(response, verdict.ok ? 200 : 503, verdict.ok ? { status: 'ok' } : { status: 'unhealthy', reasons: verdict.reasons });
        return;
      }
      case '/readyz': {
        const verdict = this.readiness();
        sendJson(response, verdict.ok ? 200 : 503, verdict.ok ? { status: 'ready' } : { status: 'not ready', reasons: verdict.reasons });
        return;
      }
      case '/status':
        sendJson(response, 200, this.status());
        return;
      case '/metrics':
        try {
          const body = await this.#registry.metrics();
          response.writeHead(200, { 'content-type': this.#registry.contentType }).end(body);
        } catch (error) {
          this.#log.error({ error: (error as Error).message }, 'collecting metrics failed');
          response.writeHead(500, { 'content-type': 'text/plain' }).end('collecting metrics failed\n');
        }
        return;
      default: {
        const page = this.#pages.get(path);
        if (page) {
          sendPage(response, page, url.searchParams);
          return;
        }
        sendJson(response, 404, { error: 'not found', endpoints: [...FIXED_ENDPOINTS, ...this.#pages.keys()] });
      }
    }
  }

  registerStatus(name: string, snapshot: () => StatusValue): void {
    if (RESERVED_STATUS_KEYS.has(name)) throw new Error(`status section '${name}' clashes with a field /status always has`);
    register(this.#statuses, 'status section', name, snapshot);
  }

  registerPage(path: string, page: AdminPage): void {
    if (!path.startsWith('/') || FIXED_ENDPOINTS.includes(path)) throw new Error(`page path '${path}' must start with / and not be one of ${FIXED_ENDPOINTS.join(' ')}`);
    register(this.#pages, 'page', path, page);
  }

  registerHealth(name: string, check: () => Verdict): void {
    register(this.#health, 'health check', name, check);
  }

  registerReadiness(name: string, check: () => Verdict): void {
    register(this.#readiness, 'readiness check', name, check);
  }

  /** Every health check combined; a check that throws counts as unhealthy. */
  health(): Verdict {
    const reasons: string[] = [];
    for (const [name, check] of this.#health) {
      try {
        const verdict = check();
        if (!verdict.ok) reasons.push(...(verdict.reasons.length > 0 ? verdict.reasons : [`${name} is unhealthy`]));
      } catch (error) {
        reasons.push(`${name} health check failed: ${(error as Error).message}`);
      }
    }
    return { ok: reasons.length === 0, reasons };
  }

  /** Every readiness check combined; with none registered nothing is known to be ready. */
  readiness(): Verdict {
    if (this.#readiness.size === 0) return { ok: false, reasons: ['nothing has reported readiness yet'] };
    const reasons: string[] = [];
    for (const [name, check] of this.#readiness) {
      try {
        const verdict = check();
        if (!verdict.ok) reasons.push(...(verdict.reasons.length > 0 ? verdict.reasons : [`${name} is not ready`]));
      } catch (error) {
        reasons.push(`${name} readiness check failed: ${(error as Error).message}`);
      }
    }
    return { ok: reasons.length === 0, reasons };
  }

  /**
   * The first keys answer "is it working?" (healthy, ready, reasons), then the sections in the
   * order they were registered (the appliance registers its summary first, bulky detail last).
   */
  status(): Record<string, unknown> {
    const health = this.health();
    const readiness = this.readiness();
    const snapshot: Record<string, unknown> = {
      healthy: health.ok,
      ready: readiness.ok,
      reasons: [...health.reasons, ...readiness.reasons],
    };
    for (const [name, provider] of this.#statuses) {
      try {
        snapshot[name] = redactSecrets(provider());
      } catch (error) {
        snapshot[name] = { error: `status unavailable: ${(error as Error).message}` };
      }
    }
    snapshot.generatedAt = new Date().toISOString();
    return snapshot;
  }

  /** Listen on `HOST:PORT` (APPLIANCE_ADMIN_ADDR); resolves with the bound address (port 0 picks one). */
  async listen(address: string | ListenAddress = defaultAdminAddress): Promise<ListenAddress> {
    if (this.#server) throw new Error('the admin server is already listening');
    this.#server = await this.#bind(address);
    return this.address()!;
  }

  /** Where it listens now; undefined when it does not. */
  address(): ListenAddress | undefined {
    const bound = this.#server?.address();
    return bound && typeof bound !== 'string' ? { host: bound.address, port: bound.port } : undefined;
  }

  /**
   * Listens on `address` instead, when that differs from where it listens now: the new listener
   * opens first, so a taken address throws and leaves the old one serving.
   */
  async moveTo(address: ListenAddress): Promise<ListenAddress> {
    const current = this.address();
    if (current && current.host === address.host && current.port === address.port) return current;
    const next = await this.#bind(address);
    const previous = this.#server;
    this.#server = next;
    if (previous) await closeServer(previous);
    return this.address()!;
  }

  async close(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    await closeServer(server);
  }

  async #bind(address: string | ListenAddress): Promise<Server> {
    const { host, port } = typeof address === 'string' ? parseListenAddress(address) : address;
    const server = createServer((request, response) => void this.#handle(request, response));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.keepAliveTimeout = 5_000;
    const bound = server.address();
    if (bound === null || typeof bound === 'string') throw new Error('admin server has no TCP address');
    this.#log.info({ host: bound.address, port: bound.port }, 'admin endpoint listening');
    return server;
  }
}

function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}

function register<T>(map: Map<string, T>, kind: string, name: string, value: T): void {
  if (name.trim() === '') throw new Error(`a ${kind} needs a name`);
  if (map.has(name)) throw new Error(`${kind} '${name}' is already registered`);
  map.set(name, value);
}

/** A page that fails answers 500 with the reason, like /metrics; it never takes the endpoint down. */
function sendPage(response: ServerResponse, page: AdminPage, query: URLSearchParams): void {
  let body: string;
  try {
    body = page.render(query);
  } catch (error) {
    sendJson(response, 500, { error: `page unavailable: ${(error as Error).message}` });
    return;
  }
  response.writeHead(200, { 'content-type': page.contentType }).end(redact(body));
}

/** Every answer passes the secret redactor: a reason or a status line may quote what a child printed. */
function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers }).end(redact(JSON.stringify(body)));
}
