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
export async function checkWithTools(dir: string, files: RenderedFiles, tools: ToolPaths, mainFile = 'appliance.yml'): Promise<ConfigIssue[]> {
  const issues: ConfigIssue[] = [];
  // A verdict on a rendered file is told against the bundle key it came from.
  const traced = (rendered: string, found: ConfigIssue[]) => found.map((issue) => ({ ...issue, file: mainFile, path: bundleKeyFor(rendered, issue.message), message: `${issue.message}\n  (in the rendered ${rendered})` }));
  if (files.has(RENDERED_PATHS.prometheusConfig)) {
    issues.push(...traced(RENDERED_PATHS.prometheusConfig, await runCheck(tools.promtool, ['check', 'config', '--syntax-only', RENDERED_PATHS.prometheusConfig], dir, RENDERED_PATHS.prometheusConfig, 'PROMTOOL_BIN')));
    // One file at a time, so each verdict is told against the bundle's own rules/<name>, with promtool's line.
    const rules = [...files.keys()].filter((path) => path.startsWith(`${RENDERED_PATHS.prometheusRules}/`)).sort();
    for (const rule of rules) {
      const bundleFile = `rules/${rule.slice(RENDERED_PATHS.prometheusRules.length + 1)}`;
      for (const issue of await runCheck(tools.promtool, ['check', 'rules', rule], dir, bundleFile, 'PROMTOOL_BIN')) issues.push({ ...issue, ...positionIn(issue.message, rule) });
    }
  }
  if (files.has(RENDERED_PATHS.alertmanagerConfig)) {
    issues.push(...traced(RENDERED_PATHS.alertmanagerConfig, await runCheck(tools.amtool, ['check-config', RENDERED_PATHS.alertmanagerConfig], dir, RENDERED_PATHS.alertmanagerConfig, 'AMTOOL_BIN')));
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

/** Which part of appliance.yml a complaint about a rendered file points at, by what the tool names. */
const BUNDLE_KEYS: Array<[rendered: string, says: RegExp, key: string]> = [
  [RENDERED_PATHS.alertmanagerConfig, /receiver "[^"]*" used in route|\broute\b/, 'alertmanager.route'],
  [RENDERED_PATHS.alertmanagerConfig, /receiver|_configs?\b|notification config/, 'alertmanager.receivers'],
  [RENDERED_PATHS.alertmanagerConfig, /inhibit/, 'alertmanager.inhibitRules'],
  [RENDERED_PATHS.alertmanagerConfig, /time.interval/, 'alertmanager.timeIntervals'],
  [RENDERED_PATHS.alertmanagerConfig, /template/, 'alertmanager (templates in alertmanager/*.tmpl)'],
  [RENDERED_PATHS.alertmanagerConfig, /smtp|slack_api|pagerduty_url|opsgenie|global/, 'alertmanager.global'],
  [RENDERED_PATHS.prometheusConfig, /remote_write|queue_config/, 'amp (and prometheus.remoteWriteQueue)'],
  [RENDERED_PATHS.prometheusConfig, /external_labels/, 'prometheus.externalLabels'],
  [RENDERED_PATHS.prometheusConfig, /scrape|job_name|relabel|static_configs/, 'prometheus.extraScrapeConfigs'],
];

function bundleKeyFor(rendered: string, message: string): string {
  const found = BUNDLE_KEYS.find(([file, says]) => file === rendered && says.test(message));
  return found?.[2] ?? (rendered === RENDERED_PATHS.alertmanagerConfig ? 'alertmanager' : 'prometheus');
}

/** promtool names the place as "<file>: LINE:COL: …". */
function positionIn(message: string, file: string): { line?: number; column?: number } {
  const match = new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: (\\d+):(\\d+):`).exec(message);
  return match ? { line: Number(match[1]), column: Number(match[2]) } : {};
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
