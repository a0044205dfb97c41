import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import process from 'node:process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { PACKAGE_ROOT } from '../config/package-paths.ts';
import { parseDisabled, processEnvironment } from '../processes/settings.ts';
import { demoPrograms, describeVersions, isExecutable, versionsOf } from '../demo/binaries.ts';
import { demoEstate } from '../demo/estate.ts';
import { startDemoExporters } from '../demo/exporters.ts';
import { readCommandLine } from './command-line.ts';

const USAGE = `usage: ecs-appliance demo [--data-dir DIR] [--verbose] [--prometheus-port N ...]

Runs the whole appliance on this machine without Docker or AWS: a fake AWS (ECS and S3) serving
the demo world, tiny exporters for the demo tasks on 127.0.0.1:19100-19199, and 'ecs-appliance run'
with the demo bundle from the fake S3. Runs the Prometheus, Alertmanager and node-exporter versions
the image ships, built once from their Go modules (Debian's packages where no Go toolchain is; the
*_BIN variables when all are set). Ctrl-C stops everything.

  --data-dir DIR  appliance data (default .data/demo in the package)
  --verbose       print the appliance's JSON log here too (it always goes to DIR/appliance.log)

  --prometheus-port N, --alertmanager-port N, --grafana-port N, --node-exporter-port N, --admin-port N
                  where the appliance listens on 127.0.0.1 (defaults 9090, 9093, 3000, 9100, 9901)
`;

const DEMO_BUNDLE = join(PACKAGE_ROOT, 'supervisor', 'demo', 'bundle', 'appliance.yml');
const BUCKET = 'demo-config';

type DemoPort = 'prometheus' | 'alertmanager' | 'grafana' | 'nodeExporter' | 'admin';
const PORT_FLAGS: Array<[flag: string, key: DemoPort, fallback: number]> = [
  ['prometheus-port', 'prometheus', 9090],
  ['alertmanager-port', 'alertmanager', 9093],
  ['grafana-port', 'grafana', 3000],
  ['node-exporter-port', 'nodeExporter', 9100],
  ['admin-port', 'admin', 9901],
];
const READY_TIMEOUT_MS = 120_000;

export async function main(argv: string[]): Promise<number> {
  const parsed = readCommandLine('demo', USAGE, {
    args: argv,
    options: {
      'data-dir': { type: 'string' },
      verbose: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      ...Object.fromEntries(PORT_FLAGS.map(([flag]) => [flag, { type: 'string' as const }])),
    },
  });
  if (typeof parsed === 'number') return parsed;
  const { values } = parsed;
  const say = (line: string) => process.stdout.write(`demo: ${line}\n`);
  const env = process.env;
  const ports = {} as Record<DemoPort, number>;
  for (const [flag, key, fallback] of PORT_FLAGS) {
    const given = (values as Record<string, string | undefined>)[flag];
    const value = given === undefined ? fallback : Number(given);
    if (!Number.isInteger(value) || value < 1 || value > 65535) {
      process.stderr.write(`ecs-appliance demo: --${flag} must be a port number, got '${given}'\n`);
      return 2;
    }
    ports[key] = value;
  }
  const dataDir = values['data-dir'] ?? join(PACKAGE_ROOT, '.data', 'demo');
  const fakeAws = await loadFakeAws();
  if (!fakeAws) {
    process.stderr.write(
      'ecs-appliance demo: the demo needs the @ecs-appliance/fake-aws package (test/fake-aws), which only a checkout ' +
        'of the repository has, after `npm ci`; this installation (the image, for one) does not. ' +
        'Run `npm ci && npm run demo` in a checkout.\n',
    );
    return 1;
  }

  const { binaries: configured } = processEnvironment({ ...env, APPLIANCE_DATA_DIR: dataDir });
  let programs;
  try {
    programs = await demoPrograms(env, say);
  } catch (error) {
    process.stderr.write(`ecs-appliance demo: ${(error as Error).message}\n`);
    return 1;
  }
  const binaries = { ...configured, ...programs.binaries };
  const versions = describeVersions(await versionsOf(binaries));
  say(`running ${versions}, from ${programs.origin}`);
  const disabled = parseDisabled(env.APPLIANCE_DISABLE ?? '');
  const grafanaFound = await isExecutable(binaries.grafana);
  if (!grafanaFound) disabled.add('grafana');

  const demoWorld = fileURLToPath(import.meta.resolve('@ecs-appliance/fake-aws/worlds/demo.json'));
  const world = fakeAws.parseWorld(JSON.parse(await readFile(demoWorld, 'utf8')), demoWorld);
  const aws = await fakeAws.startFakeAws({ world });
  aws.s3.createBucket(BUCKET);
  aws.s3.putObject(BUCKET, 'appliance.yml', await readFile(DEMO_BUNDLE));
  const { endpoints } = demoEstate(world);
  let exporters;
  try {
    exporters = await startDemoExporters(endpoints);
  } catch (error) {
    await aws.stop();
    process.stderr.write(`ecs-appliance demo: ${(error as Error).message}\n`);
    return 1;
  }
  const kinds = [...new Set(endpoints.map((e) => e.kind))].join(', ');
  say(`fake AWS (ECS, S3) at ${aws.url}; ${endpoints.length} demo exporters (${kinds}) on 127.0.0.1:${endpoints.map((e) => e.port).join(',')}`);

  await mkdir(dataDir, { recursive: true });
  const logFile = join(dataDir, 'appliance.log');
  const log = createWriteStream(logFile, { flags: 'a' });
  // Same Node and loader as this process, so it works from source (tsx) and from dist/.
  const cli = fileURLToPath(new URL(`../cli${extname(fileURLToPath(import.meta.url))}`, import.meta.url));
  const child = spawn(process.execPath, [...process.execArgv, cli, 'run'], {
    env: {
      ...env,
      ...aws.env,
      CONFIG_LOCATION: `s3://${BUCKET}/appliance.yml`,
      CONFIG_POLL_INTERVAL: env.CONFIG_POLL_INTERVAL || '10s',
      APPLIANCE_DATA_DIR: dataDir,
      APPLIANCE_ADMIN_ADDR: `127.0.0.1:${ports.admin}`,
      APPLIANCE_DISABLE: [...disabled].join(','),
      // Read by the demo bundle's listen section.
      DEMO_PROMETHEUS_PORT: String(ports.prometheus),
      DEMO_ALERTMANAGER_PORT: String(ports.alertmanager),
      DEMO_GRAFANA_PORT: String(ports.grafana),
      DEMO_NODE_EXPORTER_PORT: String(ports.nodeExporter),
      DEMO_ADMIN_PORT: String(ports.admin),
      PROMETHEUS_BIN: binaries.prometheus,
      PROMTOOL_BIN: binaries.promtool,
      ALERTMANAGER_BIN: binaries.alertmanager,
      AMTOOL_BIN: binaries.amtool,
      NODE_EXPORTER_BIN: binaries.nodeExporter,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: Ctrl-C reaches only this launcher, which asks `run` to stop, and `run`
    // stops the components in its safe order instead of each catching SIGINT at once.
    detached: true,
  });
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on('line', (line) => {
      log.write(`${line}\n`);
      // Children's own output (with "stream") stays in the log file unless --verbose: node-exporter alone is chatty.
      if (values.verbose || (/"level":"(error|fatal)"/.test(line) && !line.includes('"stream":'))) process.stderr.write(`${line}\n`);
    });
  }
  const exited = new Promise<number>((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))));

  let stopping = false;
  const onSignal = () => {
    if (stopping) return;
    stopping = true;
    say('stopping (Grafana, Alertmanager, node-exporter, Prometheus, then the fake AWS)…');
    child.kill('SIGTERM');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.once('exit', () => child.exitCode === null && child.kill('SIGKILL'));

  const admin = `http://127.0.0.1:${ports.admin}`;
  void waitReady(admin, exited).then((ready) => {
    if (stopping) return;
    if (!ready) {
      say(`not ready after ${READY_TIMEOUT_MS / 1000} s; see ${admin}/status and ${logFile}`);
      return;
    }
    process.stdout.write(banner({ ports, admin, logFile, dataDir, versions, grafana: grafanaFound ? undefined : binaries.grafana }));
  });

  const code = await exited;
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  await exporters.close();
  await aws.stop();
  await new Promise<void>((resolve) => log.end(resolve));
  say(code === 0 ? 'stopped cleanly' : `the appliance exited with code ${code}; its log is ${logFile}`);
  return code;
}

/**
 * The fake AWS is a development package: a checkout has it after `npm ci`, the image does not.
 * Loaded here only, so no other command loads test tooling.
 */
async function loadFakeAws(): Promise<typeof import('@ecs-appliance/fake-aws') | undefined> {
  try {
    import.meta.resolve('@ecs-appliance/fake-aws');
  } catch {
    return undefined;
  }
  return import('@ecs-appliance/fake-aws');
}

async function waitReady(admin: string, exited: Promise<number>): Promise<boolean> {
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!gone && Date.now() < deadline) {
    try {
      const response = await fetch(`${admin}/readyz`, { signal: AbortSignal.timeout(2_000) });
      await response.body?.cancel();
      if (response.ok) return true;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return false;
}

function banner(input: { ports: Record<DemoPort, number>; admin: string; logFile: string; dataDir: string; versions: string; grafana: string | undefined }): string {
  const { ports, admin } = input;
  const grafana = input.grafana
    ? `  Grafana            disabled: no grafana binary at ${input.grafana} (set GRAFANA_BIN to use one)`
    : `  Grafana            http://127.0.0.1:${ports.grafana}/  (anonymous viewer; admin password in ${join(input.dataDir, 'grafana', 'generated-admin-password')})`;
  return [
    '',
    `ECS appliance demo is running ${input.versions}. Where to look:`,
    `  Prometheus UI      http://127.0.0.1:${ports.prometheus}/`,
    `  Targets            http://127.0.0.1:${ports.prometheus}/targets  (discovered from the fake ECS clusters demo-fargate and demo-ec2)`,
    `  Alertmanager       http://127.0.0.1:${ports.alertmanager}/`,
    grafana,
    `  Appliance status   ${admin}/status   (also ${admin}/metrics, /healthz, /readyz)`,
    `  Why (not) scraped  ${admin}/discovery   (every task and container and what became of it, searchable)`,
    `  node-exporter      http://127.0.0.1:${ports.nodeExporter}/metrics`,
    `  Log                ${input.logFile}`,
    'Press Ctrl-C to stop everything.',
    '',
  ].join('\n');
}
