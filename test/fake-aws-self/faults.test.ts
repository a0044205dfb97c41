import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DescribeTasksCommand, ECSClient, ListClustersCommand, ListTasksCommand } from '@aws-sdk/client-ecs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { startFakeAws, type FakeAws } from '../fake-aws/index.ts';
import { clientConfig, smallWorld } from './fixtures.ts';

const errorOf = async (promise: Promise<unknown>): Promise<Error & { $metadata?: { httpStatusCode?: number } }> => {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to fail');
};

describe('throttling', () => {
  test('bursting past the shared ECS bucket gives ThrottlingException, then it refills', async () => {
    const aws = await startFakeAws({ world: smallWorld() });
    const ecs = new ECSClient(clientConfig(aws));
    try {
      // ListTasks and DescribeTasks share one 100-token bucket refilled at 20/s.
      const started = performance.now();
      const calls = Array.from({ length: 200 }, (_, i) =>
        (i % 2 ? ecs.send(new ListTasksCommand({ cluster: 'prod' })) : ecs.send(new DescribeTasksCommand({ cluster: 'prod', tasks: ['web1'] }))).then(
          () => 'ok',
          (e: unknown) => ((e as Error).name === 'ThrottlingException' ? 'throttled' : String(e)),
        ),
      );
      const results = await Promise.all(calls);
      const seconds = (performance.now() - started) / 1000;
      const ok = results.filter((r) => r === 'ok').length;
      const throttled = results.filter((r) => r === 'throttled').length;
      assert.equal(ok + throttled, 200, `unexpected errors: ${results.filter((r) => r !== 'ok' && r !== 'throttled').join(', ')}`);
      assert.ok(ok >= 100 && ok <= 100 + Math.ceil(20 * seconds) + 1, `${ok} succeeded in ${seconds.toFixed(2)} s`);
      assert.ok(throttled > 0);
      assert.equal(aws.throttles, throttled);
      // Another bucket (cluster reads) is untouched.
      await ecs.send(new ListClustersCommand({}));
      await new Promise((r) => setTimeout(r, 200));
      await ecs.send(new ListTasksCommand({ cluster: 'prod' }));
    } finally {
      ecs.destroy();
      await aws.stop();
    }
  });

  test('EC2 answers RequestLimitExceeded (503) past its bucket; buckets are configurable and per account', async () => {
    const aws = await startFakeAws({ world: smallWorld(), throttling: { buckets: { 'ec2:describe': { capacity: 3, refillPerSecond: 0.001 } } } });
    const ec2 = new EC2Client(clientConfig(aws));
    try {
      for (let i = 0; i < 3; i++) await ec2.send(new DescribeInstancesCommand({}));
      const e = await errorOf(ec2.send(new DescribeInstancesCommand({})));
      assert.equal(e.name, 'RequestLimitExceeded');
      assert.equal(e.$metadata?.httpStatusCode, 503);
      const other = new EC2Client({ ...clientConfig(aws), credentials: aws.credentialsFor('222222222222') });
      await other.send(new DescribeInstancesCommand({}));
      aws.throttling.reset();
      await ec2.send(new DescribeInstancesCommand({}));
    } finally {
      ec2.destroy();
      await aws.stop();
    }
  });
});

describe('fault injection and latency', () => {
  let aws: FakeAws;
  let ecs: ECSClient;
  before(async () => {
    aws = await startFakeAws({ world: smallWorld(), throttling: false });
    ecs = new ECSClient(clientConfig(aws));
  });
  beforeEach(() => {
    aws.faults.clear();
    aws.latencyMs = 0;
  });
  after(async () => {
    ecs.destroy();
    await aws.stop();
  });

  test('HTTP 500 and 503 for the next N calls of one operation only', async () => {
    const fault = aws.faults.add({ service: 'ecs', operation: 'ListTasks', kind: 'http500', times: 2 });
    for (let i = 0; i < 2; i++) {
      const e = await errorOf(ecs.send(new ListTasksCommand({ cluster: 'prod' })));
      assert.equal(e.name, 'ServerException');
      assert.equal(e.$metadata?.httpStatusCode, 500);
    }
    await ecs.send(new ListClustersCommand({}));
    await ecs.send(new ListTasksCommand({ cluster: 'prod' }));
    assert.equal(fault.hits, 2);
    aws.faults.add({ service: 'ecs', kind: 'http503' });
    assert.equal((await errorOf(ecs.send(new ListClustersCommand({})))).$metadata?.httpStatusCode, 503);
    assert.equal(aws.calls.count({ outcome: 'fault' }), 3);
  });

  test('faults can target one cluster, throttle, deny access or reject credentials', async () => {
    aws.faults.add({ cluster: 'prod', operation: 'DescribeTasks', kind: 'throttle' });
    assert.equal((await errorOf(ecs.send(new DescribeTasksCommand({ cluster: 'prod', tasks: ['web1'] })))).name, 'ThrottlingException');
    aws.faults.clear();
    const denied = aws.faults.add({ kind: 'accessDenied', times: 1 });
    assert.equal((await errorOf(ecs.send(new ListClustersCommand({})))).name, 'AccessDeniedException');
    assert.equal(denied.hits, 1);
    aws.faults.add({ account: '111111111111', kind: 'badCredentials', times: 1 });
    assert.equal((await errorOf(ecs.send(new ListClustersCommand({})))).name, 'UnrecognizedClientException');
    aws.faults.add({ account: '999999999999', kind: 'http500' });
    await ecs.send(new ListClustersCommand({}));
  });

  test('a hang lasts until the client times out, and stop() still ends promptly', async () => {
    const own = await startFakeAws({ world: smallWorld() });
    const client = new ECSClient({ ...clientConfig(own), requestHandler: new NodeHttpHandler({ requestTimeout: 300, throwOnRequestTimeout: true }) });
    try {
      own.faults.add({ operation: 'ListClusters', kind: 'hang' });
      const started = performance.now();
      const e = await errorOf(client.send(new ListClustersCommand({})));
      assert.equal(e.name, 'TimeoutError');
      assert.ok(performance.now() - started >= 250);
      // A second hung call is still open when stop() runs.
      const pending = client.send(new ListClustersCommand({}), { abortSignal: AbortSignal.timeout(5000) }).catch((e: Error) => (e.name === 'AbortError' ? 'still hanging after 5 s' : 'ended'));
      await new Promise((r) => setTimeout(r, 50));
      const stopStarted = performance.now();
      await own.stop();
      assert.ok(performance.now() - stopStarted < 1000);
      assert.equal(await pending, 'ended');
    } finally {
      client.destroy();
      await own.stop();
    }
  });

  test('latencyMs delays every answer', async () => {
    aws.latencyMs = 120;
    const started = performance.now();
    await ecs.send(new ListClustersCommand({}));
    assert.ok(performance.now() - started >= 115);
    aws.latencyMs = 0;
    const quick = performance.now();
    await ecs.send(new ListClustersCommand({}));
    assert.ok(performance.now() - quick < 100);
  });
});
