import type { Bundle } from '../config/bundle.ts';
import { readSymlink, replaceSymlink } from '../config/atomic-files.ts';
import { ConfigError, type ConfigIssue } from '../config/errors.ts';
import { loadBundle, type LoadedBundle } from '../config/load-bundle.ts';
import type { TaskIdentity } from '../identity/task-metadata.ts';
import type { ComponentSpec } from '../processes/component.ts';
import type { HostFacts } from '../processes/host-facts.ts';
import type { ProcessEnvironment } from '../processes/settings.ts';
import { componentSpecs } from '../processes/specs.ts';
import type { AmpSettings } from '../proxy/amp-target.ts';
import type { DataDirLayout } from '../render/data-dir.ts';
import { componentSettingsFor } from './component-settings.ts';
import { discoveryPlanFor, type DiscoveryPlan } from './discovery-plan.ts';

/** What a bundle asks for, worked out before anything is rendered or touched. */
export interface BundlePlan {
  loaded: LoadedBundle;
  specs: ComponentSpec[];
  discovery: DiscoveryPlan | undefined;
  amp: AmpSettings | undefined;
  /** Passed to rendering when the bundle sets no grafana.adminPassword. */
  generatedGrafanaPassword: string | undefined;
}

export interface PlanInputs {
  builtin: Bundle;
  env: NodeJS.ProcessEnv;
  identity: TaskIdentity | undefined;
  processes: ProcessEnvironment;
  host: HostFacts;
  layout: DataDirLayout;
  /** The kept generated Grafana password; only asked for when the bundle sets none. */
  generatedGrafanaPassword: () => Promise<string>;
}

/**
 * The checks that need no promtool/amtool: schema, ${ENV}, rule and dashboard files, then the
 * settings derived from them (process argv, discovery scopes). Throws ConfigError naming the
 * bundle file, so a bundle that would fail here is refused before anything is published.
 */
export async function planBundle(bundle: Bundle, inputs: PlanInputs): Promise<BundlePlan> {
  const loaded = loadBundle(bundle, { env: inputs.env, builtin: inputs.builtin });
  const { config } = loaded;
  const generated = config.grafana.adminPassword === undefined ? await inputs.generatedGrafanaPassword() : undefined;
  const derived = async (path: string, work: () => void | Promise<void>) => {
    try {
      await work();
    } catch (error) {
      if (error instanceof ConfigError) throw error;
      throw new ConfigError([{ file: bundle.mainFile, path, message: error instanceof Error ? error.message : String(error) }]);
    }
  };
  let specs: ComponentSpec[] = [];
  await derived('listen', () => {
    specs = componentSpecs(
      componentSettingsFor({
        config,
        processes: inputs.processes,
        host: inputs.host,
        layout: inputs.layout,
        grafanaAdmin: { user: config.grafana.adminUser, password: config.grafana.adminPassword ?? generated! },
      }),
    );
  });
  let discovery: DiscoveryPlan | undefined;
  await derived('discovery', async () => {
    discovery = await discoveryPlanFor(config, inputs.env, inputs.identity);
  });
  return { loaded, specs, discovery, amp: config.amp, generatedGrafanaPassword: generated };
}

/**
 * Points `config/current` back at the release before it, after a component refused the new one
 * at reload (a check promtool/amtool cannot make). Returns false when there is no earlier release.
 */
export async function rollBackRelease(layout: DataDirLayout): Promise<boolean> {
  const previous = await readSymlink(layout.configPrevious);
  if (!previous) return false;
  await replaceSymlink(layout.configCurrent, previous);
  return true;
}

/** An error as /status and the log show it: the message, plus each bundle problem when it is a ConfigError. */
export interface ApplyError {
  message: string;
  issues: ConfigIssue[];
}

export function describeApplyError(error: unknown): ApplyError {
  if (error instanceof ConfigError) return { message: 'the config bundle was refused', issues: [...error.issues] };
  return { message: error instanceof Error ? error.message : String(error), issues: [] };
}
