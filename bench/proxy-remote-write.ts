/**
 * Remote-write throughput and added latency through the SigV4 proxy versus straight to the same
 * receiver, in one run. Receiver and proxy each run in a child process; this process generates
 * load like Prometheus does (several shards, each sending one snappy-compressed WriteRequest of
 * 2000 samples at a time over a kept-alive connection).
 *
 *   node --import tsx bench/proxy-remote-write.ts [--seconds 10] [--concurrency 8] [--latency-pairs 1000]
 *
 * - Throughput: against a receiver that decodes every sample, as any real one must; direct and
 *   proxied run in alternating one-second slices so that other load on the machine hits both alike.
 * - Added latency: sequential request pairs, direct and proxied alternating, against a receiver
 *   that only reads the body, so the receiver's own jitter does not drown what the proxy adds;
 *   back to back (p99_added_ms), and paced so that each hop wakes a sleeping process
 *   (p99_added_paced_ms), which on a small VM costs more than the proxy's own work.
 * - Proxy ceiling: proxied against that same sink, for scale.
 * - RSS: the proxy process's, read from /proc (Linux only) through the whole proxied load.
 *
 * The last line printed is one JSON object with direct_rps, proxied_rps, throughput_ratio,
 * p99_added_ms and proxy_rss_mb.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { encodeRemoteWrite, type TimeSeries } from '../test/proxy/remote-write-codec.ts';
import { measureRealPrometheus, prometheusVersionsAtHand, type RealPrometheusResult } from './proxy-real-prometheus.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '8' },
    'latency-pairs': { type: 'string', default: '1000' },
    /** Series a real Prometheus scrapes every second and remote-writes through the proxy. */
    'prometheus-series': { type: 'string', default: '20000' },
    'prometheus-seconds': { type: 'string', default: '20' },
  },
});
const SECONDS = Number(values.seconds);
const CONCURRENCY = Number(values.concurrency);
const LATENCY_PAIRS = Number(values['latency-pairs']);
const SAMPLES_PER_SEND = 2000;

/** Series shaped like what the appliance scrapes from ECS tasks: ~10 labels, counters and histogram buckets. */
function makePayloads(count: number): Buffer[] {
  const payloads: Buffer[] = [];
  const now = Date.now();
  for (let p = 0; p < count; p++) {
    const series: TimeSeries[] = [];
    for (let i = 0; i < SAMPLES_PER_SEND; i++) {
      const task = (p * SAMPLES_PER_SEND + i) % 97;
      series.push({
        labels: {
          __name__: i % 3 === 0 ? 'http_server_requests_seconds_bucket' : i % 3 === 1 ? 'http_server_requests_total' : 'process_resident_memory_bytes',
          __replica__: 'replica-a',
          cluster: 'prod-eu-west-1',
          ecs_cluster: 'prod',
          ecs_service: `service-${task % 13}`,
          ecs_task_definition_family: `family-${task % 13}`,
          container_name: 'app',
          instance: `10.0.${task % 250}.${(i * 7) % 250}:8080`,
          job: 'ecs',
          le: String([0.005, 0.01, 0.05, 0.1, 0.5, 1, 5][i % 7]),
          method: ['GET', 'POST', 'PUT'][i % 3]!,
          status: ['200', '201', '404', '500'][i % 4]!,
          uri: `/api/v1/resource-${i % 40}`,
        },
        samples: [{ value: Math.round(Math.random() * 1e6) / 100, timestamp: now + p * 15_000 }],
      });
    }
    payloads.push(encodeRemoteWrite(series));
  }
  return payloads;
}

async function startChild(script: string, args: string[]): Promise<{ child: ChildProcess; ready: unknown }> {
  const child = spawn(process.execPath, ['--import', 'tsx', new URL(script, import.meta.url).pathname, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  for await (const line of lines) {
    lines.close();
    child.stdout!.resume();
    return { child, ready: JSON.parse(line) };
  }
  throw new Error(`${script} exited before saying where it listens`);
}

function post(url: URL, body: Buffer, agent: http.Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', agent, headers: { 'Content-Type': 'application/x-protobuf', 'Content-Encoding': 'snappy', 'X-Prometheus-Remote-Write-Version': '0.1.0', 'Content-Length': body.length } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

interface LoadResult {
  ok: number;
  rps: number;
  failed: number;
  elapsedMs: number;
  latenciesMs: number[];
}

/** CONCURRENCY senders, each posting back to back, for `ms`: the most the path can carry. */
async function closedLoop(url: URL, payloads: Buffer[], ms: number): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const latenciesMs: number[] = [];
  let ok = 0;
  let failed = 0;
  const start = performance.now();
  const deadline = start + ms;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, worker) => {
      for (let i = worker; performance.now() < deadline; i += CONCURRENCY) {
        const t0 = performance.now();
        const status = await post(url, payloads[i % payloads.length]!, agent);
        latenciesMs.push(performance.now() - t0);
        if (status >= 200 && status < 300) ok++;
        else failed++;
      }
    }),
  );
  const elapsed = performance.now() - start;
  agent.destroy();
  return { ok, rps: ok / (elapsed / 1000), failed, elapsedMs: elapsed, latenciesMs };
}

/**
 * One request at a time, alternating direct and proxied, so both see the same machine noise and no
 * queueing: the difference is what the proxy adds to each request. With `paceMs` the processes go
 * idle between pairs, so every hop also pays the wake-up of a sleeping process.
 */
async function pairedLatency(direct: URL, proxied: URL, payloads: Buffer[], pairs: number, paceMs: number): Promise<{ direct: number[]; proxied: number[] }> {
  const agents = { direct: new http.Agent({ keepAlive: true, maxSockets: 1 }), proxied: new http.Agent({ keepAlive: true, maxSockets: 1 }) };
  const result = { direct: [] as number[], proxied: [] as number[] };
  for (let i = 0; i < pairs; i++) {
    const order = i % 2 === 0 ? (['direct', 'proxied'] as const) : (['proxied', 'direct'] as const);
    for (const path of order) {
      const t0 = performance.now();
      const status = await post(path === 'direct' ? direct : proxied, payloads[i % payloads.length]!, agents[path]);
      if (status < 200 || status >= 300) throw new Error(`${path} request failed with ${status}`);
      result[path].push(performance.now() - t0);
    }
    if (paceMs > 0) await new Promise((resolve) => setTimeout(resolve, paceMs));
  }
  agents.direct.destroy();
  agents.proxied.destroy();
  return result;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
  });
}

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

const payloads = makePayloads(24);
const avgKb = mean(payloads.map((p) => p.length)) / 1024;
console.log(`payloads: ${payloads.length} WriteRequests of ${SAMPLES_PER_SEND} samples, ${round(avgKb, 1)} KiB snappy-compressed on average`);

const receiver = await startChild('./proxy-receiver-process.ts', []);
const { decodeUrl, sinkUrl } = receiver.ready as { decodeUrl: string; sinkUrl: string };
const proxy = await startChild('./proxy-sigv4-process.ts', [decodeUrl, sinkUrl]);
const [proxyToDecode, proxyToSink] = (proxy.ready as { urls: string[] }).urls;
const rssSamples: number[] = [];
const sampler = setInterval(() => rssSamples.push(rssMb(proxy.child.pid!)), 250);
try {
  const remoteWrite = (base: string) => new URL(`${base}/api/v1/remote_write`);
  const direct = remoteWrite(decodeUrl);
  const proxied = remoteWrite(proxyToDecode!);

  console.log('warming up…');
  await closedLoop(direct, payloads, 1000);
  await closedLoop(proxied, payloads, 1000);
  await closedLoop(remoteWrite(proxyToSink!), payloads, 1000);
  rssSamples.length = 0;

  console.log(`throughput: ${CONCURRENCY} concurrent senders, ${SECONDS} one-second slices per path, alternating, receiver decoding every sample`);
  const slices = { direct: [] as LoadResult[], proxied: [] as LoadResult[] };
  for (let i = 0; i < SECONDS; i++) {
    const order = i % 2 === 0 ? (['direct', 'proxied'] as const) : (['proxied', 'direct'] as const);
    for (const path of order) slices[path].push(await closedLoop(path === 'direct' ? direct : proxied, payloads, 1000));
  }
  const total = (results: LoadResult[]) => ({
    rps: results.reduce((a, r) => a + r.ok, 0) / (results.reduce((a, r) => a + r.elapsedMs, 0) / 1000),
    failed: results.reduce((a, r) => a + r.failed, 0),
    latenciesMs: results.flatMap((r) => r.latenciesMs),
  });
  const directTotal = total(slices.direct);
  const proxiedTotal = total(slices.proxied);
  for (const [name, t] of [['direct ', directTotal], ['proxied', proxiedTotal]] as const) {
    console.log(`  ${name}: ${round(t.rps, 1)} req/s (${Math.round(t.rps * SAMPLES_PER_SEND)} samples/s), p99 ${round(percentile(t.latenciesMs, 99))} ms, ${t.failed} failed`);
  }

  // Flatness is judged over the sustained load; the ceiling run below is a different regime.
  const steady = [...rssSamples];
  const quarter = Math.max(1, Math.floor(steady.length / 4));
  const rssGrowth = mean(steady.slice(-quarter)) - mean(steady.slice(0, quarter));
  console.log(`proxy RSS over ${round(steady.length / 4, 0)} s of sustained load: ${round(Math.min(...steady), 1)}–${round(Math.max(...steady), 1)} MB, ${round(rssGrowth, 1)} MB change from the first to the last quarter`);

  const ceiling = await closedLoop(remoteWrite(proxyToSink!), payloads, 5000);
  clearInterval(sampler);
  const rssPeak = Math.max(...rssSamples);
  console.log(`proxy ceiling against a sink: ${round(ceiling.rps, 1)} req/s (${Math.round(ceiling.rps * SAMPLES_PER_SEND)} samples/s), RSS peak ${round(rssPeak, 1)} MB`);

  const added = async (label: string, pairs: number, paceMs: number) => {
    const latency = await pairedLatency(remoteWrite(sinkUrl), remoteWrite(proxyToSink!), payloads, pairs, paceMs);
    const p = (xs: number[], q: number) => round(percentile(xs, q));
    console.log(`  ${label}: direct p50 ${p(latency.direct, 50)} ms p99 ${p(latency.direct, 99)} ms; proxied p50 ${p(latency.proxied, 50)} ms p99 ${p(latency.proxied, 99)} ms`);
    return percentile(latency.proxied, 99) - percentile(latency.direct, 99);
  };
  console.log('added latency: sequential request pairs, direct and proxied alternating, against a sink');
  const addedP99 = await added(`${LATENCY_PAIRS} pairs back to back (processes awake, as under sustained remote_write)`, LATENCY_PAIRS, 0);
  const pacedPairs = Math.round(LATENCY_PAIRS / 4);
  const addedPacedP99 = await added(`${pacedPairs} pairs 5 ms apart (every hop wakes a sleeping process)`, pacedPairs, 5);

  const prometheusRuns: Record<string, RealPrometheusResult> = {};
  const proxyPort = Number(new URL(proxyToDecode!).port);
  for (const { name, binary } of await prometheusVersionsAtHand()) {
    const run = await measureRealPrometheus({ binary, proxyPort, seconds: Number(values['prometheus-seconds']), series: Number(values['prometheus-series']), rssMb, proxyPid: proxy.child.pid! });
    prometheusRuns[name] = run;
    console.log(`real Prometheus ${run.prometheus} (${name}), rendered AMP config, ${values['prometheus-series']} series scraped every 1 s: ${run.samples_per_second} samples/s delivered through the proxy, ${run.failed_samples} failed, ${run.retried_samples} retried, lag ${run.lag_seconds} s; proxy CPU ${run.proxy_cpu_percent} % of a core, proxy RSS peak ${run.proxy_rss_peak_mb} MB, Prometheus RSS peak ${run.prometheus_rss_peak_mb} MB`);
  }
  if (prometheusRuns.shipped && prometheusRuns.debian) {
    const ratio = (key: 'samples_per_second' | 'proxy_cpu_percent' | 'prometheus_rss_peak_mb') => round(prometheusRuns.shipped![key] / prometheusRuns.debian![key], 2);
    console.log(`  shipped / debian, same run: delivered ${ratio('samples_per_second')}×, proxy CPU ${ratio('proxy_cpu_percent')}×, Prometheus RSS ${ratio('prometheus_rss_peak_mb')}× (proxy RSS peaks carry over from the phases before)`);
  }

  const result = {
    real_prometheus: prometheusRuns,
    direct_rps: round(directTotal.rps, 1),
    proxied_rps: round(proxiedTotal.rps, 1),
    throughput_ratio: round(proxiedTotal.rps / directTotal.rps, 3),
    p99_added_ms: round(addedP99, 3),
    p99_added_paced_ms: round(addedPacedP99, 3),
    proxy_rss_mb: round(rssPeak, 1),
    proxy_rss_growth_mb: round(rssGrowth, 1),
    proxy_ceiling_rps: round(ceiling.rps, 1),
    failed_requests: directTotal.failed + proxiedTotal.failed + ceiling.failed,
  };
  const bar = (ok: boolean) => (ok ? 'met' : 'NOT MET');
  console.log(`bars: throughput ≥ 0.9× direct ${bar(result.throughput_ratio >= 0.9)}; p99 added < 2 ms ${bar(result.p99_added_ms < 2)} (paced: ${bar(result.p99_added_paced_ms < 2)}); RSS flat (< 10 MB change) ${bar(Math.abs(rssGrowth) < 10)}`);
  console.log(JSON.stringify(result));
} finally {
  clearInterval(sampler);
  await stop(proxy.child);
  await stop(receiver.child);
}
