/**
 * `npm run bench:exporters`: what the built-in resource exporters (cAdvisor, node-exporter,
 * ecs_exporter; supervisor/discovery/optin/builtin-exporters.ts) cost. A generated world of ~500
 * tasks is served by the fake AWS, and every port its tasks listen on by a loopback exporter that
 * serves the demo's series generators' output for that world (application containers a small fixed
 * app exporter). The compiled `ecs-appliance run` with the shipped Prometheus family runs on it twice,
 * with `discovery.builtinExporters` all on and all off, everything else the same. After a few 5 s
 * scrapes, each run reports Prometheus's head series (in total and by job), Prometheus's and the
 * supervisor's RSS and the size of the appliance's own /metrics; then the series added per
 * application container and per exporter kind, and the on/off ratios. The last line is one JSON object.
 */
import { createServer, type Server } from 'node:http';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { startFakeAws } from '../test/fake-aws/index.ts';
import type { ClusterSpec, ContainerDefinitionSpec, TaskDefinitionSpec, TaskSpec, WorldSpec } from '../test/fake-aws/world.ts';
import { demoEstate, exporterKindOf, type DemoEndpoint, type ExporterKind } from '../supervisor/demo/estate.ts';
import { closeAll, endpointMetrics } from '../supervisor/demo/exporters.ts';
import { describeVersions, versionsOf } from '../supervisor/demo/binaries.ts';
import { shippedPrograms, type PrometheusFamily } from '../supervisor/demo/shipped-programs.ts';
import { APPLIANCE_OPTIONS, appliancePorts, buildDist, listenSection, rssMb, spawnAppliance, until, type AppliancePorts } from './appliance-process.ts';

const { values } = parseArgs({
  options: {
    /** EC2 container instances; each runs the cAdvisor and node-exporter DAEMONs. */
    instances: { type: 'string', default: '25' },
    /** Application tasks (bridge) per container instance. */
    'tasks-per-instance': { type: 'string', default: '10' },
    /** Fargate (awsvpc) application tasks, each with an ecs_exporter sidecar. */
    'fargate-tasks': { type: 'string', default: '200' },
    /** Scrapes of every target before the series are counted. */
    scrapes: { type: 'string', default: '4' },
    /** Seconds over which RSS is sampled once the series have settled. */
    'hold-seconds': { type: 'string', default: '20' },
    /** The EC2 side's host ports start here: below Linux's ephemeral range, so no outgoing connection holds one. */
    'port-base': { type: 'string', default: '20000' },
    ...APPLIANCE_OPTIONS,
  },
});
const say = (line: string) => process.stdout.write(`${line}\n`);

const SCRAPE_SECONDS = 5;

// ---------------------------------------------------------------------------------------------
// The world

/** One address a container of the world is scraped on, and what kind of exporter answers there. */
interface Listener {
  host: string;
  port: number;
  taskId: string;
  kind: ExporterKind;
}

/**
 * One EC2 cluster of container instances, each running cAdvisor and node-exporter as DAEMON
 * services (bridge, their fixed ports mapped to host ports as ECS would with a static hostPort) and
 * a few bridge application tasks; one Fargate cluster of awsvpc tasks, each with an ecs_exporter
 * sidecar. Every application task has three containers: the application (opted in by docker
 * labels), an envoy proxy and a log router (neither scraped; the resource exporters still see them).
 *
 * Every container instance's address is 127.0.0.1, so the EC2 side's host ports are all distinct.
 * An awsvpc task is scraped on its own address at the container's port, and ecs_exporter always
 * listens on 9779, so each Fargate task gets its own loopback address (127.2.x.y: the kernel
 * routes all of 127.0.0.0/8 to lo, and nothing leaves the machine).
 */
function benchWorld(shape: { instances: number; tasksPerInstance: number; fargateTasks: number; portBase: number }) {
  const listeners: Listener[] = [];
  let nextPort = shape.portBase;
  const container = (name: string, image: string, more: Partial<ContainerDefinitionSpec> = {}): ContainerDefinitionSpec => ({ name, image, ...more });
  const sidecars = [
    container('envoy', 'envoyproxy/envoy:v1.27', { memory: 128, cpu: 64 }),
    container('log-router', 'public.ecr.aws/aws-observability/aws-for-fluent-bit:2.32', { memory: 64 }),
  ];
  const app = (family: string, memory?: number) =>
    container('app', `example/${family}:1`, { portMappings: [{ containerPort: 8080 }], dockerLabels: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '8080' }, cpu: 256, ...(memory ? { memory } : {}) });
  const FAMILIES = 10;
  const ec2Families = Array.from({ length: FAMILIES }, (_, i): TaskDefinitionSpec => ({ family: `svc-${i}`, revision: 1, networkMode: 'bridge', containers: [app(`svc-${i}`, 512), ...sidecars] }));
  const fargateFamilies = Array.from(
    { length: FAMILIES },
    (_, i): TaskDefinitionSpec => ({
      family: `web-${i}`,
      revision: 1,
      networkMode: 'awsvpc',
      cpu: '512',
      memory: '1024',
      containers: [app(`web-${i}`), ...sidecars, container('ecs-exporter', 'quay.io/prometheuscommunity/ecs-exporter:v0.4.0', { portMappings: [{ containerPort: 9779 }], essential: false })],
    }),
  );
  const daemons: TaskDefinitionSpec[] = [
    { family: 'cadvisor', revision: 1, networkMode: 'bridge', containers: [container('cadvisor', 'gcr.io/cadvisor/cadvisor:v0.52.1', { portMappings: [{ containerPort: 8080 }], cpu: 128, memory: 256 })] },
    { family: 'node-exporter', revision: 1, networkMode: 'bridge', containers: [container('node-exporter', 'quay.io/prometheus/node-exporter:v1.12.1', { portMappings: [{ containerPort: 9100 }], cpu: 64, memory: 64 })] },
  ];

  const az = (n: number) => `us-east-1${'abc'[n % 3]}`;
  /** A bridge task: each mapped container port bound to the next host port on 127.0.0.1. */
  const bridgeTask = (id: string, definition: TaskDefinitionSpec, service: string, containerInstance: string, n: number): TaskSpec => {
    const hostPorts: Record<string, Record<string, number>> = {};
    for (const c of definition.containers) {
      for (const mapping of c.portMappings ?? []) {
        const port = nextPort++;
        (hostPorts[c.name] ??= {})[String(mapping.containerPort)] = port;
        listeners.push({ host: '127.0.0.1', port, taskId: id, kind: exporterKindOf(c.image) });
      }
    }
    return { id, taskDefinition: `${definition.family}:1`, service, lastStatus: 'RUNNING', launchType: 'EC2', containerInstance, az: az(n), hostPorts };
  };

  const ec2: ClusterSpec = { name: 'bench-ec2', containerInstances: [], services: [], tasks: [] };
  for (const d of daemons) ec2.services!.push({ name: d.family, schedulingStrategy: 'DAEMON' });
  for (const d of ec2Families) ec2.services!.push({ name: d.family });
  for (let n = 0; n < shape.instances; n++) {
    const ci = `ci-${n}`;
    ec2.containerInstances!.push({ id: ci, ec2InstanceId: `i-${(0xbe000 + n).toString(16).padStart(17, '0')}`, privateIp: '127.0.0.1', instanceType: 'm5.xlarge', az: az(n) });
    for (const d of daemons) ec2.tasks!.push(bridgeTask(`${d.family}-${n}`, d, d.family, ci, n));
    for (let t = 0; t < shape.tasksPerInstance; t++) {
      const definition = ec2Families[(n * shape.tasksPerInstance + t) % FAMILIES]!;
      ec2.tasks!.push(bridgeTask(`ec2-${n}-${t}`, definition, definition.family, ci, n));
    }
  }

  const fargate: ClusterSpec = { name: 'bench-fargate', services: fargateFamilies.map((d) => ({ name: d.family })), tasks: [] };
  for (let t = 0; t < shape.fargateTasks; t++) {
    const definition = fargateFamilies[t % FAMILIES]!;
    const id = `fargate-${t}`;
    const privateIp = `127.2.${Math.floor(t / 250)}.${(t % 250) + 1}`;
    fargate.tasks!.push({ id, taskDefinition: `${definition.family}:1`, service: definition.family, lastStatus: 'RUNNING', launchType: 'FARGATE', az: az(t), privateIp });
    for (const c of definition.containers) for (const mapping of c.portMappings ?? []) listeners.push({ host: privateIp, port: mapping.containerPort, taskId: id, kind: exporterKindOf(c.image) });
  }

  const world: WorldSpec = { accounts: [{ id: '111111111111', regions: [{ name: 'us-east-1', taskDefinitions: [...daemons, ...ec2Families, ...fargateFamilies], clusters: [ec2, fargate] }] }] };
  return { world, listeners };
}

/** Serves, on each listener's address, what the demo serves for the container there (by image). */
async function startExporters(world: WorldSpec, listeners: Listener[]): Promise<{ close(): Promise<void> }> {
  const estate = demoEstate(world);
  const tasks = new Map(estate.tasks.map((task) => [task.taskArn.slice(task.taskArn.lastIndexOf('/') + 1), task]));
  const instanceOf = new Map(estate.instances.flatMap((instance) => instance.tasks.map((task) => [task, instance] as const)));
  const servers: Server[] = [];
  const close = () => closeAll(servers);
  try {
    for (const listener of listeners) {
      const task = tasks.get(listener.taskId)!;
      const endpoint: DemoEndpoint = { port: listener.port, kind: listener.kind, task, instance: instanceOf.get(task) };
      let scrapes = 0;
      const server = createServer((_request, response) => {
        response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(endpointMetrics(endpoint, ++scrapes));
      });
      await new Promise<void>((resolve, reject) => {
        server.once('error', (error) => reject(new Error(`cannot listen on ${listener.host}:${listener.port} (try another --port-base): ${error.message}`)));
        server.listen(listener.port, listener.host, resolve);
      });
      servers.push(server);
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { close };
}

/** The containers each exporter kind reports on, to turn series into series per container. */
function censusOf(world: WorldSpec) {
  const { tasks, instances } = demoEstate(world);
  const onInstances = instances.flatMap((instance) => instance.tasks);
  const containers = (of: typeof tasks) => of.reduce((sum, task) => sum + task.containers.length, 0);
  const withSidecar = tasks.filter((task) => task.containers.some((c) => c.kind === 'ecs-exporter'));
  return {
    tasks: tasks.length,
    instances: instances.length,
    /** Every container that is not itself a resource exporter. */
    appContainers: tasks.reduce((sum, task) => sum + task.containers.filter((c) => c.kind === 'app').length, 0),
    /** cAdvisor sees every container on its instance, the exporters' own included. */
    cadvisorContainers: containers(onInstances),
    /** ecs_exporter sees every container of its task, itself included. */
    ecsExporterContainers: containers(withSidecar),
  };
}

// ---------------------------------------------------------------------------------------------
// The runs

/** What to undo, newest last: run on the way out, whether the bench succeeds, fails or is interrupted. */
const undo: Array<() => Promise<unknown>> = [];
async function unwind(): Promise<void> {
  while (undo.length > 0) await undo.pop()!().catch(() => undefined);
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void unwind().finally(() => process.exit(130)));

/** Runs `body`, then `cleanup` (also when interrupted meanwhile). */
async function guarded<T>(cleanup: () => Promise<unknown>, body: () => Promise<T>): Promise<T> {
  undo.push(cleanup);
  try {
    return await body();
  } finally {
    undo.splice(undo.indexOf(cleanup), 1);
    await cleanup();
  }
}

/** SIGTERM, and SIGKILL if the appliance has not stopped within 30 s (ECS's own stop timeout). */
async function stopAppliance(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
}

function bundle(ports: AppliancePorts, builtins: boolean): string {
  return `discovery:
  interval: 10s
  builtinExporters: { cadvisor: ${builtins}, nodeExporter: ${builtins}, ecsExporter: ${builtins} }
prometheus:
  scrapeInterval: ${SCRAPE_SECONDS}s
  scrapeTimeout: 4s
  evaluationInterval: ${SCRAPE_SECONDS}s
components:
  grafana: false
${listenSection(ports)}`;
}

async function instant(prometheus: string, expr: string): Promise<Array<{ metric: Record<string, string>; value: number }>> {
  const response = await fetch(`${prometheus}/api/v1/query?query=${encodeURIComponent(expr)}`, { signal: AbortSignal.timeout(15_000) });
  const body = (await response.json()) as { status: string; error?: string; data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
  if (body.status !== 'success') throw new Error(`${expr}: ${body.error}`);
  return body.data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
}

const scalar = async (prometheus: string, expr: string) => (await instant(prometheus, expr))[0]?.value;

/** Prometheus's own count, read from its /metrics rather than scraped, so it is current. */
async function headSeries(prometheus: string): Promise<number> {
  const text = await (await fetch(`${prometheus}/metrics`, { signal: AbortSignal.timeout(5_000) })).text();
  return Number(/^prometheus_tsdb_head_series (\S+)/m.exec(text)![1]);
}

interface Run {
  builtin_exporters: boolean;
  targets: number;
  scrapes: number;
  settle_seconds: number;
  head_series: number;
  series_by_job: Record<string, number>;
  prometheus_rss_mb: number;
  supervisor_rss_mb: number;
  appliance_metrics_bytes: number;
  appliance_task_series: number;
}

/** One appliance on the world with the built-in exporters on or off: settle, hold, count, stop. */
async function measure(binaries: PrometheusFamily, builtins: boolean, awsEnv: Record<string, string>, putBundle: (key: string, body: string) => void): Promise<Run> {
  const ports = await appliancePorts();
  const key = `exporters-${builtins ? 'on' : 'off'}.yml`;
  putBundle(key, bundle(ports, builtins));
  const dataDir = await mkdtemp(join(tmpdir(), 'bench-exporters-'));
  const admin = `http://127.0.0.1:${ports.admin}`;
  const prometheus = `http://127.0.0.1:${ports.prometheus}`;
  const child = spawnAppliance({
    binaries,
    awsEnv,
    configLocation: `s3://bench/${key}`,
    adminPort: ports.admin,
    dataDir,
    nodeFlags: values['node-flags'],
    mallocArenaMax: values['malloc-arena-max'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const cleanup = async () => {
    await stopAppliance(child, exited);
    await rm(dataDir, { recursive: true, force: true });
  };
  return guarded(cleanup, async () => {
    const started = performance.now();
    await until('/readyz 200', 60_000, 100, async () => ((await fetch(`${admin}/readyz`)).ok ? true : undefined));
    type Status = { discovery: { clusters: Array<{ targets: number }>; lastCycle: unknown }; components: Array<{ name: string; pid: number | null }> };
    const status = await until('first discovery cycle', 120_000, 250, async () => {
      const s = (await (await fetch(`${admin}/status`, { signal: AbortSignal.timeout(2_000) })).json()) as Status;
      return s.discovery.lastCycle ? s : undefined;
    });
    const targets = status.discovery.clusters.reduce((sum, c) => sum + c.targets, 0);
    const prometheusPid = status.components.find((c) => c.name === 'prometheus')!.pid!;
    say(`  ready; discovered ${targets} targets`);

    const scrapes = Number(values.scrapes);
    await until('Prometheus scraping every discovered target', 120_000, 1_000, async () => ((await scalar(prometheus, 'count(up{task_arn!=""})'))! >= targets ? true : undefined));
    await until(`${scrapes} scrapes of every target`, 120_000, 1_000, async () => ((await scalar(prometheus, 'min(count_over_time(up[10m]))'))! >= scrapes ? true : undefined));
    // Recording rules and late targets add series a little after the scrapes: one interval without change is settled.
    let previous = await headSeries(prometheus);
    for (let check = 0; check < 12; check++) {
      await sleep(SCRAPE_SECONDS * 1000);
      const now = await headSeries(prometheus);
      if (now === previous) break;
      previous = now;
    }
    const settleSeconds = (performance.now() - started) / 1000;
    say(`  ${previous} head series after ${settleSeconds.toFixed(0)} s; sampling RSS for ${values['hold-seconds']} s`);

    let prometheusRss = 0;
    let supervisorRss = 0;
    const holdEnds = performance.now() + Number(values['hold-seconds']) * 1000;
    while (performance.now() < holdEnds) {
      prometheusRss = Math.max(prometheusRss, await rssMb(prometheusPid));
      supervisorRss = Math.max(supervisorRss, await rssMb(child.pid!));
      await sleep(1_000);
    }

    const byJob = await instant(prometheus, 'count by (job) ({__name__=~".+"})');
    const metrics = await (await fetch(`${admin}/metrics`)).text();
    const run: Run = {
      builtin_exporters: builtins,
      targets,
      scrapes: (await scalar(prometheus, 'min(count_over_time(up[10m]))'))!,
      settle_seconds: Number(settleSeconds.toFixed(1)),
      head_series: await headSeries(prometheus),
      series_by_job: Object.fromEntries(byJob.map((r) => [r.metric.job ?? '(no job: rules)', r.value]).sort(([a], [b]) => String(a).localeCompare(String(b)))),
      prometheus_rss_mb: Number(prometheusRss.toFixed(1)),
      supervisor_rss_mb: Number(supervisorRss.toFixed(1)),
      appliance_metrics_bytes: Buffer.byteLength(metrics),
      appliance_task_series: metrics.split('\n').filter((line) => /^ecs_appliance_(task|container|tasks)_/.test(line)).length,
    };
    say(`  head series ${run.head_series} (${run.scrapes} scrapes); by job: ${Object.entries(run.series_by_job).map(([job, n]) => `${job} ${n}`).join(', ')}`);
    say(`  Prometheus RSS ${run.prometheus_rss_mb} MB, supervisor RSS ${run.supervisor_rss_mb} MB (peaks over the hold); appliance /metrics ${(run.appliance_metrics_bytes / 1024).toFixed(0)} KiB with ${run.appliance_task_series} task and container series`);
    return run;
  });
}

// ---------------------------------------------------------------------------------------------
// Main

const shipped = await shippedPrograms({ printOnly: true, progress: 'ignore' });
if (!shipped) throw new Error('the Prometheus family the image ships is not built: run `bash docker/components/build.sh` (about 11 minutes) first');
if (!values['skip-build']) {
  say('building (npm run build) so the compiled supervisor is measured, as the image runs it…');
  await buildDist();
}

const shape = {
  instances: Number(values.instances),
  tasksPerInstance: Number(values['tasks-per-instance']),
  fargateTasks: Number(values['fargate-tasks']),
  portBase: Number(values['port-base']),
};
const { world, listeners } = benchWorld(shape);
const census = censusOf(world);
say(
  `world: ${census.tasks} tasks: ${shape.instances} EC2 instances (m5.xlarge), each with cAdvisor, node-exporter and ${shape.tasksPerInstance} application tasks; ` +
    `${shape.fargateTasks} Fargate tasks with an ecs_exporter sidecar; ${census.appContainers} application containers, ${listeners.length} loopback exporters`,
);
const versions = describeVersions(await versionsOf(shipped.binaries));
say(`${versions}; scrape and rule interval ${SCRAPE_SECONDS} s`);

const runs: Record<'off' | 'on', Run> = {} as Record<'off' | 'on', Run>;
try {
  const aws = await startFakeAws({ world, throttling: false });
  undo.push(() => aws.stop());
  const exporters = await startExporters(world, listeners);
  undo.push(() => exporters.close());
  for (const builtins of [false, true]) {
    say(`\n== built-in exporters ${builtins ? 'on' : 'off'} ==`);
    runs[builtins ? 'on' : 'off'] = await measure(shipped.binaries, builtins, aws.env, (key, body) => aws.s3.putObject('bench', key, body));
  }
} finally {
  await unwind();
}

const { on, off } = runs;
const added = on.head_series - off.head_series;
const perKind = (job: string) => on.series_by_job[job] ?? 0;
const rulesAdded = (on.series_by_job['(no job: rules)'] ?? 0) - (off.series_by_job['(no job: rules)'] ?? 0);
const per = (n: number, d: number) => Number((n / d).toFixed(2));
const ratio = (figure: keyof Run) => Number((Number(on[figure]) / Number(off[figure])).toFixed(2));
const summary = {
  tasks: census.tasks,
  app_containers: census.appContainers,
  instances: census.instances,
  series_added: added,
  series_added_per_app_container: per(added, census.appContainers),
  per_app_container: {
    cadvisor: per(perKind('cadvisor'), census.appContainers),
    ecs_exporter: per(perKind('ecs-exporter'), census.appContainers),
    node_exporter: per(perKind('ecs-node'), census.appContainers),
    rules: per(rulesAdded, census.appContainers),
  },
  cadvisor_series_per_container_seen: per(perKind('cadvisor'), census.cadvisorContainers),
  ecs_exporter_series_per_container_seen: per(perKind('ecs-exporter'), census.ecsExporterContainers),
  node_exporter_series_per_instance: per(perKind('ecs-node'), census.instances),
  ratios_on_off: {
    head_series: ratio('head_series'),
    prometheus_rss: ratio('prometheus_rss_mb'),
    supervisor_rss: ratio('supervisor_rss_mb'),
    appliance_metrics_bytes: ratio('appliance_metrics_bytes'),
  },
};

say('\nside by side (same world; built-in exporters on / off):');
for (const figure of ['targets', 'head_series', 'prometheus_rss_mb', 'supervisor_rss_mb', 'appliance_metrics_bytes', 'appliance_task_series'] as const) {
  say(`  ${figure.padEnd(24)} ${String(on[figure]).padStart(9)} / ${String(off[figure]).padEnd(9)} ratio ${ratio(figure).toFixed(2)}`);
}
say(`series added: ${added} = ${summary.series_added_per_app_container} per application container (${census.appContainers})`);
say(`  cAdvisor       ${summary.per_app_container.cadvisor} per application container; ${summary.cadvisor_series_per_container_seen} per container it sees (${census.cadvisorContainers})`);
say(`  ecs_exporter   ${summary.per_app_container.ecs_exporter} per application container; ${summary.ecs_exporter_series_per_container_seen} per container it sees (${census.ecsExporterContainers})`);
say(`  node-exporter  ${summary.per_app_container.node_exporter} per application container; ${summary.node_exporter_series_per_instance} per instance (${census.instances})`);
say(`  recording rules ${summary.per_app_container.rules} per application container`);
say(JSON.stringify({ ...summary, on, off, versions, cpus: cpus().length }));
