import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { writeTree } from '../config/atomic-files.ts';
import { ConfigError } from '../config/errors.ts';
import { fetchBundleOnce } from '../config/fetch-once.ts';
import { prepareRelease } from '../render/pipeline.ts';
import { checkWithTools, toolPathsFromEnvironment } from '../render/tool-checks.ts';
import { discoveryPlanFor } from '../appliance/discovery-plan.ts';
import type { ApplianceConfig } from '../config/schema.ts';
import { readCommandLine } from './command-line.ts';

const USAGE = `usage: ecs-appliance check [LOCATION] [--skip-tools]

Validates a config bundle without running anything: YAML, \${ENV} references, the appliance.yml
schema, rendering, then promtool check config / check rules and amtool check-config.

  LOCATION      s3://bucket/key.yml, s3://bucket/prefix/, https://…, file://… or a path
                (default: CONFIG_LOCATION, else the built-in default bundle)
  --skip-tools  do not run promtool / amtool (PROMTOOL_BIN, AMTOOL_BIN; default /bin/promtool, /bin/amtool)

Exit status: 0 valid, 1 invalid or unreadable, 2 usage error.
`;

export async function main(argv: string[]): Promise<number> {
  const parsed = readCommandLine('check', USAGE, { args: argv, allowPositionals: true, options: { 'skip-tools': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
  if (typeof parsed === 'number') return parsed;
  if (parsed.positionals.length > 1) {
    process.stderr.write(`ecs-appliance check: expected at most one LOCATION\n\n${USAGE}`);
    return 2;
  }

  const env = process.env;
  const scratch = await mkdtemp(join(tmpdir(), 'ecs-appliance-check-'));
  try {
    const { bundle, builtin } = await fetchBundleOnce(parsed.positionals[0], env);
    // Paths only shape the rendered text; nothing is written under this data dir.
    const prepared = await prepareRelease({ bundle, builtin, env, dataDir: join(scratch, 'data'), generatedGrafanaPassword: randomBytes(18).toString('base64url') });
    if (!parsed.values['skip-tools']) {
      const releaseDir = join(scratch, 'release');
      await writeTree(releaseDir, prepared.files);
      const issues = await checkWithTools(releaseDir, prepared.files, toolPathsFromEnvironment(env), bundle.mainFile);
      if (issues.length > 0) throw new ConfigError(issues);
    }
    const notes = await runEnvironmentNotes(prepared.loaded.config, env, bundle.mainFile);
    process.stdout.write(`${bundle.source}: valid (${prepared.files.size} files rendered${parsed.values['skip-tools'] ? ', promtool/amtool skipped' : ''})\n`);
    for (const note of notes) process.stdout.write(`note: ${note}\n`);
    return 0;
  } catch (error) {
    process.stderr.write(`${error instanceof ConfigError ? error.message : `ecs-appliance check: ${error instanceof Error ? error.message : String(error)}`}\n`);
    return 1;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/**
 * What `run` derives from the bundle and its environment beyond rendering (discovery's scopes),
 * checked here too. What only the run environment can supply (a region, which on ECS the task
 * metadata gives) is a note naming what it must provide; anything else is a problem of the bundle.
 */
async function runEnvironmentNotes(config: ApplianceConfig, env: NodeJS.ProcessEnv, mainFile: string): Promise<string[]> {
  try {
    await discoveryPlanFor(config, env, undefined);
    return [];
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/no region/.test(message)) return [`discovery needs a region where it runs: on ECS the task metadata gives the task's own; elsewhere set AWS_REGION or discovery.regions`];
    throw new ConfigError([{ file: mainFile, path: 'discovery', message }]);
  }
}
