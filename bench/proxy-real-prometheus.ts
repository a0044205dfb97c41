/**
 * bench:proxy's last phase: a real Prometheus of each version at hand (the shipped build and
 * Debian's) scrapes an exporter of many series every second and remote-writes, with the
 * prometheus.yml the appliance renders for an AMP bundle, through the running SigV4 proxy. Reports
 * what each delivered and what the proxy's memory did meanwhile.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import { writeTree } from '../supervisor/config/atomic-files.ts';
import { contentVersion, type Bundle } from '../supervisor/config/bundle.ts';
import { readDefaultBundle } from '../supervisor/config/default-bundle.ts';
import { isExecutable } from '../supervisor/demo/binaries.ts';
import { shippedPrograms } from '../supervisor/demo/shipped-programs.ts';
import { programVersion } from '../supervisor/processes/program-version.ts';
import { defaultBinaries } from '../supervisor/processes/settings.ts';
import { resolveRelease } from '../test/render/fixtures.ts';
import { freePort } from '../test/processes/free-port.ts';

export interface RealPrometheusResult {
  prometheus: string;
  samples_per_second: number;
  failed_samples: number;
  retried_samples: number;
  /** Seconds the newest sample sent trails the newest sample appended, at the end. */
  lag_seconds: number;
  proxy_rss_peak_mb: number;
  /** The proxy process's CPU time over the window, as a share of one core. */
  proxy_cpu_percent: number;
  prometheus_rss_peak_mb: number;
}

/** Prometheus binaries to compare: the shipped build, then Debian's, each where present. */
export async function prometheusVersionsAtHand(): Promise<Array<{ name: string; binary: string }>> {
  const sets: Array<{ name: string; binary: string }> = [];
  const shipped = await shippedPrograms({ printOnly: true, progress: 'ignore' });
  if (shipped) sets.push({ name: 'shipped', binary: shipped.binaries.prometheus });
  if (await isExecutable(defaultBinaries.prometheus)) sets.push({ name: 'debian', binary: defaultBinaries.prometheus });
  return sets;
}

/** An exporter of `series` gauges whose values change on every scrape. */
async function startExporter(series: number): Promise<{ port: number; close: () => void }> {
  let scrape = 0;
  const server = http.createServer((_req, res) => {
    scrape++;
    const lines = ['# TYPE bench_series_value gauge'];
    for (let i = 0; i < series; i++) lines.push(`bench_series_value{series="${i}",shard="${i % 16}"} ${scrape + i}`);
    res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' }).end(`${lines.join('\n')}\n`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, close: () => server.close() };
}

/** User plus system CPU seconds of a process (USER_HZ is 100 on every Linux this runs on). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function metric(text: string, name: string): number {
  let total = 0;
  for (const match of text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'gm'))) total += Number(match[1]);
  return total;
}

/** Runs one Prometheus for `seconds` against the proxy listening on `proxyPort`. */
export async function measureRealPrometheus(options: {
  binary: string;
  proxyPort: number;
  seconds: number;
  series: number;
  rssMb: (pid: number) => number;
  proxyPid: number;
}): Promise<RealPrometheusResult> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-proxy-prometheus-'));
  const exporter = await startExporter(options.series);
  const port = await freePort();
  // An AMP bundle as a user writes it; the proxy port is where the benchmark's proxy listens.
  const appliance = {
    discovery: { enabled: false },
    prometheus: {
      scrapeInterval: '1s',
      scrapeTimeout: '1s',
      builtinRules: false,
      extraScrapeConfigs: [{ job_name: 'bench', static_configs: [{ targets: [`127.0.0.1:${exporter.port}`] }] }],
    },
    amp: { workspaceUrl: 'https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-bench', proxyPort: options.proxyPort },
  };
  const files = new Map([['appliance.yml', Buffer.from(stringify(appliance))]]);
  const bundle: Bundle = { kind: 'folder', mainFile: 'appliance.yml', files, version: contentVersion(files), source: 'bench bundle' };
  const release = await resolveRelease(bundle, await readDefaultBundle(), { dataDir: dir });
  await writeTree(join(dir, 'release'), release.files);

  const child = spawn(options.binary, [`--config.file=${join(dir, 'release', 'prometheus', 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'tsdb')}`, `--web.listen-address=127.0.0.1:${port}`], {
    stdio: 'ignore',
  });
  const version = (await programVersion(options.binary))?.text ?? 'unknown version';
  const prometheusMetrics = async () => (await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(2_000) })).text();
  try {
    const ready = Date.now() + 30_000;
    while (Date.now() < ready) {
      if (await fetch(`http://127.0.0.1:${port}/-/ready`).then((r) => r.ok, () => false)) break;
      await sleep(200);
    }
    // Let the queue reach steady state before counting.
    await sleep(5_000);
    const before = metric(await prometheusMetrics(), 'prometheus_remote_storage_samples_total');
    const started = performance.now();
    const proxyCpuBefore = cpuSeconds(options.proxyPid);
    let proxyPeak = 0;
    let prometheusPeak = 0;
    while (performance.now() - started < options.seconds * 1000) {
      proxyPeak = Math.max(proxyPeak, options.rssMb(options.proxyPid));
      prometheusPeak = Math.max(prometheusPeak, options.rssMb(child.pid!));
      await sleep(250);
    }
    const text = await prometheusMetrics();
    const elapsed = (performance.now() - started) / 1000;
    const proxyCpu = cpuSeconds(options.proxyPid) - proxyCpuBefore;
    const highest = metric(text, 'prometheus_remote_storage_highest_timestamp_in_seconds');
    const sent = metric(text, 'prometheus_remote_storage_queue_highest_sent_timestamp_seconds');
    return {
      prometheus: version,
      samples_per_second: Math.round((metric(text, 'prometheus_remote_storage_samples_total') - before) / elapsed),
      failed_samples: metric(text, 'prometheus_remote_storage_samples_failed_total'),
      retried_samples: metric(text, 'prometheus_remote_storage_samples_retried_total'),
      lag_seconds: Math.max(0, Math.round((highest - sent) * 10) / 10),
      proxy_rss_peak_mb: Math.round(proxyPeak * 10) / 10,
      proxy_cpu_percent: Math.round((proxyCpu / elapsed) * 1000) / 10,
      prometheus_rss_peak_mb: Math.round(prometheusPeak * 10) / 10,
    };
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
    exporter.close();
    await rm(dir, { recursive: true, force: true });
  }
}
