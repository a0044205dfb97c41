import { access } from 'node:fs/promises';
import { execa } from 'execa';
import type { ConfigIssue } from '../config/errors.ts';
import type { Environment } from '../config/env-substitution.ts';
import { RENDERED_PATHS } from './data-dir.ts';
import type { RenderedFiles } from './render.ts';

export interface ToolPaths {
  promtool: string;
  amtool: string;
}

/** `PROMTOOL_BIN` / `AMTOOL_BIN`, defaulting to where the image puts them. */
export function toolPathsFromEnvironment(env: Environment): ToolPaths {
  return { promtool: env.PROMTOOL_BIN || '/bin/promtool', amtool: env.AMTOOL_BIN || '/bin/amtool' };
}

/**
 * Runs the programs' own validators over a rendered release in `dir`: `promtool check config`
 * (syntax only: target files may not exist yet), `promtool check rules` on every rule file, and
 * `amtool check-config` (which also parses the notification templates). Returns their complaints.
 */
export async function checkWithTools(dir: string, files: RenderedFiles, tools: ToolPaths): Promise<ConfigIssue[]> {
  const issues: ConfigIssue[] = [];
  if (files.has(RENDERED_PATHS.prometheusConfig)) {
    issues.push(...(await runCheck(tools.promtool, ['check', 'config', '--syntax-only', RENDERED_PATHS.prometheusConfig], dir, RENDERED_PATHS.prometheusConfig, 'PROMTOOL_BIN')));
    const rules = [...files.keys()].filter((path) => path.startsWith(`${RENDERED_PATHS.prometheusRules}/`)).sort();
    if (rules.length > 0) issues.push(...(await runCheck(tools.promtool, ['check', 'rules', ...rules], dir, RENDERED_PATHS.prometheusRules, 'PROMTOOL_BIN')));
  }
  if (files.has(RENDERED_PATHS.alertmanagerConfig)) {
    issues.push(...(await runCheck(tools.amtool, ['check-config', RENDERED_PATHS.alertmanagerConfig], dir, RENDERED_PATHS.alertmanagerConfig, 'AMTOOL_BIN')));
  }
  return issues;
}

async function runCheck(binary: string, args: string[], cwd: string, file: string, envName: string): Promise<ConfigIssue[]> {
  const name = binary.slice(binary.lastIndexOf('/') + 1);
  try {
    await access(binary);
  } catch {
    return [{ file, message: `cannot run ${name}: ${binary} does not exist (set ${envName})` }];
  }
  const result = await execa(binary, args, { cwd, reject: false, all: true, timeout: 60_000, env: { NO_COLOR: '1' } });
  if (result.exitCode === 0 && !result.timedOut) return [];
  if (result.timedOut) return [{ file, message: `${name} ${args.slice(0, 2).join(' ')} did not finish within 60 s` }];
  return [{ file, message: `${name} ${args[0] === 'check' ? `check ${args[1]}` : args[0]} failed:\n${summarise(result.all ?? '')}` }];
}

/** Keeps what explains the failure; drops progress lines ("Checking …", "SUCCESS"), which amtool shares with its verdict. */
function summarise(output: string): string {
  const lines = output
    .split('\n')
    .map((line) => line.trim())
    .map((line) => (/^Checking\b/.test(line) && line.includes('FAILED') ? line.slice(line.indexOf('FAILED')) : line))
    .filter((line) => line !== '' && !/^(Checking\b|SUCCESS\b|Found:|- )/.test(line));
  return lines.map((line) => `  ${line}`).join('\n') || '  (no output)';
}
