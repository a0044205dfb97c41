import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, test } from 'node:test';
import { DescribeTasksCommand, ECSClient, ListClustersCommand, ListTasksCommand, paginateListTasks } from '@aws-sdk/client-ecs';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { generateWorld } from '../fake-aws/generate-world.ts';
import { startFakeAws } from '../fake-aws/index.ts';
import { parseWorld } from '../fake-aws/world.ts';

const here = path.dirname(new URL(import.meta.url).pathname);
const fakeAwsDir = path.join(here, '..', 'fake-aws');

describe('fake-aws tooling: CLI, demo world, generator', () => {
  let dir: string | undefined;
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('the CLI serves a world, seeds S3 from a directory and stops on SIGTERM', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'fake-aws-cli-'));
    await mkdir(path.join(dir, 'seed', 'rules'), { recursive: true });
    await writeFile(path.join(dir, 'seed', 'rules', 'a.yml'), 'groups: []\n');
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(fakeAwsDir, 'main.ts'), '--world', path.join(fakeAwsDir, 'worlds', 'demo.json'), '--latency-ms', '1', '--s3-seed', `${path.join(dir, 'seed')}=s3://appliance/config`], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    try {
      const lines = createInterface({ input: child.stdout! });
      const [first] = (await once(lines, 'line')) as [string];
      const info = JSON.parse(first) as { url: string; accessKeyId: string; secretAccessKey: string; region: string };
      assert.match(info.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      const config = { endpoint: info.url, region: info.region, credentials: { accessKeyId: info.accessKeyId, secretAccessKey: info.secretAccessKey }, maxAttempts: 1 };
      const ecs = new ECSClient(config);
      assert.equal((await ecs.send(new ListClustersCommand({}))).clusterArns?.length, 2);
      const s3 = new S3Client({ ...config, forcePathStyle: true });
      const rules = await s3.send(new GetObjectCommand({ Bucket: 'appliance', Key: 'config/rules/a.yml' }));
      assert.equal(await rules.Body?.transformToString(), 'groups: []\n');
      ecs.destroy();
      s3.destroy();
      child.kill('SIGTERM');
      const [code] = (await once(child, 'exit')) as [number | null];
      assert.equal(code, 0);
    } finally {
      clearTimeout(killer);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  test('every demo task expands, on 127.0.0.1 ports 19100-19199, covering each network mode', async () => {
    const world = parseWorld(JSON.parse(await readFile(path.join(fakeAwsDir, 'worlds', 'demo.json'), 'utf8')), 'demo.json');
    const aws = await startFakeAws({ world });
    const ecs = new ECSClient({ endpoint: aws.url, region: 'us-east-1', credentials: aws.credentials, maxAttempts: 1 });
    try {
      const ports = new Set<number>();
      const modes = new Set<string>();
      for (const cluster of ['demo-fargate', 'demo-ec2']) {
        const arns = (await ecs.send(new ListTasksCommand({ cluster }))).taskArns ?? [];
        const tasks = (await ecs.send(new DescribeTasksCommand({ cluster, tasks: arns }))).tasks ?? [];
        for (const task of tasks) {
          for (const c of task.containers ?? []) {
            for (const b of c.networkBindings ?? []) ports.add(b.hostPort!);
            for (const n of c.networkInterfaces ?? []) assert.equal(n.privateIpv4Address, '127.0.0.1');
          }
          modes.add(task.attachments?.length ? 'awsvpc' : 'ec2');
        }
      }
      assert.deepEqual(modes, new Set(['awsvpc', 'ec2']));
      for (const port of ports) assert.ok(port >= 19100 && port <= 19199, `port ${port}`);
      assert.deepEqual(aws.internalErrors, []);
    } finally {
      ecs.destroy();
      await aws.stop();
    }
  });

  test('the generator builds a valid benchmark-sized world that the fake serves', async () => {
    const started = performance.now();
    const world = generateWorld({ clusters: 10, tasksPerCluster: 500, taskDefinitions: 300, containerInstances: 100 });
    parseWorld(world, 'generated');
    assert.ok(performance.now() - started < 5_000);
    const modes = new Set(world.accounts[0]!.regions![0]!.taskDefinitions!.map((d) => d.networkMode));
    assert.deepEqual(modes, new Set(['awsvpc', 'bridge', 'host']));
    assert.deepEqual(generateWorld({ clusters: 1, tasksPerCluster: 5, seed: 7 }), generateWorld({ clusters: 1, tasksPerCluster: 5, seed: 7 }));

    const aws = await startFakeAws({ world, throttling: false });
    const ecs = new ECSClient({ endpoint: aws.url, region: 'us-east-1', credentials: aws.credentials, maxAttempts: 1 });
    try {
      let listed = 0;
      for await (const page of paginateListTasks({ client: ecs }, { cluster: 'cluster-3' })) {
        listed += page.taskArns?.length ?? 0;
        const out = await ecs.send(new DescribeTasksCommand({ cluster: 'cluster-3', tasks: page.taskArns, include: ['TAGS'] }));
        assert.equal(out.failures?.length, 0);
      }
      assert.ok(listed > 450 && listed <= 500, `listed ${listed}`);
      assert.deepEqual(aws.internalErrors, []);
    } finally {
      ecs.destroy();
      await aws.stop();
    }
  });
});
