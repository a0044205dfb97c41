import type { ContainerView } from '../world.ts';
import { arnResourceId } from '../world.ts';
import {
  EndpointChecks,
  checkDuration,
  checkPath,
  checkPort,
  type EndpointRequest,
  type MatchOutcome,
  type OptInMatcher,
  type PortRequest,
} from './endpoint.ts';

const SOURCE = 'prometheus-ecs-sd environment';

/**
 * The container environment variables of prometheus-ecs-sd. Its per-interval files become one
 * `__scrape_interval__` label per target, and its labels (`instance`, `job` = family,
 * `metrics_path`, `ecs_*`) are kept so migrated dashboards and alerts still match.
 */
export const ecsSdEnvironment: OptInMatcher = {
  name: SOURCE,
  authority: 'container',
  match(view: ContainerView): MatchOutcome | undefined {
    const env = view.environment;
    // As in prometheus-ecs-sd, any non-empty value switches it on ("false" included).
    if (!env.PROMETHEUS) return undefined;

    const port = portRequest(view);
    if (!port.ok) return { endpoints: [], problems: [port.problem] };

    const noLabels = env.PROMETHEUS_NOLABELS === 'true';
    const family = view.taskDefinition.family ?? '';
    const outcome: MatchOutcome = { endpoints: [], problems: [] };
    for (const [index, entry] of parseEndpointList(env.PROMETHEUS_ENDPOINT).entries()) {
      const where = `PROMETHEUS_ENDPOINT[${index}]`;
      const checks = new EndpointChecks();
      const path = checks.take(checkPath(entry.path, `${where} path`));
      const interval = entry.interval === undefined ? undefined : checks.take(checkDuration(entry.interval, `${where} interval`));
      if (checks.failed || path === undefined) {
        outcome.problems.push(...checks.problems);
        continue;
      }
      const endpoint: EndpointRequest = {
        source: SOURCE,
        port: port.value,
        path,
        conventionJob: family,
        compatLabels: (address) => ({ instance: noLabels ? family : address, metrics_path: path, ...(noLabels ? {} : ecsLabels(view)) }),
        metaLabels: !noLabels,
      };
      if (interval !== undefined) endpoint.interval = interval;
      outcome.endpoints.push(endpoint);
    }
    return outcome;
  },
};

function portRequest(view: ContainerView): { ok: true; value: PortRequest } | { ok: false; problem: string } {
  const env = view.environment;
  if (env.PROMETHEUS_PORT) {
    const port = checkPort(env.PROMETHEUS_PORT, 'PROMETHEUS_PORT');
    return port.ok ? { ok: true, value: { kind: 'address', port: port.value } } : port;
  }
  if (view.networkMode === 'bridge' && env.PROMETHEUS_CONTAINER_PORT) {
    const port = checkPort(env.PROMETHEUS_CONTAINER_PORT, 'PROMETHEUS_CONTAINER_PORT');
    return port.ok ? { ok: true, value: { kind: 'container', port: port.value } } : port;
  }
  return { ok: true, value: { kind: 'first-binding' } };
}

/** `[interval:]path,…`; unset means /metrics at the default interval. */
function parseEndpointList(value: string | undefined): { path: string; interval?: string }[] {
  if (!value) return [{ path: '/metrics' }];
  return value.split(',').map((item) => {
    const colon = item.indexOf(':');
    return colon < 0 ? { path: item.trim() } : { interval: item.slice(0, colon).trim(), path: item.slice(colon + 1).trim() };
  });
}

function ecsLabels(view: ContainerView): Record<string, string> {
  const { task, taskDefinition, runtime, snapshot } = view;
  const labels: Record<string, string> = {
    ecs_task_id: arnResourceId(task.taskArn ?? ''),
    ecs_task_version: String(taskDefinition.revision ?? ''),
    ecs_cluster: snapshot.clusterName,
  };
  // prometheus-ecs-sd decides "EC2 or Fargate" by the definition's compatibilities, not the launch type.
  if (!taskDefinition.requiresCompatibilities?.includes('FARGATE')) {
    if (runtime?.containerArn) labels.ecs_container_id = arnResourceId(runtime.containerArn);
    const instanceId = task.containerInstanceArn ? snapshot.containerInstances.get(task.containerInstanceArn) : undefined;
    if (instanceId) labels.instance_id = instanceId;
  }
  return labels;
}
