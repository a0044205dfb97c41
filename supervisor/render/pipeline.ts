import type { Bundle } from '../config/bundle.ts';
import type { Environment } from '../config/env-substitution.ts';
import { loadBundle, type LoadedBundle } from '../config/load-bundle.ts';
import type { TaskIdentity } from '../identity/task-metadata.ts';
import { createRenderContext, type RenderContext } from './context.ts';
import { publishRelease, type PublishResult } from './publish.ts';
import { renderAppliance, type RenderedFiles } from './render.ts';
import { checkWithTools, type ToolPaths } from './tool-checks.ts';

export interface PrepareOptions {
  bundle: Bundle;
  /** The default bundle (built-in rules and dashboards). */
  builtin: Bundle;
  env: Environment;
  dataDir: string;
  identity?: TaskIdentity;
  /** Used when the bundle sets no grafana.adminPassword. */
  generatedGrafanaPassword?: string;
  grafanaSecretKey?: string;
  templatesDir?: string;
}

export interface PreparedRelease {
  loaded: LoadedBundle;
  context: RenderContext;
  files: RenderedFiles;
}

/** Bundle → validated config → rendered files. Throws ConfigError listing every problem. */
export async function prepareRelease(options: PrepareOptions): Promise<PreparedRelease> {
  const loaded = loadBundle(options.bundle, { env: options.env, builtin: options.builtin });
  const context = createRenderContext({
    bundle: loaded,
    dataDir: options.dataDir,
    ...(options.identity ? { identity: options.identity } : {}),
    ...(options.generatedGrafanaPassword ? { generatedGrafanaPassword: options.generatedGrafanaPassword } : {}),
    ...(options.grafanaSecretKey ? { grafanaSecretKey: options.grafanaSecretKey } : {}),
  });
  const files = await renderAppliance(context, options.templatesDir ? { templatesDir: options.templatesDir } : {});
  return { loaded, context, files };
}

/**
 * The whole path from a fetched bundle to `config/current`: load, render, stage, promtool/amtool,
 * swap. Throws ConfigError (nothing published) when anything is invalid; `publish.changed` says
 * whether the components need a reload.
 */
export async function applyBundle(options: PrepareOptions & { tools: ToolPaths }): Promise<PreparedRelease & { publish: PublishResult }> {
  const prepared = await prepareRelease(options);
  const publish = await publishRelease(prepared.context.paths, prepared.files, (dir, files) => checkWithTools(dir, files, options.tools, options.bundle.mainFile));
  return { ...prepared, publish };
}
