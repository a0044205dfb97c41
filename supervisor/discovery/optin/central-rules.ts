import type { CentralRule } from '../settings.ts';
import type { ContainerView } from '../world.ts';
import { definedOnly, type MatchOutcome, type OptInMatcher } from './endpoint.ts';
import { imageRepository } from './image.ts';

/**
 * Rules in the appliance's own config, for teams that may not touch task definitions. Regexes
 * are anchored like Prometheus relabeling regexes: `web` matches the service `web`, not `webhook`.
 */
export function centralRules(rules: readonly CentralRule[]): OptInMatcher {
  const compiled = rules.map((rule) => ({
    rule,
    cluster: anchored(rule.cluster),
    service: anchored(rule.service),
    family: anchored(rule.family),
    container: anchored(rule.container),
    image: anchored(rule.image),
    labelValue: anchored(rule.dockerLabel?.value),
  }));
  return {
    name: 'central rules',
    authority: 'central',
    match(view: ContainerView): MatchOutcome | undefined {
      const outcome: MatchOutcome = { endpoints: [], problems: [] };
      for (const c of compiled) {
        if (!matches(c.cluster, view.snapshot.clusterName)) continue;
        if (!matches(c.service, view.serviceName)) continue;
        if (!matches(c.family, view.taskDefinition.family)) continue;
        if (!matches(c.container, view.definition.name)) continue;
        if (c.image && !matchesImage(c.image, view.definition.image)) continue;
        if (c.rule.dockerLabel) {
          const value = view.dockerLabels[c.rule.dockerLabel.name];
          if (value === undefined || !matches(c.labelValue, value)) continue;
        }
        for (const e of c.rule.endpoints) {
          outcome.endpoints.push({
            source: `rule ${c.rule.name}`,
            port: { kind: 'container', port: e.port },
            ...definedOnly({ path: e.path, scheme: e.scheme, interval: e.interval, timeout: e.timeout, job: e.job }),
            metaLabels: true,
          });
        }
      }
      return outcome.endpoints.length > 0 ? outcome : undefined;
    },
  };
}

function anchored(source: string | undefined): RegExp | undefined {
  return source === undefined ? undefined : new RegExp(`^(?:${source})$`);
}

/** The repository alone (`prom/node-exporter`) or the whole reference (`prom/node-exporter:v1.12.1`). */
function matchesImage(pattern: RegExp, image: string | undefined): boolean {
  return image !== undefined && (pattern.test(imageRepository(image)) || pattern.test(image));
}

/** An absent matcher matches anything; a present one needs a value. */
function matches(pattern: RegExp | undefined, value: string | undefined): boolean {
  return pattern === undefined || (value !== undefined && pattern.test(value));
}
