import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { contentVersion, type Bundle } from '../../supervisor/config/bundle.ts';
import { resolveBundle, type ResolvedBundle } from '../../supervisor/appliance/resolve-bundle.ts';
import { settingsFromEnvironment } from '../../supervisor/appliance/settings.ts';
import { ConfigError } from '../../supervisor/config/errors.ts';
import type { TaskIdentity } from '../../supervisor/identity/task-metadata.ts';
import type { ToolPaths } from '../../supervisor/render/tool-checks.ts';
import { PROGRAMS } from '../programs.ts';

/** The appliance's own task, as the task metadata endpoint describes it. */
export const APPLIANCE_IDENTITY: TaskIdentity = {
  cluster: 'arn:aws:ecs:eu-west-1:123456789012:cluster/monitoring',
  clusterName: 'monitoring',
  clusterArn: 'arn:aws:ecs:eu-west-1:123456789012:cluster/monitoring',
  taskArn: 'arn:aws:ecs:eu-west-1:123456789012:task/monitoring/0123456789abcdef',
  taskId: '0123456789abcdef',
  family: 'ecs-appliance',
  revision: '7',
  region: 'eu-west-1',
  accountId: '123456789012',
  availabilityZone: 'eu-west-1a',
  launchType: 'FARGATE',
};

/** promtool and amtool of the versions the image ships. */
export const TOOLS: ToolPaths = { promtool: PROGRAMS.promtool, amtool: PROGRAMS.amtool };

/**
 * What `render` would write for a bundle, through the one resolve function `run` and `check` use;
 * throws the bundle's problems as a ConfigError.
 */
export async function resolveRelease(
  bundle: Bundle,
  builtin: Bundle,
  options: { env?: Record<string, string>; identity?: TaskIdentity; grafanaSecretKey?: string; dataDir?: string } = {},
): Promise<ResolvedBundle> {
  const resolution = await resolveBundle({
    bundle,
    builtin,
    settings: settingsFromEnvironment({ ...options.env, APPLIANCE_DATA_DIR: options.dataDir ?? '/var/lib/ecs-appliance' }),
    identity: options.identity,
    host: { versions: {}, memoryLimitBytes: undefined },
    secrets: { generatedGrafanaPassword: async () => 'generated-password', grafanaSecretKey: options.grafanaSecretKey },
    judgedFor: 'elsewhere',
  });
  if (!resolution.ok) throw new ConfigError(resolution.issues);
  return resolution.resolved;
}

/** A folder bundle from file contents, as a source would return it. */
export function folderBundle(files: Record<string, string>, source = 'test bundle'): Bundle {
  const map = new Map(Object.entries(files).map(([path, text]) => [path, Buffer.from(text)]));
  return { kind: 'folder', mainFile: 'appliance.yml', files: map, version: contentVersion(map), source };
}

export async function writeFiles(dir: string, files: ReadonlyMap<string, string> | Record<string, string>): Promise<void> {
  for (const [path, text] of files instanceof Map ? files : Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
}

export function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** Runs a real tool in `cwd` and returns its exit code and combined output. */
export async function run(binary: string, args: string[], cwd: string): Promise<{ code: number; output: string }> {
  const result = await execa(binary, args, { cwd, reject: false, all: true, timeout: 30_000 });
  return { code: result.exitCode ?? -1, output: result.all ?? '' };
}

/**
 * Reads an INI file the way Grafana's go-ini does for the forms the templates write: backtick
 * values verbatim up to the last backtick, other values trimmed with inline comments removed.
 */
export function parseGrafanaIni(text: string): Record<string, Record<string, string>> {
  const sections: Record<string, Record<string, string>> = { DEFAULT: {} };
  let current = sections.DEFAULT!;
  for (const raw of text.split('\n')) {
    const line = raw.trimStart();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    if (line.startsWith('[')) {
      const name = line.slice(1, line.lastIndexOf(']'));
      current = sections[name] ??= {};
      continue;
    }
    const equals = line.indexOf('=');
    if (equals < 0) throw new Error(`INI line without '=': ${raw}`);
    const key = line.slice(0, equals).trim();
    let value = line.slice(equals + 1).trimStart();
    if (value.startsWith('`')) value = value.slice(1, value.lastIndexOf('`'));
    else value = value.replace(/[#;].*$/, '').trim();
    current[key] = value;
  }
  return sections;
}
