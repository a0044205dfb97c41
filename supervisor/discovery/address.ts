import type { NetworkBinding } from '@aws-sdk/client-ecs';
import type { PortRequest } from './optin/endpoint.ts';
import type { ContainerView } from './world.ts';

export type Resolved = { ok: true; ip: string; port: number } | { ok: false; problem: string };

/**
 * Where a container's endpoint is reachable from the appliance: the task ENI for awsvpc, the
 * container instance's private IP for bridge and host, with the port translated through ECS's
 * bindings where the network mode needs it.
 */
export function resolveAddress(view: ContainerView, request: PortRequest): Resolved {
  const ip = taskIp(view);
  if (!ip.ok) return ip;
  const port = resolvePort(view, request);
  return port.ok ? { ok: true, ip: ip.value, port: port.value } : port;
}

type Found<T> = { ok: true; value: T } | { ok: false; problem: string };

function taskIp(view: ContainerView): Found<string> {
  const { task, snapshot, networkMode } = view;
  if (networkMode === 'none') return { ok: false, problem: 'network mode "none" has no address to scrape' };
  if (networkMode === 'awsvpc') {
    const ip =
      view.runtime?.networkInterfaces?.find((ni) => ni.privateIpv4Address)?.privateIpv4Address ??
      task.attachments
        ?.find((a) => a.type === 'ElasticNetworkInterface')
        ?.details?.find((d) => d.name === 'privateIPv4Address')?.value;
    return ip ? { ok: true, value: ip } : { ok: false, problem: 'task has no ENI address yet (awsvpc)' };
  }
  const containerInstanceArn = task.containerInstanceArn;
  if (!containerInstanceArn) return { ok: false, problem: `${networkMode} network mode but the task has no container instance` };
  const instanceId = snapshot.containerInstances.get(containerInstanceArn);
  if (!instanceId) return { ok: false, problem: `container instance ${containerInstanceArn} has no known EC2 instance` };
  const ip = snapshot.ec2Instances.get(instanceId)?.privateIp;
  return ip ? { ok: true, value: ip } : { ok: false, problem: `EC2 instance ${instanceId} has no private IP` };
}

/** IPv4 bindings only: ECS adds a `::` twin of each binding, which would double every target. */
function ipv4Bindings(view: ContainerView): NetworkBinding[] {
  return (view.runtime?.networkBindings ?? []).filter((b) => !b.bindIP || !b.bindIP.includes(':'));
}

function resolvePort(view: ContainerView, request: PortRequest): Found<number> {
  switch (request.kind) {
    case 'address':
      return { ok: true, value: request.port };
    case 'container':
      return view.networkMode === 'bridge' ? boundHostPort(view, request.port) : { ok: true, value: request.port };
    case 'only-binding': {
      const bindings = ipv4Bindings(view);
      if (bindings.length !== 1 || !bindings[0]!.hostPort) {
        return { ok: false, problem: `PROMETHEUS_DYNAMIC_EXPORT needs exactly one port binding, the container has ${bindings.length}` };
      }
      return { ok: true, value: bindings[0]!.hostPort };
    }
    case 'first-binding': {
      if (view.networkMode !== 'bridge') {
        const mapping = view.definition.portMappings?.[0];
        return { ok: true, value: mapping?.hostPort || mapping?.containerPort || 80 };
      }
      const first = ipv4Bindings(view)[0];
      return first?.hostPort ? { ok: true, value: first.hostPort } : { ok: false, problem: 'no port binding yet (bridge)' };
    }
  }
}

function boundHostPort(view: ContainerView, containerPort: number): Found<number> {
  // Where ECS bound one container port twice, the last binding wins, as in prometheus-ecs-discovery.
  const bound = ipv4Bindings(view).filter((b) => b.containerPort === containerPort && b.hostPort);
  const last = bound.at(-1);
  if (last?.hostPort) return { ok: true, value: last.hostPort };
  const mapped = view.definition.portMappings?.some((m) => m.containerPort === containerPort);
  return {
    ok: false,
    problem: mapped
      ? `container port ${containerPort} has no host port bound yet (bridge)`
      : `container port ${containerPort} is not in the container's port mappings (bridge mode needs one)`,
  };
}
