import type { LoadedBundle } from '../config/load-bundle.ts';
import { dataDirLayout, type DataDirLayout } from './data-dir.ts';

/** Who this appliance is, from the ECS task metadata endpoint; absent when not running on ECS. */
export interface ApplianceIdentity {
  /** ECS cluster name of the appliance's own task. */
  cluster?: string;
  taskArn?: string;
  availabilityZone?: string;
}

/** Everything rendering needs; the supervisor fills it at run time, `check`/`render` with stand-ins. */
export interface RenderContext {
  bundle: LoadedBundle;
  paths: DataDirLayout;
  identity: ApplianceIdentity;
  /**
   * The Grafana admin password: the bundle's `grafana.adminPassword` when set, otherwise one the
   * supervisor generated (and must keep across restarts, since Grafana only applies it to a new database).
   */
  grafanaAdminPassword: string;
}

export function createRenderContext(input: { bundle: LoadedBundle; dataDir: string; identity?: ApplianceIdentity; generatedGrafanaPassword?: string }): RenderContext {
  const password = input.bundle.config.grafana.adminPassword ?? input.generatedGrafanaPassword;
  if (!password) throw new Error('grafana.adminPassword is not set and no generated password was given');
  return { bundle: input.bundle, paths: dataDirLayout(input.dataDir), identity: input.identity ?? {}, grafanaAdminPassword: password };
}
