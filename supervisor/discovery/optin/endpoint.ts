import { parseDuration } from '../../duration.ts';
import type { ContainerView } from '../world.ts';

/** How a matcher names the port to scrape; the address resolver turns it into host:port. */
export type PortRequest =
  /** A port inside the container: the ENI port (awsvpc), the bound host port (bridge) or itself (host). */
  | { kind: 'container'; port: number }
  /** A port on the task's address taken as given, whatever the network mode (PROMETHEUS_PORT). */
  | { kind: 'address'; port: number }
  /** prometheus-ecs-sd's fallback: the first binding (bridge) or the first mapping of the definition. */
  | { kind: 'first-binding' }
  /** prometheus-ecs-discovery's PROMETHEUS_DYNAMIC_EXPORT: the container's one and only binding. */
  | { kind: 'only-binding' };

/** What one opt-in way asks of one container: an endpoint to scrape, before address resolution. */
export interface EndpointRequest {
  /** The opt-in way, as shown in --explain and the `__meta_ecs_opt_in` label. */
  source: string;
  port: PortRequest;
  path?: string;
  scheme?: string;
  interval?: string;
  timeout?: string;
  job?: string;
  /** The job a peer tool's convention gives when none is asked for; an explicit `job` from any way beats it. */
  conventionJob?: string;
  /** Replaces the host part of the address (PROMETHEUS_EXPORTER_SERVER_NAME). */
  host?: string;
  /** Labels a peer tool put on its targets, kept so migrated dashboards and alerts still match. */
  compatLabels?: (address: string) => Record<string, string>;
  /** False drops the `__meta_ecs_*` labels (PROMETHEUS_NOLABELS). */
  metaLabels: boolean;
}

export interface MatchOutcome {
  endpoints: EndpointRequest[];
  /** Why an endpoint this container asked for could not be made; every other endpoint still counts. */
  problems: string[];
}

/**
 * Who asks for a container's endpoints: the container itself (its labels or environment), the
 * appliance's config (central rules), or the appliance's knowledge of an exporter's image.
 */
export type OptInAuthority = 'container' | 'central' | 'builtin';

/** One way of opting in. `undefined` means the container does not use this way at all. */
export interface OptInMatcher {
  readonly name: string;
  readonly authority: OptInAuthority;
  match(view: ContainerView): MatchOutcome | undefined;
}

export type Checked<T> = { ok: true; value: T } | { ok: false; problem: string };

export function checkPort(value: string, where: string): Checked<number> {
  const trimmed = value.trim();
  const port = /^\d+$/.test(trimmed) ? Number(trimmed) : NaN;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    return { ok: false, problem: `${where}=${JSON.stringify(value)}: not a port number (1-65535)` };
  }
  return { ok: true, value: port };
}

export function checkPath(value: string, where: string): Checked<string> {
  if (!value.startsWith('/') || /\s/.test(value)) {
    return { ok: false, problem: `${where}=${JSON.stringify(value)}: a metrics path starts with / and has no spaces` };
  }
  return { ok: true, value };
}

export function checkScheme(value: string, where: string): Checked<string> {
  const scheme = value.trim().toLowerCase();
  if (scheme !== 'http' && scheme !== 'https') {
    return { ok: false, problem: `${where}=${JSON.stringify(value)}: scheme must be http or https` };
  }
  return { ok: true, value: scheme };
}

/** A DNS name or an IP address (IPv6 in brackets): the host part of a target, nothing more. */
const HOST_NAME = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?|\[[0-9A-Fa-f:.]+\])$/;

export function checkHostName(value: string, where: string): Checked<string> {
  const host = value.trim();
  if (!HOST_NAME.test(host) || host.length > 253) {
    return { ok: false, problem: `${where}=${JSON.stringify(value)}: expected a host name or IP address alone (no port, path, query or fragment)` };
  }
  return { ok: true, value: host };
}

export function checkDuration(value: string, where: string): Checked<string> {
  const ms = parseDuration(value.trim());
  if (ms === undefined || ms === 0) {
    return { ok: false, problem: `${where}=${JSON.stringify(value)}: not a Prometheus duration such as 15s, 1m or 5m` };
  }
  return { ok: true, value: value.trim() };
}

/**
 * Collects the checks of one endpoint's settings: the endpoint is made only when all pass,
 * and each failure is reported on its own.
 */
export class EndpointChecks {
  readonly problems: string[] = [];

  take<T>(checked: Checked<T> | undefined): T | undefined {
    if (!checked) return undefined;
    if (checked.ok) return checked.value;
    this.problems.push(checked.problem);
    return undefined;
  }

  get failed(): boolean {
    return this.problems.length > 0;
  }
}

export function ifPresent<T>(value: string | undefined, check: (value: string) => Checked<T>): Checked<T> | undefined {
  return value === undefined ? undefined : check(value);
}

/** Drops undefined fields, so optional settings stay absent rather than present-but-undefined. */
export function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** A label or variable set to the empty string counts as not set, as in both peer tools. */
export function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
