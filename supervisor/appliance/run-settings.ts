import type { Environment } from '../config/env-substitution.ts';
import { allowHttpFromEnvironment } from '../config/fetch-once.ts';
import { parseConfigLocation, type ConfigLocation } from '../config/location.ts';
import { DEFAULT_BUNDLE_DIR } from '../config/package-paths.ts';
import { parseDuration } from '../duration.ts';
import { processEnvironment, type ProcessEnvironment } from '../processes/settings.ts';
import { toolPathsFromEnvironment, type ToolPaths } from '../render/tool-checks.ts';

/** What `run` takes from its environment; the bundle decides everything else. */
export interface RunSettings {
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
}

export const defaultPollIntervalMs = 60_000;
export const defaultStopBudgetMs = 25_000;

/** Reads the environment; throws naming the variable that is wrong. */
export function runSettingsFromEnvironment(env: NodeJS.ProcessEnv): RunSettings {
  const allowHttp = allowHttpFromEnvironment(env);
  return {
    location: parseConfigLocation(env.CONFIG_LOCATION, { allowHttp, defaultBundlePath: DEFAULT_BUNDLE_DIR }),
    allowHttp,
    pollIntervalMs: durationVariable(env, 'CONFIG_POLL_INTERVAL', defaultPollIntervalMs),
    adminAddress: env.APPLIANCE_ADMIN_ADDR?.trim() || undefined,
    stopBudgetMs: durationVariable(env, 'APPLIANCE_STOP_BUDGET', defaultStopBudgetMs),
    processes: processEnvironment(env),
    tools: toolPathsFromEnvironment(env as Environment),
  };
}

function durationVariable(env: NodeJS.ProcessEnv, name: string, fallbackMs: number): number {
  const value = env[name]?.trim();
  if (!value) return fallbackMs;
  const ms = parseDuration(value);
  if (ms === undefined || ms <= 0) throw new Error(`${name} must be a duration such as 30s or 2m, got '${value}'`);
  return ms;
}
