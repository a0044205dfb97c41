import { resolve } from 'node:path';
import type { Environment } from '../config/env-substitution.ts';
import { allowHttpFromEnvironment } from '../config/fetch-once.ts';
import { parseConfigLocation, type ConfigLocation } from '../config/location.ts';
import { DEFAULT_BUNDLE_DIR } from '../config/package-paths.ts';
import { discoveryOverridesFromEnvironment, type DiscoveryOverrides } from '../discovery/overrides.ts';
import { parseDuration } from '../duration.ts';
import { processEnvironment, type ProcessEnvironment } from '../processes/settings.ts';
import { toolPathsFromEnvironment, type ToolPaths } from '../render/tool-checks.ts';

/**
 * Everything the appliance takes from its environment, read once at the edge by each command;
 * the bundle decides everything else.
 */
export interface ApplianceSettings {
  location: ConfigLocation;
  allowHttp: boolean;
  /** Time between polls of the config source (CONFIG_POLL_INTERVAL, default 60 s). */
  pollIntervalMs: number;
  /** APPLIANCE_ADMIN_ADDR; unset, the admin endpoint follows the bundle's listen.adminHost and listen.admin. */
  adminAddress: string | undefined;
  /** Time SIGTERM/SIGINT gives the whole shutdown (APPLIANCE_STOP_BUDGET, default 25 s: under ECS's 30 s stopTimeout). */
  stopBudgetMs: number;
  processes: ProcessEnvironment;
  tools: ToolPaths;
  /** What `${VAR}` in a bundle resolves to: the environment as given. */
  variables: Environment;
  /** DISCOVERY_*, set over the bundle's `discovery:` section. */
  discoveryOverrides: DiscoveryOverrides;
  /** ECS_CONTAINER_METADATA_URI_V4: where ECS answers who this task is; unset off ECS. */
  taskMetadataUri: string | undefined;
  /** AWS_REGION (or AWS_DEFAULT_REGION): discovery's region when the bundle names none; on ECS the task's own otherwise. */
  region: string | undefined;
}

export const defaultPollIntervalMs = 60_000;
export const defaultStopBudgetMs = 25_000;

/**
 * Reads the environment; throws naming the variable that is wrong. A one-shot command's LOCATION
 * argument stands in for CONFIG_LOCATION, and `render --data-dir` for APPLIANCE_DATA_DIR.
 */
export function settingsFromEnvironment(env: NodeJS.ProcessEnv, given: { location?: string | undefined; dataDir?: string | undefined } = {}): ApplianceSettings {
  const variables = env as Environment;
  const allowHttp = allowHttpFromEnvironment(variables);
  return {
    location: parseConfigLocation(given.location ?? env.CONFIG_LOCATION, { allowHttp, defaultBundlePath: DEFAULT_BUNDLE_DIR }),
    allowHttp,
    pollIntervalMs: durationVariable(env, 'CONFIG_POLL_INTERVAL', defaultPollIntervalMs),
    adminAddress: env.APPLIANCE_ADMIN_ADDR?.trim() || undefined,
    stopBudgetMs: durationVariable(env, 'APPLIANCE_STOP_BUDGET', defaultStopBudgetMs),
    processes: processEnvironment(given.dataDir ? { ...env, APPLIANCE_DATA_DIR: resolve(given.dataDir) } : env),
    tools: toolPathsFromEnvironment(variables),
    variables,
    discoveryOverrides: discoveryOverridesFromEnvironment(env),
    taskMetadataUri: env.ECS_CONTAINER_METADATA_URI_V4?.trim() || undefined,
    region: env.AWS_REGION?.trim() || env.AWS_DEFAULT_REGION?.trim() || undefined,
  };
}

function durationVariable(env: NodeJS.ProcessEnv, name: string, fallbackMs: number): number {
  const value = env[name]?.trim();
  if (!value) return fallbackMs;
  const ms = parseDuration(value);
  if (ms === undefined || ms <= 0) throw new Error(`${name} must be a duration such as 30s or 2m, got '${value}'`);
  return ms;
}
