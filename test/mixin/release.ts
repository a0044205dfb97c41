/**
 * The built-in rules and dashboards as the appliance ships them: the default bundle rendered through
 * the same resolve function `run` uses, so the mixin tests judge what Prometheus and Grafana load.
 */
import { readDefaultBundle } from '../../supervisor/config/default-bundle.ts';
import { resolveRelease } from '../render/fixtures.ts';

export const RULES_DIR = 'prometheus/rules/';
export const DASHBOARDS_DIR = 'grafana/dashboards/';

export interface RuleFile {
  groups: { name: string; rules: ({ record: string; expr: string } | { alert: string; expr: string })[] }[];
}

/** The rendered release's files, by path. */
export async function shippedRelease(): Promise<ReadonlyMap<string, string>> {
  const builtin = await readDefaultBundle();
  return (await resolveRelease(builtin, builtin)).files;
}

/** The rendered files under `dir`, by their name there. */
export function filesUnder(release: ReadonlyMap<string, string>, dir: string): Map<string, string> {
  return new Map([...release].filter(([path]) => path.startsWith(dir)).map(([path, text]) => [path.slice(dir.length), text]));
}
