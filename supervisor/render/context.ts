import type { LoadedBundle } from '../config/load-bundle.ts';
import type { TaskIdentity } from '../identity/task-metadata.ts';
import { dataDirLayout, type DataDirLayout } from './data-dir.ts';

/** Everything rendering needs; the supervisor fills it at run time, `check`/`render` with stand-ins. */
export interface RenderContext {
  bundle: LoadedBundle;
  paths: DataDirLayout;
  /** From the ECS task metadata endpoint; undefined when not running on ECS (or `check`/`render`). */
  identity: TaskIdentity | undefined;
  /**
   * The Grafana admin password: the bundle's `grafana.adminPassword` when set, otherwise one the
   * supervisor generated (and must keep across restarts, since Grafana only applies it to a new database).
   */
  grafanaAdminPassword: string;
  /**
   * Grafana's secret_key, which encrypts the secrets it stores; `run` keeps one in the data
   * directory. `check` and `render` give none, and the file leaves the line out.
   */
  grafanaSecretKey: string | undefined;
}

export function createRenderContext(input: { bundle: LoadedBundle; dataDir: string; identity?: TaskIdentity; generatedGrafanaPassword?: string; grafanaSecretKey?: string }): RenderContext {
  const password = input.bundle.config.grafana.adminPassword ?? input.generatedGrafanaPassword;
  if (!password) throw new Error('grafana.adminPassword is not set and no generated password was given');
  return {
    bundle: input.bundle,
    paths: dataDirLayout(input.dataDir),
    identity: input.identity,
    grafanaAdminPassword: password,
    grafanaSecretKey: input.grafanaSecretKey,
  };
}
