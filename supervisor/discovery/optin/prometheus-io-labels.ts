import type { ContainerView } from '../world.ts';
import {
  EndpointChecks,
  checkDuration,
  checkPath,
  checkPort,
  checkScheme,
  definedOnly,
  ifPresent,
  type EndpointRequest,
  type MatchOutcome,
  type OptInMatcher,
} from './endpoint.ts';

const SOURCE = 'prometheus.io labels';
const label = (name: string) => `prometheus.io/${name}`;

/**
 * Kubernetes-annotation-style docker labels. `prometheus.io/scrape=true` (or an
 * `prometheus.io/endpoints` list) opts in; `prometheus.io/scrape=false` opts this way out.
 * `prometheus.io/endpoints` lists several endpoints as `PORT[/path][@interval]`, comma-separated.
 */
export const prometheusIoLabels: OptInMatcher = {
  name: SOURCE,
  authority: 'container',
  match(view: ContainerView): MatchOutcome | undefined {
    const labels = view.dockerLabels;
    const scrape = labels[label('scrape')]?.trim().toLowerCase();
    const endpointList = labels[label('endpoints')];
    if (scrape === 'false') return undefined;
    if (scrape === undefined && endpointList === undefined) return undefined;
    if (scrape !== undefined && scrape !== 'true') {
      return { endpoints: [], problems: [`${label('scrape')}=${JSON.stringify(labels[label('scrape')])}: expected true or false`] };
    }

    const shared = new EndpointChecks();
    const common = {
      path: shared.take(ifPresent(labels[label('path')], (v) => checkPath(v, label('path')))),
      scheme: shared.take(ifPresent(labels[label('scheme')], (v) => checkScheme(v, label('scheme')))),
      interval: shared.take(ifPresent(labels[label('interval')], (v) => checkDuration(v, label('interval')))),
      timeout: shared.take(ifPresent(labels[label('timeout')], (v) => checkDuration(v, label('timeout')))),
      job: labels[label('job')]?.trim() || undefined,
    };
    if (shared.failed) return { endpoints: [], problems: shared.problems };

    if (endpointList !== undefined) return endpointsFromList(endpointList, common);

    const portLabel = labels[label('port')];
    if (portLabel !== undefined) {
      const port = checkPort(portLabel, label('port'));
      if (!port.ok) return { endpoints: [], problems: [port.problem] };
      return { endpoints: [endpoint(port.value, common)], problems: [] };
    }
    const mapped = view.definition.portMappings?.filter((m) => m.containerPort !== undefined) ?? [];
    if (mapped.length === 1) return { endpoints: [endpoint(mapped[0]!.containerPort!, common)], problems: [] };
    return {
      endpoints: [],
      problems: [
        `${label('scrape')}=true but no ${label('port')}, and the container maps ${mapped.length} ports: set ${label('port')} or ${label('endpoints')}`,
      ],
    };
  },
};

type CommonSettings = Pick<EndpointRequest, 'path' | 'scheme' | 'interval' | 'timeout' | 'job'>;

function endpoint(port: number, settings: CommonSettings): EndpointRequest {
  return { source: SOURCE, port: { kind: 'container', port }, ...definedOnly(settings), metaLabels: true };
}

const ENTRY = /^(\d+)(\/[^@\s]*)?(?:@(\S+))?$/;

function endpointsFromList(list: string, common: CommonSettings): MatchOutcome {
  const outcome: MatchOutcome = { endpoints: [], problems: [] };
  const entries = list.split(',').map((entry) => entry.trim());
  entries.forEach((entry, index) => {
    const where = `${label('endpoints')}[${index}]`;
    const parts = ENTRY.exec(entry);
    if (!parts) {
      outcome.problems.push(`${where}=${JSON.stringify(entry)}: expected PORT[/path][@interval], e.g. 8080/metrics@30s`);
      return;
    }
    const checks = new EndpointChecks();
    const port = checks.take(checkPort(parts[1]!, `${where} port`));
    const interval = checks.take(ifPresent(parts[3], (v) => checkDuration(v, `${where} interval`)));
    if (checks.failed || port === undefined) {
      outcome.problems.push(...checks.problems);
      return;
    }
    outcome.endpoints.push(endpoint(port, { ...common, path: parts[2] ?? common.path, interval: interval ?? common.interval }));
  });
  return outcome;
}
