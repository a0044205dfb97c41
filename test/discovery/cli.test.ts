import assert from 'node:assert/strict';
import { execa } from 'execa';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { startFakeAws, type FakeAws } from '../fake-aws/index.ts';
import { world } from './world-builders.ts';

const CLI = path.resolve(import.meta.dirname, '../../supervisor/cli.ts');

const oneService = world({
  taskDefinitions: [
    {
      family: 'web',
      revision: 4,
      networkMode: 'awsvpc',
      containers: [
        { name: 'app', image: 'example/web:4', dockerLabels: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '8080' } },
        { name: 'log-router', image: 'fluent-bit:3' },
        { name: 'bad', image: 'example/bad:1', dockerLabels: { 'prometheus.io/scrape': 'true', 'prometheus.io/interval': 'soon', 'prometheus.io/port': '1' } },
      ],
    },
  ],
  clusters: [
    {
      name: 'shop',
      services: [{ name: 'web' }],
      tasks: [
        { id: 'f1', taskDefinition: 'web:4', service: 'web', lastStatus: 'RUNNING', launchType: 'FARGATE', az: 'us-east-1a', privateIp: '10.9.0.1' },
        { id: 'f2', taskDefinition: 'web:4', service: 'web', lastStatus: 'PROVISIONING', launchType: 'FARGATE', az: 'us-east-1a' },
      ],
    },
  ],
});

describe('ecs-appliance discover (the CLI, as a user runs it)', () => {
  let aws: FakeAws;
  let dir: string;
  const run = (args: string[], env: Record<string, string> = aws.env) =>
    execa('node', ['--import', 'tsx', CLI, 'discover', ...args], { env: { ...env, PATH: process.env.PATH ?? '' }, extendEnv: false, reject: false, timeout: 60_000 });

  before(async () => {
    aws = await startFakeAws({ world: oneService });
    dir = await mkdtemp(path.join(tmpdir(), 'discover-cli-'));
  });
  after(async () => {
    await aws.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('--once writes the target file, prints a summary with the API calls, exits 0', async () => {
    const out = path.join(dir, 'targets');
    const result = await run(['--once', '--out', out]);
    assert.equal(result.exitCode, 0, result.stderr);
    assert.match(result.stdout, /111111111111\/us-east-1\/shop: 1 targets {2}1 endpoints skipped/);
    assert.match(result.stdout, /DescribeTasks ok: 1/);
    assert.deepEqual(await readdir(out), ['ecs_111111111111_us-east-1_shop.json']);
  });

  it('--explain says for every task and container why it is or is not a target', async () => {
    const result = await run(['--explain']);
    assert.equal(result.exitCode, 0, result.stderr);
    const text = result.stdout;
    assert.match(text, /container app: target 10\.9\.0\.1:8080\/metrics {2}\(prometheus\.io labels\)/);
    assert.match(text, /container log-router: not scraped: no opt-in/);
    assert.match(text, /container bad: skipped endpoint: prometheus\.io\/interval="soon": not a Prometheus duration/);
    assert.match(text, /task f2 {2}web:4 {2}service web {2}PROVISIONING\n {4}skipped: task is PROVISIONING, not RUNNING yet/);
  });

  it('--explain --json gives the same decisions as data', async () => {
    const result = await run(['--explain', '--json']);
    const clusters = JSON.parse(result.stdout) as { cluster: string; tasks: { containers: { name: string; optedIn: boolean }[] }[] }[];
    assert.equal(clusters[0]!.cluster, 'shop');
    assert.ok(clusters[0]!.tasks.some((t) => t.containers.some((c) => c.name === 'log-router' && !c.optedIn)));
  });

  it('exits non-zero with a clear message when nothing can be discovered (credentials refused)', async () => {
    const result = await run(['--once', '--out', path.join(dir, 'none')], { ...aws.env, AWS_SECRET_ACCESS_KEY: 'not-the-secret' });
    assert.equal(result.exitCode, 1);
    assert.match(result.stderr, /nothing could be discovered/);
    assert.match(result.stderr, /self\/us-east-1: InvalidSignatureException/);
  });

  it('a bad settings file is refused with the file, the path inside it and what was expected', async () => {
    const file = path.join(dir, 'appliance.yml');
    await writeFile(file, 'discovery:\n  interval: 30s\n  rules:\n    - name: r\n      family: web\n      endpoints:\n        - port: 99999\n');
    const result = await run(['--once', '--settings', file]);
    assert.equal(result.exitCode, 2);
    assert.match(result.stderr, /appliance\.yml: discovery\.rules\[0\]\.endpoints\[0\]\.port: expected a number from 1 to 65535/);
  });

  it('a bad flag value is refused the same way', async () => {
    const result = await run(['--once', '--interval', 'often']);
    assert.equal(result.exitCode, 2);
    assert.match(result.stderr, /interval: expected a Prometheus duration/);
  });

  it('without --once it keeps discovering every --interval, picks up new tasks, and stops cleanly on SIGTERM', async () => {
    const out = path.join(dir, 'loop');
    const child = run(['--out', out, '--interval', '1s']);
    const file = path.join(out, 'ecs_111111111111_us-east-1_shop.json');
    const targetCount = async () => {
      try {
        return (JSON.parse(await readFile(file, 'utf8')) as unknown[]).length;
      } catch {
        return -1;
      }
    };
    const waitFor = async (count: number) => {
      for (let i = 0; i < 100 && (await targetCount()) !== count; i++) await sleep(100);
      return targetCount();
    };
    assert.equal(await waitFor(1), 1);
    aws.world.addTask({ cluster: 'shop' }, { id: 'f3', taskDefinition: 'web:4', service: 'web', lastStatus: 'RUNNING', launchType: 'FARGATE', az: 'us-east-1a', privateIp: '10.9.0.3' });
    assert.equal(await waitFor(2), 2);
    child.kill('SIGTERM');
    const result = await child;
    assert.equal(result.exitCode, 0, result.stderr);
  });
});
