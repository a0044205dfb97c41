import { parseDuration } from '../duration.ts';
import { resolveAddress } from './address.ts';
import { metaLabels } from './labels.ts';
import type { EndpointRequest, MatchOutcome, OptInMatcher } from './optin/endpoint.ts';
import { networkModeOf, serviceNameOf, type ClusterSnapshot, type ContainerView } from './world.ts';

/** One Prometheus target: an address and its labels (including the `__` ones Prometheus honours). */
export interface Target {
  address: string;
  labels: Record<string, string>;
}

export interface TargetOptions {
  matchers: readonly OptInMatcher[];
  defaultPath: string;
  defaultScheme: string;
  /** The scrape timeout Prometheus would apply; a shorter per-target interval lowers it. */
  defaultTimeout: string;
}

/** Why each running container did or did not become a target: what `--explain` prints. */
export interface TaskDecision {
  taskArn: string;
  taskDefinition: string;
  lastStatus: string;
  service: string | undefined;
  /** Set when the whole task is passed over (not RUNNING yet, definition unknown). */
  skipped?: string;
  containers: ContainerDecision[];
}

export interface ContainerDecision {
  name: string;
  /** False when no opt-in way applies to the container. */
  optedIn: boolean;
  targets: { address: string; path: string; source: string }[];
  problems: string[];
  notes: string[];
}

export interface ClusterTargets {
  targets: Target[];
  tasks: TaskDecision[];
}

/**
 * The functional core of discovery: what one cluster looks like → which targets exist, with a
 * reason for everything left out. No I/O, no clock: same snapshot, same answer.
 */
export function computeTargets(snapshot: ClusterSnapshot, options: TargetOptions): ClusterTargets {
  const result: ClusterTargets = { targets: [], tasks: [] };
  const tasks = [...snapshot.tasks].sort((a, b) => (a.taskArn ?? '').localeCompare(b.taskArn ?? ''));
  for (const task of tasks) {
    const taskDefinition = snapshot.taskDefinitions.get(task.taskDefinitionArn ?? '');
    const decision: TaskDecision = {
      taskArn: task.taskArn ?? '',
      taskDefinition: taskDefinition ? `${taskDefinition.family}:${taskDefinition.revision}` : (task.taskDefinitionArn ?? ''),
      lastStatus: task.lastStatus ?? 'UNKNOWN',
      service: serviceNameOf(task),
      containers: [],
    };
    result.tasks.push(decision);
    if (task.lastStatus !== 'RUNNING') {
      decision.skipped = `task is ${task.lastStatus ?? 'in an unknown state'}, not RUNNING yet`;
      continue;
    }
    if (!taskDefinition) {
      decision.skipped = `task definition ${task.taskDefinitionArn} is not known`;
      continue;
    }
    for (const definition of taskDefinition.containerDefinitions ?? []) {
      const view: ContainerView = {
        snapshot,
        task,
        taskDefinition,
        definition,
        runtime: task.containers?.find((c) => c.name === definition.name),
        networkMode: networkModeOf(taskDefinition),
        serviceName: decision.service,
        dockerLabels: definition.dockerLabels ?? {},
        environment: Object.fromEntries((definition.environment ?? []).filter((e) => e.name).map((e) => [e.name!, e.value ?? ''])),
      };
      decision.containers.push(containerTargets(view, options, result.targets));
    }
  }
  return result;
}

function containerTargets(view: ContainerView, options: TargetOptions, out: Target[]): ContainerDecision {
  const decision: ContainerDecision = { name: view.definition.name ?? '', optedIn: false, targets: [], problems: [], notes: [] };
  const first = out.length;
  const kept = new Map<string, { request: EndpointRequest; index: number }>();
  const ways = decidingWays(view, options.matchers);
  decision.notes.push(...ways.passedOver);
  for (const outcome of ways.taken) {
    decision.optedIn = true;
    decision.problems.push(...outcome.problems);
    for (const request of outcome.endpoints) {
      const built = buildTarget(view, request, options);
      if ('problem' in built) {
        decision.problems.push(`${request.source}: ${built.problem}`);
        continue;
      }
      const path = built.labels.__metrics_path__!;
      const key = `${built.address}${path}`;
      const earlier = kept.get(key);
      if (!earlier) {
        kept.set(key, { request, index: out.length });
        out.push(built);
        decision.targets.push({ address: built.address, path, source: request.source });
        continue;
      }
      const merged = mergeRequests(earlier.request, request, key);
      decision.notes.push(...merged.notes);
      if (merged.request === earlier.request) continue;
      const rebuilt = buildTarget(view, merged.request, options);
      if ('problem' in rebuilt) {
        decision.notes.push(`${request.source}'s settings for ${key} are not taken: ${rebuilt.problem}`);
        continue;
      }
      earlier.request = merged.request;
      out[earlier.index] = rebuilt;
    }
  }
  distinguishSharedAddresses(out.slice(first));
  if (decision.optedIn && view.runtime?.lastStatus && view.runtime.lastStatus !== 'RUNNING' && decision.targets.length > 0) {
    decision.notes.push(`container is ${view.runtime.lastStatus}`);
  }
  return decision;
}

/**
 * The outcomes of the ways that decide a container's endpoints, in precedence order. A container a
 * built-in exporter recognises is scraped the way that exporter always is, whatever its own labels
 * or environment ask, since the Prometheus config reshapes the exporter's series by its job; a
 * central rule matching it is the operator's deliberate exception and replaces the built-in's
 * endpoint, keeping the exporter's job unless the rule names another (a cAdvisor moved to 8081 is
 * still cAdvisor).
 */
function decidingWays(view: ContainerView, matchers: readonly OptInMatcher[]): { taken: MatchOutcome[]; passedOver: string[] } {
  const matched = matchers.flatMap((matcher) => {
    const outcome = matcher.match(view);
    return outcome ? [{ matcher, outcome }] : [];
  });
  const builtin = matched.find((m) => m.matcher.authority === 'builtin');
  if (!builtin) return { taken: matched.map((m) => m.outcome), passedOver: [] };
  const central = matched.filter((m) => m.matcher.authority === 'central');
  const passedOver = (reason: string) => matched.filter((m) => m.matcher.authority !== 'central' && m !== builtin).map((m) => `${m.matcher.name} not taken: ${reason}`);
  if (central.length === 0) return { taken: [builtin.outcome], passedOver: passedOver(`${builtin.matcher.name} recognises the image and gives the endpoint`) };
  const job = builtin.outcome.endpoints[0]?.job;
  return {
    taken: central.map(({ outcome }) => ({ ...outcome, endpoints: outcome.endpoints.map((e) => ({ conventionJob: job, ...e })) })),
    passedOver: [...passedOver('a central rule matches the container'), `${builtin.matcher.name} not taken: a central rule matches the container and replaces its endpoint`],
  };
}

/** The per-endpoint settings a later opt-in way may add to an endpoint an earlier way already names. */
const MERGED_SETTINGS = ['scheme', 'interval', 'timeout', 'job'] as const;

/**
 * Two opt-in ways naming one endpoint make one target: settings only the later way gives are
 * added, and where both give a setting and disagree, the earlier wins and both are reported.
 */
function mergeRequests(earlier: EndpointRequest, later: EndpointRequest, key: string): { request: EndpointRequest; notes: string[] } {
  const adopted: Partial<Pick<EndpointRequest, (typeof MERGED_SETTINGS)[number]>> = {};
  const notes: string[] = [];
  for (const setting of MERGED_SETTINGS) {
    const mine = earlier[setting];
    const theirs = later[setting];
    if (theirs === undefined || theirs === mine) continue;
    if (mine === undefined) adopted[setting] = theirs;
    else notes.push(`${later.source} also names ${key} with ${setting} ${theirs}, ${earlier.source} with ${mine}; ${mine} from ${earlier.source} wins`);
  }
  const taken = Object.entries(adopted).map(([setting, value]) => `${setting} ${value}`);
  if (taken.length > 0) notes.unshift(`${later.source} also names ${key}; its ${taken.join(', ')} ${taken.length > 1 ? 'are' : 'is'} kept`);
  else if (notes.length === 0) notes.push(`${later.source} asks for ${key} too; ${earlier.source} already gives it`);
  return { request: taken.length > 0 ? { ...earlier, ...adopted } : earlier, notes };
}

/**
 * Two endpoints on one address differ only in `__metrics_path__`, which Prometheus drops after
 * relabeling: their series would collide. A `metrics_path` label (prometheus-ecs-sd's name for
 * it) keeps them apart.
 */
function distinguishSharedAddresses(targets: Target[]): void {
  const perAddress = new Map<string, number>();
  for (const t of targets) perAddress.set(t.address, (perAddress.get(t.address) ?? 0) + 1);
  for (const t of targets) if (perAddress.get(t.address)! > 1) t.labels.metrics_path ??= t.labels.__metrics_path__!;
}

function buildTarget(view: ContainerView, request: EndpointRequest, options: TargetOptions): Target | { problem: string } {
  const resolved = resolveAddress(view, request.port);
  if (!resolved.ok) return { problem: resolved.problem };
  const address = `${request.host ?? resolved.ip}:${resolved.port}`;

  const timeout = scrapeTimeout(request, options.defaultTimeout);
  if ('problem' in timeout) return timeout;

  const containerPort = request.port.kind === 'container' ? request.port.port : undefined;
  const labels: Record<string, string> = {
    ...(request.metaLabels ? metaLabels(view, resolved.ip, containerPort, request.source) : {}),
    ...request.compatLabels?.(address),
    __metrics_path__: request.path ?? options.defaultPath,
    __scheme__: request.scheme ?? options.defaultScheme,
  };
  if (request.interval) labels.__scrape_interval__ = request.interval;
  if (timeout.value) labels.__scrape_timeout__ = timeout.value;
  const job = request.job ?? request.conventionJob;
  if (job) labels.job = job;
  return { address, labels };
}

/** Prometheus refuses a target whose timeout exceeds its interval, so a short interval caps the default timeout. */
function scrapeTimeout(request: EndpointRequest, defaultTimeout: string): { value: string | undefined } | { problem: string } {
  if (request.interval === undefined) return { value: request.timeout };
  const interval = parseDuration(request.interval)!;
  if (request.timeout !== undefined) {
    return parseDuration(request.timeout)! > interval
      ? { problem: `scrape timeout ${request.timeout} is longer than the interval ${request.interval}` }
      : { value: request.timeout };
  }
  return { value: (parseDuration(defaultTimeout) ?? Infinity) > interval ? request.interval : undefined };
}
