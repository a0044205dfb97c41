import type { BuiltinExporterSwitches } from '../settings.ts';
import type { ContainerView } from '../world.ts';
import type { MatchOutcome, OptInMatcher } from './endpoint.ts';
import { isImageOf } from './image.ts';

interface BuiltinExporter {
  /** The key that switches it in `discovery.builtinExporters`. */
  switch: keyof BuiltinExporterSwitches;
  /** Its image repositories, from any registry or mirror, any tag or digest. */
  repositories: readonly string[];
  port: number;
  path: string;
  /** The appliance's metric relabeling (templates/prometheus.yml.hbs) and dashboards key on it. */
  job: string;
}

/**
 * The resource exporters that run beside applications on ECS. They are scraped with no labels on
 * their task definitions, on the port their images listen on; whatever labels they carry, the job
 * stays theirs, because the Prometheus config reshapes their series by job.
 */
const BUILTIN_EXPORTERS: readonly BuiltinExporter[] = [
  // cAdvisor moved from gcr.io/cadvisor/cadvisor to ghcr.io/google/cadvisor with v0.53.
  { switch: 'cadvisor', repositories: ['cadvisor/cadvisor', 'google/cadvisor'], port: 8080, path: '/metrics', job: 'cadvisor' },
  { switch: 'nodeExporter', repositories: ['prometheus/node-exporter', 'prom/node-exporter'], port: 9100, path: '/metrics', job: 'ecs-node' },
  { switch: 'ecsExporter', repositories: ['prometheuscommunity/ecs-exporter'], port: 9779, path: '/metrics', job: 'ecs-exporter' },
];

/** One matcher per exporter the settings leave on; each matches only containers running its image. */
export function builtinExporters(switches: BuiltinExporterSwitches): OptInMatcher[] {
  return BUILTIN_EXPORTERS.filter((exporter) => switches[exporter.switch]).map(builtinMatcher);
}

function builtinMatcher(exporter: BuiltinExporter): OptInMatcher {
  const source = `built-in ${exporter.job}`;
  return {
    name: source,
    authority: 'builtin',
    match(view: ContainerView): MatchOutcome | undefined {
      const image = view.definition.image;
      if (!image || !exporter.repositories.some((repository) => isImageOf(image, repository))) return undefined;
      return {
        endpoints: [{ source, port: { kind: 'container', port: exporter.port }, path: exporter.path, job: exporter.job, metaLabels: true }],
        problems: [],
      };
    },
  };
}
