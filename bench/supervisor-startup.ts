/**
 * `npm run bench:supervisor`: the compiled `ecs-appliance run` (as the image runs it: `npm run build`,
 * then `node dist/supervisor/cli.js run`) against the fake AWS with a generated world of ~5,000
 * discovered targets and a bundle in its S3, with the real Prometheus, Alertmanager and node-exporter.
 *
 *   cold start      spawn → /readyz 200: bundle fetched, rendered, promtool/amtool-checked, every
 *                   (non-Grafana) component ready
 *   idle            supervisor RSS and CPU over a window with every target discovered (one discovery
 *                   cycle falls inside it)
 *   config apply    changed bundle uploaded to S3 + SIGHUP (poll now) → /status reports it applied,
 *                   which happens only after Prometheus and Alertmanager confirmed their reloads
 *
 * Each runs once with the Prometheus family the image ships and once with Debian's (when installed),
 * side by side in one run. The last line of output is one JSON object with the figures of both.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { startFakeAws } from '../test/fake-aws/index.ts';
import { generateWorld } from '../test/fake-aws/generate-world.ts';
import { describeVersions, isExecutable, versionsOf } from '../supervisor/demo/binaries.ts';
import { shippedPrograms, type PrometheusFamily } from '../supervisor/demo/shipped-programs.ts';
import { defaultBinaries } from '../supervisor/processes/settings.ts';
import { APPLIANCE_OPTIONS, appliancePorts, type AppliancePorts, buildDist, listenSection, rssMb, spawnAppliance as spawnCompiled, until } from './appliance-process.ts';

const { values } = parseArgs({
  options: {
    'tasks-per-cluster': { type: 'string', default: '600' },
    clusters: { type: 'string', default: '10' },
    'idle-seconds': { type: 'string', default: '30' },
    /** Seconds of the faulted phase: discovery every 5 s while some clusters hang and others are throttled. */
    'fault-seconds': { type: 'string', default: '120' },
    /** Only the faulted phase. */
    'only-faults': { type: 'boolean', default: false },
    ...APPLIANCE_OPTIONS,
  },
});
const say = (line: string) => process.stdout.write(`${line}\n`);

/** Clock ticks per second for /proc/<pid>/stat (USER_HZ; 100 on every Linux the image targets). */
const CLOCK_TICKS = 100;

async function cpuSeconds(pid: number): Promise<number> {
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

function bundle(ports: AppliancePorts, revision: string, discoveryInterval = '30s'): string {
  return `discovery:
  interval: ${discoveryInterval}
prometheus:
  scrapeInterval: 60s
  scrapeTimeout: 2s
  externalLabels:
    bench_rev: "${revision}"
components:
  grafana: false
${listenSection(ports)}`;
}

if (!values['skip-build']) {
  say('building (npm run build) so the compiled supervisor is measured, as the image runs it…');
  await buildDist();
}

const world = generateWorld({ clusters: Number(values.clusters), tasksPerCluster: Number(values['tasks-per-cluster']) });
// Throttling off: this measures the supervisor, not AWS's token buckets (bench:discovery covers those).
const aws = await startFakeAws({ world, throttling: false });
aws.s3.createBucket('bench');

/** The program sets measured side by side: the versions the image ships, and Debian's where installed. */
const programSets: Array<{ name: string; binaries: PrometheusFamily }> = [];
const shipped = await shippedPrograms({ printOnly: true, progress: 'ignore' });
if (shipped) programSets.push({ name: 'shipped', binaries: shipped.binaries });
const { grafana: _, ...debian } = defaultBinaries;
if ((await Promise.all(Object.values(debian).map(isExecutable))).every(Boolean)) programSets.push({ name: 'debian', binaries: debian });
if (programSets.length === 0) throw new Error('neither the shipped versions (docker/components/build.sh) nor Debian\'s packages are installed');

const results: Record<string, Record<string, unknown>> = {};
try {
  for (const set of values['only-faults'] ? [] : programSets) {
    const versions = describeVersions(await versionsOf(set.binaries));
    say(`\n== ${set.name}: ${versions} ==`);
    results[set.name] = { versions, ...(await measure(set.binaries)) };
  }
} catch (error) {
  await aws.stop();
  throw error;
}

if (programSets[0]) {
  say(`\n== faulted: ${programSets[0].name} programs, discovery and config polls every 5 s while cluster-1 and cluster-2 hang, cluster-3 and cluster-4 are throttled and S3 hangs, ${values['fault-seconds']} s ==`);
  try {
    results.faulted = await measureUnderFaults(programSets[0].binaries);
  } finally {
    await aws.stop();
  }
}

const figures = ['cold_start_seconds', 'idle_rss_mb', 'prometheus_rss_mb', 'config_apply_seconds', 'idle_cpu_percent', 'stop_seconds'];
if (results.shipped && results.debian) {
  say('\nside by side (same run; shipped / debian):');
  for (const figure of figures) {
    const a = Number(results.shipped[figure]);
    const b = Number(results.debian[figure]);
    say(`  ${figure.padEnd(22)} ${String(a).padStart(8)} / ${String(b).padEnd(8)} ratio ${(a / b).toFixed(2)}`);
  }
}
say(`measured: MALLOC_ARENA_MAX=${values['malloc-arena-max'] || '(glibc default)'} node ${values['node-flags']} dist/supervisor/cli.js run (compiled, as in the image); bars: cold start < 3 s, supervisor RSS < 150 MB`);
say(JSON.stringify({ ...results, build: 'dist (compiled)', node_flags: values['node-flags'] }));

/** One cold start, idle window, config change and stop of the appliance running `binaries`. */
async function measure(binaries: PrometheusFamily): Promise<Record<string, unknown>> {
  const ports = await appliancePorts();
  aws.s3.putObject('bench', 'appliance.yml', bundle(ports, '1'));
  const dataDir = await mkdtemp(join(tmpdir(), 'bench-supervisor-'));
  const admin = `http://127.0.0.1:${ports.admin}`;
  const getJson = async <T>(path: string): Promise<T> => (await fetch(`${admin}${path}`, { signal: AbortSignal.timeout(2_000) })).json() as Promise<T>;

  const started = performance.now();
  const child = spawnAppliance(binaries, ports, dataDir);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const pid = child.pid!;

  try {
    await until('/readyz 200', 60_000, 20, async () => ((await fetch(`${admin}/readyz`)).ok ? true : undefined));
    const coldStart = (performance.now() - started) / 1000;
    const readyRss = await rssMb(pid);
    say(`cold start to all (non-Grafana) components ready: ${coldStart.toFixed(2)} s (RSS then ${readyRss.toFixed(1)} MB, before discovery has run)`);

    type Status = {
      config: { applied: { version: string } | null };
      discovery: { clusters: Array<{ targets: number }>; lastCycle: { durationSeconds: number } | null };
      components: Array<{ name: string; pid: number | null }>;
    };
    const discovered = await until('first discovery cycle', 120_000, 250, async () => {
      const status = await getJson<Status>('/status');
      return status.discovery.lastCycle ? status : undefined;
    });
    const targets = discovered.discovery.clusters.reduce((sum, c) => sum + c.targets, 0);
    say(`discovered ${targets} targets in ${discovered.discovery.clusters.length} clusters (${world.accounts[0]!.regions![0]!.clusters!.length * Number(values['tasks-per-cluster'])} tasks); first cycle ${discovered.discovery.lastCycle!.durationSeconds.toFixed(2)} s`);
    const prometheusPid = discovered.components.find((c) => c.name === 'prometheus')!.pid!;

    await sleep(2_000);
    const idleSeconds = Number(values['idle-seconds']);
    const cpuBefore = await cpuSeconds(pid);
    let peakRss = 0;
    let prometheusPeakRss = 0;
    const windowStart = performance.now();
    while (performance.now() - windowStart < idleSeconds * 1000) {
      peakRss = Math.max(peakRss, await rssMb(pid));
      prometheusPeakRss = Math.max(prometheusPeakRss, await rssMb(prometheusPid));
      await sleep(500);
    }
    const idleCpuPercent = ((await cpuSeconds(pid)) - cpuBefore) / ((performance.now() - windowStart) / 1000) * 100;
    const idleRss = await rssMb(pid);
    const metrics = await (await fetch(`${admin}/metrics`)).text();
    const mb = (name: string) => Number(new RegExp(`^${name} (\\S+)`, 'm').exec(metrics)?.[1]) / 1024 / 1024;
    const heapUsed = mb('nodejs_heap_size_used_bytes');
    const heapTotal = mb('nodejs_heap_size_total_bytes');
    const external = mb('nodejs_external_memory_bytes');
    say(`idle with ${targets} targets over ${idleSeconds} s: RSS ${idleRss.toFixed(1)} MB (peak ${peakRss.toFixed(1)} MB), CPU ${idleCpuPercent.toFixed(1)} % of one core`);
    say(`  V8 heap used ${heapUsed.toFixed(1)} MB of ${heapTotal.toFixed(1)} MB, external ${external.toFixed(1)} MB; Prometheus RSS peak ${prometheusPeakRss.toFixed(1)} MB`);

    const before = (await getJson<Status>('/status')).config.applied!.version;
    const changeStarted = performance.now();
    aws.s3.putObject('bench', 'appliance.yml', bundle(ports, '2'));
    child.kill('SIGHUP');
    await until('the changed bundle applied', 60_000, 20, async () => {
      const applied = (await getJson<Status>('/status')).config.applied;
      return applied && applied.version !== before ? true : undefined;
    });
    const configApply = (performance.now() - changeStarted) / 1000;
    say(`config change to applied (S3 upload + SIGHUP → rendered, checked, swapped, Prometheus and Alertmanager reload confirmed): ${configApply.toFixed(2)} s`);

    const stopStarted = performance.now();
    child.kill('SIGTERM');
    const code = await exited;
    const stopSeconds = (performance.now() - stopStarted) / 1000;
    say(`SIGTERM to exit: ${stopSeconds.toFixed(2)} s, exit code ${code}`);
    return {
      cold_start_seconds: Number(coldStart.toFixed(3)),
      idle_rss_mb: Number(peakRss.toFixed(1)),
      prometheus_rss_mb: Number(prometheusPeakRss.toFixed(1)),
      config_apply_seconds: Number(configApply.toFixed(3)),
      idle_cpu_percent: Number(idleCpuPercent.toFixed(2)),
      ready_rss_mb: Number(readyRss.toFixed(1)),
      heap_used_mb: Number(heapUsed.toFixed(1)),
      targets,
      first_discovery_cycle_seconds: Number(discovered.discovery.lastCycle!.durationSeconds.toFixed(3)),
      stop_seconds: Number(stopSeconds.toFixed(3)),
      exit_code: code,
    };
  } finally {
    if (child.exitCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** The compiled appliance, as the image runs it, against the fake AWS and the bench bucket. */
function spawnAppliance(binaries: PrometheusFamily, ports: AppliancePorts, dataDir: string, extraEnv: Record<string, string> = {}) {
  return spawnCompiled({
    binaries,
    awsEnv: aws.env,
    configLocation: 's3://bench/appliance.yml',
    adminPort: ports.admin,
    dataDir,
    nodeFlags: values['node-flags'],
    mallocArenaMax: values['malloc-arena-max'],
    extraEnv,
  });
}

/**
 * The red-team case: discovery every 5 s while two clusters' DescribeTasks never answer (the
 * client's 10 s timeout ends each call) and two more are throttled. Samples the supervisor's RSS
 * and heap all along, so growth shows as the difference between the first and last quarter.
 */
async function measureUnderFaults(binaries: PrometheusFamily): Promise<Record<string, unknown>> {
  const ports = await appliancePorts();
  aws.s3.putObject('bench', 'appliance.yml', bundle(ports, '1', '5s'));
  const dataDir = await mkdtemp(join(tmpdir(), 'bench-supervisor-faults-'));
  const admin = `http://127.0.0.1:${ports.admin}`;
  // The config source is polled every 5 s too, and hangs once the appliance is up.
  const child = spawnAppliance(binaries, ports, dataDir, { CONFIG_POLL_INTERVAL: '5s' });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const faults = [
    ...['cluster-1', 'cluster-2'].map((cluster) => aws.faults.add({ service: 'ecs', operation: 'DescribeTasks', cluster, kind: 'hang' })),
    ...['cluster-3', 'cluster-4'].map((cluster) => aws.faults.add({ service: 'ecs', cluster, kind: 'throttle' })),
  ];
  try {
    await until('/readyz 200', 60_000, 20, async () => ((await fetch(`${admin}/readyz`)).ok ? true : undefined));
    faults.push(aws.faults.add({ service: 's3', kind: 'hang' }));
    const samples: number[] = [];
    const started = performance.now();
    const seconds = Number(values['fault-seconds']);
    while (performance.now() - started < seconds * 1000) {
      samples.push(await rssMb(child.pid!));
      await sleep(1_000);
    }
    const metrics = await (await fetch(`${admin}/metrics`)).text();
    const cycles = Number(/^ecs_appliance_discovery_cycle_duration_seconds_count (\S+)/m.exec(metrics)?.[1]);
    const heapUsed = Number(/^nodejs_heap_size_used_bytes (\S+)/m.exec(metrics)?.[1]) / 1024 / 1024;
    const quarter = Math.max(1, Math.floor(samples.length / 4));
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const growth = mean(samples.slice(-quarter)) - mean(samples.slice(0, quarter));
    const result = {
      rss_min_mb: Number(Math.min(...samples).toFixed(1)),
      rss_max_mb: Number(Math.max(...samples).toFixed(1)),
      rss_growth_mb: Number(growth.toFixed(1)),
      heap_used_mb: Number(heapUsed.toFixed(1)),
      discovery_cycles: cycles,
      hung_calls: faults[0]!.hits + faults[1]!.hits,
      hung_config_polls: faults[4]!.hits,
      throttled_calls: faults[2]!.hits + faults[3]!.hits,
    };
    say(`under faults over ${seconds} s: RSS ${result.rss_min_mb}–${result.rss_max_mb} MB, ${result.rss_growth_mb} MB from the first to the last quarter; heap used ${result.heap_used_mb} MB; ${cycles} discovery cycles, ${result.hung_calls} hung and ${result.throttled_calls} throttled ECS calls, ${result.hung_config_polls} hung config polls`);
    const perMinute = Array.from({ length: Math.ceil(samples.length / 60) }, (_, minute) => Math.max(...samples.slice(minute * 60, minute * 60 + 60)).toFixed(0));
    say(`  peak RSS minute by minute: ${perMinute.join(', ')} MB`);
    return result;
  } finally {
    for (const fault of faults) fault.remove();
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
    await rm(dataDir, { recursive: true, force: true });
  }
}
