import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { writeTree } from '../config/atomic-files.ts';
import { ConfigError } from '../config/errors.ts';
import { checkWithTools } from '../render/tool-checks.ts';
import { settingsFromEnvironment } from '../appliance/settings.ts';
import { readCommandLine } from './command-line.ts';
import { resolveElsewhere } from './resolve-elsewhere.ts';

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

  const scratch = await mkdtemp(join(tmpdir(), 'ecs-appliance-check-'));
  try {
    const settings = settingsFromEnvironment(process.env, { location: parsed.positionals[0] });
    const { bundle, resolution } = await resolveElsewhere(settings);
    const issues = resolution.ok ? [] : resolution.issues;
    const files = resolution.ok ? resolution.resolved.files : resolution.files;
    const skipTools = parsed.values['skip-tools'] === true;
    if (files && !skipTools) {
      // Rendered paths point into the data directory; the programs check a copy of the release here.
      const releaseDir = join(scratch, 'release');
      await writeTree(releaseDir, files);
      issues.push(...(await checkWithTools(releaseDir, files, settings.tools, bundle.mainFile)));
    }
    const notes = resolution.notes.map((note) => `note: ${note}\n`).join('');
    if (issues.length > 0) {
      process.stderr.write(`${new ConfigError(issues).message}\n${notes}`);
      return 1;
    }
    process.stdout.write(`${bundle.source}: valid (${files!.size} files rendered${skipTools ? ', promtool/amtool skipped' : ''})\n`);
    process.stdout.write(notes);
    return 0;
  } catch (error) {
    process.stderr.write(`${error instanceof ConfigError ? error.message : `ecs-appliance check: ${error instanceof Error ? error.message : String(error)}`}\n`);
    return 1;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
