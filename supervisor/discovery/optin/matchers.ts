import type { DiscoverySettings } from '../settings.ts';
import { builtinExporters } from './builtin-exporters.ts';
import { centralRules } from './central-rules.ts';
import { ecsDiscoveryLabels } from './ecs-discovery-labels.ts';
import { ecsSdEnvironment } from './ecs-sd-environment.ts';
import type { OptInMatcher } from './endpoint.ts';
import { prometheusIoLabels } from './prometheus-io-labels.ts';

/**
 * The opt-in ways the settings enable, in precedence order: where two give the same endpoint, the
 * first wins. The built-in exporters come last; which ways count for a container they recognise is
 * decided in targets.ts.
 */
export function optInMatchers(settings: Pick<DiscoverySettings, 'optIn' | 'rules' | 'builtinExporters'>): OptInMatcher[] {
  const matchers: OptInMatcher[] = [];
  if (settings.optIn.dockerLabels) matchers.push(prometheusIoLabels);
  if (settings.optIn.ecsDiscoveryLabels) matchers.push(ecsDiscoveryLabels);
  if (settings.optIn.ecsSdEnvironment) matchers.push(ecsSdEnvironment);
  if (settings.rules.length > 0) matchers.push(centralRules(settings.rules));
  matchers.push(...builtinExporters(settings.builtinExporters));
  return matchers;
}
