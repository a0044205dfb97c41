import type { ContainerView } from '../world.ts';
import {
  EndpointChecks,
  checkHostName,
  checkPath,
  checkPort,
  checkScheme,
  definedOnly,
  ifPresent,
  nonEmpty,
  type MatchOutcome,
  type OptInMatcher,
  type PortRequest,
} from './endpoint.ts';

const SOURCE = 'prometheus-ecs-discovery labels';

/**
 * The docker labels of prometheus-ecs-discovery, with its target shape: the labels it put on every
 * target are kept, so users moving over see the same series. `PROMETHEUS_DYNAMIC_EXPORT=1` (its
 * dynamic-port mode) is honoured on containers without a port label.
 */
export const ecsDiscoveryLabels: OptInMatcher = {
  name: SOURCE,
  authority: 'container',
  match(view: ContainerView): MatchOutcome | undefined {
    const labels = view.dockerLabels;
    const portLabel = labels.PROMETHEUS_EXPORTER_PORT;
    let port: PortRequest;
    if (portLabel !== undefined) {
      const checked = checkPort(portLabel, 'PROMETHEUS_EXPORTER_PORT');
      if (!checked.ok) return { endpoints: [], problems: [checked.problem] };
      port = { kind: 'container', port: checked.value };
    } else if (labels.PROMETHEUS_DYNAMIC_EXPORT === '1') {
      port = { kind: 'only-binding' };
    } else {
      return undefined;
    }

    const checks = new EndpointChecks();
    const path = checks.take(ifPresent(nonEmpty(labels.PROMETHEUS_EXPORTER_PATH), (v) => checkPath(v, 'PROMETHEUS_EXPORTER_PATH')));
    const scheme = checks.take(ifPresent(nonEmpty(labels.PROMETHEUS_EXPORTER_SCHEME), (v) => checkScheme(v, 'PROMETHEUS_EXPORTER_SCHEME')));
    // prometheus-ecs-discovery trims trailing slashes from the server name.
    const serverName = checks.take(ifPresent(nonEmpty(labels.PROMETHEUS_EXPORTER_SERVER_NAME)?.replace(/\/+$/, ''), (v) => checkHostName(v, 'PROMETHEUS_EXPORTER_SERVER_NAME')));
    if (checks.failed) return { endpoints: [], problems: checks.problems };

    const { task, taskDefinition, definition, runtime } = view;
    const compat = {
      task_arn: task.taskArn ?? '',
      task_name: taskDefinition.family ?? '',
      task_revision: String(taskDefinition.revision ?? ''),
      task_group: task.group ?? '',
      cluster_arn: task.clusterArn ?? '',
      container_name: definition.name ?? '',
      container_arn: runtime?.containerArn ?? '',
      docker_image: definition.image ?? '',
    };
    return {
      endpoints: [
        {
          source: SOURCE,
          port,
          ...definedOnly({ path, scheme, job: nonEmpty(labels.PROMETHEUS_EXPORTER_JOB_NAME), host: serverName }),
          compatLabels: () => compat,
          metaLabels: true,
        },
      ],
      problems: [],
    };
  },
};
