/**
 * Discovery benchmark: a world of 10 clusters × 500 tasks (300 task definitions, 100 container
 * instances) in the fake AWS, 20 ms per call and ECS's token buckets, served from its own
 * process. The measured process runs the compiled discovery (as the image does): one cold
 * cycle, then one warm cycle, with the real SDK clients. It runs twice, with Node's default
 * heap settings and with --optimize-for-size (what the image's entrypoint uses), side by side.
 *
 *   npm run bench:discovery
 *
 * The last line is one JSON object with warm_calls, cold_calls, warm_seconds, cold_seconds,
 * bucket_floor_seconds, throttles, peak_rss_mb (of the --optimize-for-size run).
 */
import { execa } from 'execa';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { generateWorld } from '../test/fake-aws/generate-world.ts';

const LATENCY_MS = 20;
/** AWS's own buckets (burst, refill/s), which the fake enforces: the floor no client can beat. */
const AWS_BUCKETS: Record<string, { operations: string[]; burst: number; rate: number }> = {
  'cluster read': { operations: ['ListClusters', 'DescribeClusters'], burst: 50, rate: 20 },
  'cluster resource read': { operations: ['ListTasks', 'DescribeTasks', 'DescribeContainerInstances'], burst: 100, rate: 20 },
  'task definition read': { operations: ['DescribeTaskDefinition'], burst: 50, rate: 20 },
  'EC2 describe': { operations: ['DescribeInstances'], burst: 100, rate: 20 },
};

type Calls = Map<string, { ok: number; throttled: number; error: number }>;
interface WorkerCycle {
  name: string;
  seconds: number;
  targets: number;
  calls: { operation: string; outcome: 'ok' | 'throttled' | 'error'; value: number }[];
}
interface WorkerResult {
  cycles: WorkerCycle[];
  startRss: number;
  peakRss: number;
}

const dir = await mkdtemp(path.join(tmpdir(), 'bench-discovery-'));
const worldFile = path.join(dir, 'world.json');
// Every task RUNNING, as the issue's world states; a PENDING task costs a describe each cycle until it runs.
await writeFile(worldFile, JSON.stringify(generateWorld({ clusters: 10, tasksPerCluster: 500, taskDefinitions: 300, containerInstances: 10, pendingShare: 0 })));
await execa('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });

/** One measured run against a fresh fake (full token buckets, empty caches). */
async function measure(nodeFlags: string[]): Promise<WorkerResult> {
  const fake = execa('node', ['--import', 'tsx', 'test/fake-aws/main.ts', '--world', worldFile, '--latency-ms', String(LATENCY_MS)], { reject: false });
  try {
    const ready = await new Promise<{ url: string; accessKeyId: string; secretAccessKey: string; region: string }>((resolve, reject) => {
      createInterface({ input: fake.stdout! }).once('line', (line) => resolve(JSON.parse(line)));
      void fake.then((r) => reject(new Error(`fake AWS exited: ${r.stderr}`)));
    });
    const worker = await execa('node', [...nodeFlags, 'bench/discovery-worker.mjs', path.join(dir, `targets-${nodeFlags.length}`)], {
      env: { AWS_ENDPOINT_URL: ready.url, AWS_ACCESS_KEY_ID: ready.accessKeyId, AWS_SECRET_ACCESS_KEY: ready.secretAccessKey, AWS_REGION: ready.region },
      timeout: 180_000,
    });
    return JSON.parse(worker.stdout.trim().split('\n').at(-1)!) as WorkerResult;
  } finally {
    fake.kill('SIGTERM');
    await fake;
  }
}

function cycleCalls(result: WorkerResult, index: number): Calls {
  const totals = (cycle: WorkerCycle | undefined): Calls => {
    const calls: Calls = new Map();
    for (const c of cycle?.calls ?? []) {
      const entry = calls.get(c.operation) ?? { ok: 0, throttled: 0, error: 0 };
      entry[c.outcome] += c.value;
      calls.set(c.operation, entry);
    }
    return calls;
  };
  const after = totals(result.cycles[index]);
  const before = totals(result.cycles[index - 1]);
  const out: Calls = new Map();
  for (const [op, a] of after) {
    const b = before.get(op) ?? { ok: 0, throttled: 0, error: 0 };
    const d = { ok: a.ok - b.ok, throttled: a.throttled - b.throttled, error: a.error - b.error };
    if (d.ok + d.throttled + d.error > 0) out.set(op, d);
  }
  return out;
}

const total = (calls: Calls) => [...calls.values()].reduce((n, c) => n + c.ok + c.throttled + c.error, 0);
const throttled = (calls: Calls) => [...calls.values()].reduce((n, c) => n + c.throttled, 0);
const mb = (bytes: number) => Number((bytes / 1048576).toFixed(1));

function bucketFloor(calls: Calls): { seconds: number; bucket: string } {
  let worst = { seconds: 0, bucket: 'none' };
  for (const [bucket, shape] of Object.entries(AWS_BUCKETS)) {
    const n = shape.operations.reduce((sum, op) => sum + (calls.get(op)?.ok ?? 0), 0);
    const seconds = Math.max(0, (n - shape.burst) / shape.rate);
    if (seconds > worst.seconds) worst = { seconds, bucket: `${bucket}, ${n} calls` };
  }
  return worst;
}

try {
  const runs = [
    { label: 'node (default heap)', result: await measure([]) },
    { label: 'node --optimize-for-size', result: await measure(['--optimize-for-size']) },
  ];
  console.log(`world: 10 clusters × 500 tasks, 300 task definitions, 100 container instances; ${LATENCY_MS} ms per call; ECS token buckets`);
  for (const { label, result } of runs) {
    console.log(`\n${label}: RSS ${mb(result.startRss)} MB at start, peak ${mb(result.peakRss)} MB`);
    result.cycles.forEach((cycle, i) => {
      const calls = cycleCalls(result, i);
      console.log(`  ${cycle.name} cycle: ${cycle.seconds.toFixed(2)} s, ${total(calls)} API calls, ${throttled(calls)} throttled, ${cycle.targets} targets`);
      for (const [op, c] of [...calls].sort()) console.log(`    ${op.padEnd(28)} ${String(c.ok).padStart(5)} ok${c.throttled ? `, ${c.throttled} throttled` : ''}${c.error ? `, ${c.error} errors` : ''}`);
    });
  }
  const chosen = runs[1]!.result;
  const cold = cycleCalls(chosen, 0);
  const warm = cycleCalls(chosen, 1);
  const floor = bucketFloor(cold);
  const coldSeconds = chosen.cycles[0]!.seconds;
  console.log(`\ntoken-bucket floor of the cold cycle: ${floor.seconds.toFixed(2)} s (${floor.bucket}); cold / floor = ${(coldSeconds / floor.seconds).toFixed(3)}`);
  console.log(`peak RSS, default heap vs --optimize-for-size: ${mb(runs[0]!.result.peakRss)} MB vs ${mb(chosen.peakRss)} MB`);
  console.log(
    JSON.stringify({
      warm_calls: total(warm),
      cold_calls: total(cold),
      warm_seconds: Number(chosen.cycles[1]!.seconds.toFixed(3)),
      cold_seconds: Number(coldSeconds.toFixed(3)),
      bucket_floor_seconds: Number(floor.seconds.toFixed(3)),
      throttles: throttled(cold) + throttled(warm),
      peak_rss_mb: mb(chosen.peakRss),
    }),
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
