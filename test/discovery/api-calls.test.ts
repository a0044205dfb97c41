import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { apiCalls, startHarness, type Harness } from './harness.ts';
import { containerInstance, world } from './world-builders.ts';

const TASKS = 250;
const taskId = (i: number) => `c${String(i).padStart(31, '0')}`;

/** 250 bridge tasks over 3 task definitions on 3 instances: pagination, batching and caching in one world. */
function bigCluster() {
  const definitions = [1, 2, 3].map((revision) => ({
    family: 'svc',
    revision,
    networkMode: 'bridge' as const,
    containers: [{ name: 'app', image: `example/svc:${revision}`, portMappings: [{ containerPort: 9100, hostPort: 0 }], dockerLabels: { PROMETHEUS_EXPORTER_PORT: '9100' } }],
  }));
  const instances = [1, 2, 3].map((n) => containerInstance(`ci-${n}`, `10.0.0.${n}`, `i-00000000000000${n}0`));
  const tasks = Array.from({ length: TASKS }, (_, i) => ({
    id: taskId(i),
    taskDefinition: `svc:${(i % 3) + 1}`,
    lastStatus: 'RUNNING' as const,
    launchType: 'EC2' as const,
    az: 'us-east-1a',
    containerInstance: `ci-${(i % 3) + 1}`,
    hostPorts: { app: { '9100': 30000 + i } },
  }));
  return world({ taskDefinitions: definitions, clusters: [{ name: 'big', containerInstances: instances, tasks }] });
}

describe('API calls: AWS limits respected, steady state cheap', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness(bigCluster());
  });
  after(() => h.close());

  it('cold: pages ListTasks by 100, describes tasks in batches of 100 with tags, each definition and instance once', async () => {
    const report = await h.service.runCycle();
    assert.equal(report.clusters[0]!.targets, TASKS);
    const calls = await apiCalls(h.registry);
    assert.deepEqual(calls, {
      'ListClusters:ok': 1,
      'DescribeClusters:ok': 1,
      'ListTasks:ok': 3,
      'DescribeTasks:ok': 3,
      'DescribeTaskDefinition:ok': 3,
      'DescribeContainerInstances:ok': 1,
      'DescribeInstances:ok': 1,
    });
    // The fake enforces the limits; any request over them would have been an error.
    assert.equal(h.aws.calls.count({ outcome: 'error' }), 0);
    assert.equal(h.aws.throttles, 0);
  });

  it('warm: only lists clusters and tasks; nothing is described again', async () => {
    h.aws.calls.reset();
    const report = await h.service.runCycle();
    assert.equal(report.clusters[0]!.targets, TASKS);
    const byOperation = Object.fromEntries(h.aws.calls.entries().map((e) => [e.operation, e.count]));
    assert.deepEqual(byOperation, { ListClusters: 1, ListTasks: 3 });
  });

  it('describes just the new task, and a PENDING task again each cycle until it runs', async () => {
    h.aws.calls.reset();
    h.aws.world.addTask({ cluster: 'big' }, {
      id: taskId(TASKS),
      taskDefinition: 'svc:1',
      lastStatus: 'PENDING',
      launchType: 'EC2',
      az: 'us-east-1a',
      containerInstance: 'ci-1',
    });
    let report = await h.service.runCycle();
    assert.equal(report.clusters[0]!.targets, TASKS);
    assert.equal(h.aws.calls.count({ operation: 'DescribeTasks' }), 1);

    h.aws.calls.reset();
    await h.service.runCycle();
    assert.equal(h.aws.calls.count({ operation: 'DescribeTasks' }), 1, 'a PENDING task is described again');

    h.aws.world.updateTask({ cluster: 'big' }, taskId(TASKS), { lastStatus: 'RUNNING', hostPorts: { app: { '9100': 31999 } } });
    h.aws.calls.reset();
    report = await h.service.runCycle();
    assert.equal(report.clusters[0]!.targets, TASKS + 1);
    assert.equal(h.aws.calls.count({ operation: 'DescribeTaskDefinition' }), 0, 'task definitions stay cached');
    assert.equal(h.aws.calls.count({ operation: 'DescribeContainerInstances' }), 0);
  });

  it('a stopped task leaves the targets at once without any describe call', async () => {
    h.aws.world.removeTask({ cluster: 'big' }, taskId(0));
    h.aws.calls.reset();
    const report = await h.service.runCycle();
    assert.equal(report.clusters[0]!.targets, TASKS);
    assert.equal(h.aws.calls.count({ operation: 'DescribeTasks' }), 0);
  });
});

describe('task descriptions are refreshed now and then', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness(bigCluster(), { taskRefreshInterval: '1s' });
  });
  after(() => h.close());

  it('a RUNNING task is described again once its refresh is due, so a health change reaches the labels', async () => {
    await h.service.runCycle();
    const first = h.service.clusterStatuses()[0]!.tasks.length;
    assert.equal(first, TASKS);
    h.aws.world.updateTask({ cluster: 'big' }, taskId(7), { healthStatus: 'UNHEALTHY' });
    h.aws.calls.reset();
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await h.service.runCycle();
    assert.equal(h.aws.calls.count({ operation: 'DescribeTasks' }), 3, 'every task was due: three batches of up to 100');
    const file = [...(await h.readTargets()).values()][0]!;
    const seven = file.find((g) => g.labels.__meta_ecs_task_arn?.endsWith(taskId(7)))!;
    assert.equal(seven.labels.__meta_ecs_health_status, 'UNHEALTHY');
  });
});
