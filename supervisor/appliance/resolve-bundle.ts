import type { Bundle } from '../config/bundle.ts';
import { ConfigError, type ConfigIssue } from '../config/errors.ts';
import { loadBundle, type LoadedBundle } from '../config/load-bundle.ts';
import type { TaskIdentity } from '../identity/task-metadata.ts';
import type { ComponentSpec } from '../processes/component.ts';
import type { HostFacts } from '../processes/host-facts.ts';
import { componentSpecs } from '../processes/specs.ts';
import type { AmpSettings } from '../proxy/amp-target.ts';
import { createRenderContext } from '../render/context.ts';
import { dataDirLayout, type DataDirLayout } from '../render/data-dir.ts';
import { renderAppliance, type RenderedFiles } from '../render/render.ts';
import { componentSettingsFor } from './component-settings.ts';
import { planDiscovery, type DiscoveryPlan } from './discovery-plan.ts';
import type { ApplianceSettings } from './settings.ts';

/** Everything the appliance applies for one bundle. */
export interface ResolvedBundle {
  loaded: LoadedBundle;
  layout: DataDirLayout;
  /** The release: rendered config, rules, templates and dashboards, by path (promtool/amtool still to run). */
  files: RenderedFiles;
  specs: ComponentSpec[];
  discovery: DiscoveryPlan | undefined;
  amp: AmpSettings | undefined;
}

/** What each running part is given: a resolved bundle whose files are now `config/current`. */
export interface Release {
  resolved: ResolvedBundle;
  /** The files differ from the release before, so the components that read them reload. */
  changed: boolean;
}

/**
 * Every problem the bundle has, or what it resolves to. `notes` name what the environment the
 * bundle is judged for must provide; `files` are there whenever rendering succeeded, so the
 * programs' own checks can still run beside the other problems.
 */
export type Resolution =
  | { ok: true; resolved: ResolvedBundle; notes: string[] }
  | { ok: false; issues: ConfigIssue[]; notes: string[]; files: RenderedFiles | undefined };

/** Secrets the rendered files hold that the bundle may leave to the appliance. */
export interface RenderSecrets {
  /** The Grafana admin password when the bundle sets none; asked for only then. */
  generatedGrafanaPassword(): Promise<string>;
  /** Grafana's secret_key; `run` keeps one in the data directory, `check` and `render` leave the line out. */
  grafanaSecretKey: string | undefined;
}

export interface ResolveInputs {
  bundle: Bundle;
  /** The default bundle (built-in rules and dashboards). */
  builtin: Bundle;
  settings: Pick<ApplianceSettings, 'variables' | 'discoveryOverrides' | 'region' | 'processes'>;
  /** From the ECS task metadata; undefined off ECS, and in `check` and `render`. */
  identity: TaskIdentity | undefined;
  host: HostFacts;
  secrets: RenderSecrets;
  /**
   * `here`: the bundle is applied in this environment, which must give all it needs. `elsewhere`
   * (`check`, `render`): what only the run environment can give (a region, which on ECS the task
   * metadata has) is a note, not a problem.
   */
  judgedFor: 'here' | 'elsewhere';
}

/**
 * Bundle files, environment and task identity → everything the appliance will apply, or every
 * problem found: schema and `${VAR}`s, rule and dashboard files, rendering, the processes' settings
 * and discovery's scopes. The one place a bundle is parsed and judged; `check`, `render` and `run`
 * all go through it. Writes nothing.
 */
export async function resolveBundle(inputs: ResolveInputs): Promise<Resolution> {
  const { bundle, settings } = inputs;
  let loaded: LoadedBundle;
  try {
    loaded = loadBundle(bundle, { env: settings.variables, discoveryOverrides: settings.discoveryOverrides, builtin: inputs.builtin });
  } catch (error) {
    return { ok: false, issues: bundleIssues(error), notes: [], files: undefined };
  }
  const { config } = loaded;
  const issues: ConfigIssue[] = [];
  const notes: string[] = [];
  const layout = dataDirLayout(settings.processes.dataDir);
  const grafanaPassword = config.grafana.adminPassword ?? (await inputs.secrets.generatedGrafanaPassword());

  let files: RenderedFiles | undefined;
  try {
    const context = createRenderContext({
      bundle: loaded,
      dataDir: layout.root,
      ...(inputs.identity ? { identity: inputs.identity } : {}),
      generatedGrafanaPassword: grafanaPassword,
      ...(inputs.secrets.grafanaSecretKey ? { grafanaSecretKey: inputs.secrets.grafanaSecretKey } : {}),
    });
    files = await renderAppliance(context);
  } catch (error) {
    issues.push(...bundleIssues(error));
  }

  // What the bundle derives beyond its files is told against the key it comes from.
  const derived = <T>(path: string, work: () => T): T | undefined => {
    try {
      return work();
    } catch (error) {
      issues.push(...(error instanceof ConfigError ? error.issues : [{ file: bundle.mainFile, path, message: (error as Error).message }]));
      return undefined;
    }
  };
  const specs = derived('listen', () =>
    componentSpecs(componentSettingsFor({ config, processes: settings.processes, host: inputs.host, layout, grafanaAdmin: { user: config.grafana.adminUser, password: grafanaPassword } })),
  );
  const planned = planDiscovery(config, { region: settings.region, identity: inputs.identity });
  if ('lacking' in planned) {
    if (inputs.judgedFor === 'here') issues.push({ file: bundle.mainFile, path: 'discovery', message: planned.lacking });
    else notes.push('discovery needs a region where it runs: on ECS the task metadata gives the task\'s own; elsewhere set AWS_REGION or discovery.regions');
  }

  if (issues.length > 0 || !files || !specs) return { ok: false, issues, notes, files };
  return { ok: true, resolved: { loaded, layout, files, specs, discovery: 'plan' in planned ? planned.plan : undefined, amp: config.amp }, notes };
}

/** A ConfigError's issues; anything else is not the bundle's fault and goes on up. */
function bundleIssues(error: unknown): ConfigIssue[] {
  if (error instanceof ConfigError) return [...error.issues];
  throw error;
}
