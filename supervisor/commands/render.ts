import process from 'node:process';
import { writeTree } from '../config/atomic-files.ts';
import { ConfigError } from '../config/errors.ts';
import { defaultDataDir } from '../processes/settings.ts';
import { readCommandLine } from './command-line.ts';
import { resolveElsewhere } from './resolve-elsewhere.ts';
import { settingsFromEnvironment } from '../appliance/settings.ts';

const USAGE = `usage: ecs-appliance render [LOCATION] --out DIR [--data-dir DIR]

Writes the files the appliance would apply for a config bundle (prometheus/, alertmanager/,
grafana/) into DIR, without running or checking anything else (see 'ecs-appliance check').

  LOCATION        as for 'check' (default: CONFIG_LOCATION, else the built-in default bundle)
  --out DIR       where to write (created if missing; files of the same name are replaced)
  --data-dir DIR  data directory the paths in the files refer to (default: APPLIANCE_DATA_DIR or ${defaultDataDir})
`;

export async function main(argv: string[]): Promise<number> {
  const parsed = readCommandLine('render', USAGE, {
    args: argv,
    allowPositionals: true,
    options: { out: { type: 'string' }, 'data-dir': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (typeof parsed === 'number') return parsed;
  const out = parsed.values.out;
  if (!out || parsed.positionals.length > 1) {
    process.stderr.write(`ecs-appliance render: ${out ? 'expected at most one LOCATION' : '--out DIR is required'}\n\n${USAGE}`);
    return 2;
  }

  try {
    const settings = settingsFromEnvironment(process.env, { location: parsed.positionals[0], dataDir: parsed.values['data-dir'] });
    const { resolution } = await resolveElsewhere(settings);
    if (!resolution.ok) throw new ConfigError(resolution.issues);
    for (const note of resolution.notes) process.stderr.write(`note: ${note}\n`);
    const { files, loaded } = resolution.resolved;
    await writeTree(out, files);
    for (const path of [...files.keys()].sort()) process.stdout.write(`${path}\n`);
    if (!loaded.config.grafana.adminPassword && loaded.config.components.grafana) {
      process.stderr.write('note: grafana.adminPassword is not set; grafana.ini holds a random password generated for this render only\n');
    }
    return 0;
  } catch (error) {
    process.stderr.write(`${error instanceof ConfigError ? error.message : `ecs-appliance render: ${error instanceof Error ? error.message : String(error)}`}\n`);
    return 1;
  }
}
