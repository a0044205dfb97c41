import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Task, TaskDefinition } from '@aws-sdk/client-ecs';
import type { Registry } from 'prom-client';
import type { ClusterStatus } from '../../supervisor/discovery/cycle-status.ts';
import type { ClusterCycle, CycleResult } from '../../supervisor/discovery/cycle.ts';
import { runningTasks, type RunningTask } from '../../supervisor/discovery/running-tasks.ts';
import { nextClusterTasks, taskSeries, type ClusterTasks } from '../../supervisor/discovery/task-series.ts';
import type { ClusterSnapshot } from '../../supervisor/discovery/world.ts';
import { startHarness, type Harness } from './harness.ts';
import { containerInstance, world } from './world-builders.ts';

const TASK_ARN = (id: string) => `arn:aws:ecs:us-east-1:111111111111:task/prod/${id}`;
const DEFINITION_ARN = 'arn:aws:ecs:us-east-1:111111111111:task-definition/web:4';
const MIB = 2 ** 20;

function snapshot(tasks: Task[], definition?: TaskDefinition): ClusterSnapshot {
  return {
    accountId: '111111111111',
    region: 'us-east-1',
    clusterName: 'prod',
    clusterArn: 'arn:aws:ecs:us-east-1:111111111111:cluster/prod',
    clusterTags: {},
    generation: 1,
    tasks,
    taskDefinitions: new Map(definition ? [[DEFINITION_ARN, definition]] : []),
    taskDefinitionTags: new Map(),
    containerInstances: new Map(),
    ec2Instances: new Map(),
  };
}

const task = (id: string, more: Partial<Task> = {}): Task => ({
  taskArn: TASK_ARN(id),
  taskDefinitionArn: DEFINITION_ARN,
  lastStatus: 'RUNNING',
  launchType: 'FARGATE',
  availabilityZone: 'us-east-1a',
  group: 'service:web',
  ...more,
});

describe('running tasks from a cluster snapshot', () => {
  const definition: TaskDefinition = {
    taskDefinitionArn: DEFINITION_ARN,
    family: 'web',
    revision: 4,
    cpu: '512',
    memory: '1024',
    containerDefinitions: [
      { name: 'app', cpu: 256, memory: 512 },
      { name: 'sidecar', cpu: 0 },
    ],
  };

  it('gives each RUNNING task its identity and its limits as run: overrides, then what ECS reports, then the definition', () => {
    const tasks = runningTasks(
      snapshot(
        [
          task('b', {
            cpu: '512',
            overrides: { cpu: '2048', memory: '4096', containerOverrides: [{ name: 'app', memory: 3072 }] },
            containers: [{ name: 'app', cpu: '256', memory: '512' }, { name: 'sidecar', cpu: '0' }],
          }),
          task('a', { group: 'family:web', containers: [{ name: 'app' }, { name: 'sidecar' }] }),
          task('pending', { lastStatus: 'PENDING' }),
        ],
        definition,
      ),
    );
    assert.deepEqual(tasks, [
      {
        taskArn: TASK_ARN('a'),
        service: '',
        family: 'web',
        revision: '4',
        launchType: 'FARGATE',
        availabilityZone: 'us-east-1a',
        cpuCores: 0.5,
        memoryBytes: 1024 * MIB,
        containers: [{ name: 'app', cpuCores: 0.25, memoryBytes: 512 * MIB }, { name: 'sidecar' }],
      },
      {
        taskArn: TASK_ARN('b'),
        service: 'web',
        family: 'web',
        revision: '4',
        launchType: 'FARGATE',
        availabilityZone: 'us-east-1a',
        cpuCores: 2,
        memoryBytes: 4096 * MIB,
        containers: [{ name: 'app', cpuCores: 0.25, memoryBytes: 3072 * MIB }, { name: 'sidecar' }],
      },
    ]);
  });

  it('leaves limits out where the task sets none, and names family and revision from the ARN before the definition is known', () => {
    const [only] = runningTasks(snapshot([task('c', { launchType: 'EC2', containers: [{ name: 'app', cpu: '0' }] })]));
    assert.deepEqual(only, { taskArn: TASK_ARN('c'), service: 'web', family: 'web', revision: '4', launchType: 'EC2', availabilityZone: 'us-east-1a', containers: [{ name: 'app' }] });
  });
});

describe("each cluster's tasks after a cycle", () => {
  const key = 'k-prod';
  const running = (...ids: string[]): RunningTask[] =>
    ids.map((id) => ({ taskArn: TASK_ARN(id), service: id.startsWith('job') ? '' : 'web', family: 'web', revision: '4', launchType: 'FARGATE', availabilityZone: 'us-east-1a', containers: [] }));
  const discovered = (...ids: string[]): ClusterCycle =>
    ({ key, scope: 's', accountId: '111', region: 'us-east-1', cluster: 'prod', fetch: 'discovered', discoveredAt: new Date(0), tasks: [], skippedEndpoints: 0, runningTasks: running(...ids), targets: 0 }) as ClusterCycle;
  const cycle = (...clusters: ClusterCycle[]): CycleResult => ({ durationSeconds: 0, clusters, scopeErrors: [], nothingDiscovered: false });
  const watched = new Map([[key, {} as ClusterStatus]]);
  const started = (tasks: ReadonlyMap<string, ClusterTasks>) => Object.fromEntries(tasks.get(key)!.tasksStarted);

  it('counts tasks from the first successful look on, each new ARN once, per service', () => {
    const first = nextClusterTasks(new Map(), cycle(discovered('a', 'b')), watched);
    assert.deepEqual(started(first), {}, 'tasks running at the first look started unseen');
    const second = nextClusterTasks(first, cycle(discovered('b', 'c', 'job1')), watched);
    assert.deepEqual(started(second), { web: 1, '': 1 });
    const third = nextClusterTasks(second, cycle(discovered('b', 'c', 'job1', 'd')), watched);
    assert.deepEqual(started(third), { web: 2, '': 1 }, 'c and job1 again count nothing');
  });

  it('keeps the last tasks of a cluster that failed, and forgets a cluster whose status is gone', () => {
    const first = nextClusterTasks(new Map(), cycle(discovered('a')), watched);
    const failed = nextClusterTasks(first, cycle({ key, scope: 's', accountId: '111', region: 'us-east-1', cluster: 'prod', fetch: 'failed', error: 'x', targets: 0 }), watched);
    assert.deepEqual(failed.get(key)!.runningTasks, running('a'));
    assert.equal(nextClusterTasks(failed, cycle({ key, fetch: 'gone', targets: 0 }), new Map()).size, 0);
  });

  it('makes one info series per task and a limit series only where a limit is set', () => {
    const tasks: RunningTask[] = [
      { ...running('a')[0]!, cpuCores: 0.5, containers: [{ name: 'app', memoryBytes: 512 * MIB }, { name: 'log' }] },
    ];
    const series = taskSeries([{ cluster: 'prod', runningTasks: tasks, tasksStarted: new Map([['web', 3]]) }]);
    const arn = TASK_ARN('a');
    assert.deepEqual(series, {
      taskInfo: [{ labels: { cluster: 'prod', service: 'web', task_arn: arn, task_family: 'web', task_revision: '4', launch_type: 'FARGATE', availability_zone: 'us-east-1a' }, value: 1 }],
      taskCpuLimitCores: [{ labels: { cluster: 'prod', task_arn: arn }, value: 0.5 }],
      taskMemoryLimitBytes: [],
      containerCpuLimitCores: [],
      containerMemoryLimitBytes: [{ labels: { cluster: 'prod', task_arn: arn, container: 'app' }, value: 512 * MIB }],
      tasksStarted: [{ labels: { cluster: 'prod', service: 'web' }, value: 3 }],
    });
  });
});

/** name{labels} value lines of one metric family, sorted, from the registry as /metrics shows it. */
async function exposed(registry: Registry, name: string): Promise<string[]> {
  const text = await registry.metrics();
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .sort();
}

describe("the appliance's task series through the SDK against the fake ECS", () => {
  let h: Harness;
  const arn = (cluster: string, id: string) => `arn:aws:ecs:us-east-1:111111111111:task/${cluster}/${id}`;
  before(async () => {
    h = await startHarness(
      world({
        taskDefinitions: [
          {
            family: 'web',
            revision: 2,
            networkMode: 'awsvpc',
            cpu: '512',
            memory: '1024',
            containers: [
              { name: 'app', image: 'example/web:2', cpu: 256, memory: 768 },
              { name: 'ecs-exporter', image: 'quay.io/prometheuscommunity/ecs-exporter:v0.4.0' },
            ],
          },
          { family: 'cadvisor', revision: 1, networkMode: 'host', containers: [{ name: 'cadvisor', image: 'gcr.io/cadvisor/cadvisor:v0.52.1', memory: 256 }] },
        ],
        clusters: [
          {
            name: 'prod',
            services: [{ name: 'web' }],
            tasks: [{ id: 'w1', taskDefinition: 'web:2', service: 'web', lastStatus: 'RUNNING', launchType: 'FARGATE', az: 'us-east-1b', privateIp: '10.0.1.1', overrides: { cpu: '1024' } }],
          },
          {
            name: 'batch',
            containerInstances: [containerInstance('ci-1', '10.0.2.1')],
            services: [{ name: 'cadvisor', schedulingStrategy: 'DAEMON' }],
            tasks: [{ id: 'c1', taskDefinition: 'cadvisor:1', service: 'cadvisor', lastStatus: 'RUNNING', launchType: 'EC2', containerInstance: 'ci-1', az: 'us-east-1a' }],
          },
        ],
      }),
      { maxDropRatio: 1 },
    );
    await h.service.runCycle();
  });
  after(() => h.close());

  it('shows every RUNNING task and container with the limits it runs with', async () => {
    assert.deepEqual(await exposed(h.registry, 'ecs_appliance_task_info'), [
      `ecs_appliance_task_info{cluster="batch",service="cadvisor",task_arn="${arn('batch', 'c1')}",task_family="cadvisor",task_revision="1",launch_type="EC2",availability_zone="us-east-1a"} 1`,
      `ecs_appliance_task_info{cluster="prod",service="web",task_arn="${arn('prod', 'w1')}",task_family="web",task_revision="2",launch_type="FARGATE",availability_zone="us-east-1b"} 1`,
    ]);
    assert.deepEqual(await exposed(h.registry, 'ecs_appliance_task_cpu_limit_cores'), [
      `ecs_appliance_task_cpu_limit_cores{cluster="batch",task_arn="${arn('batch', 'c1')}"} 0.25`,
      `ecs_appliance_task_cpu_limit_cores{cluster="prod",task_arn="${arn('prod', 'w1')}"} 1`,
    ]);
    assert.deepEqual(await exposed(h.registry, 'ecs_appliance_container_cpu_limit_cores'), [
      `ecs_appliance_container_cpu_limit_cores{cluster="prod",task_arn="${arn('prod', 'w1')}",container="app"} 0.25`,
    ]);
    assert.deepEqual(await exposed(h.registry, 'ecs_appliance_container_memory_limit_bytes'), [
      `ecs_appliance_container_memory_limit_bytes{cluster="batch",task_arn="${arn('batch', 'c1')}",container="cadvisor"} ${256 * MIB}`,
      `ecs_appliance_container_memory_limit_bytes{cluster="prod",task_arn="${arn('prod', 'w1')}",container="app"} ${768 * MIB}`,
    ]);
    assert.deepEqual(await exposed(h.registry, 'ecs_appliance_tasks_started_total'), []);
  });

  it('counts a task started after the first cycle once, keeps the series of a cluster that fails, and drops those of a gone cluster', async () => {
    h.aws.world.addTask({ cluster: 'prod' }, { id: 'w2', taskDefinition: 'web:2', service: 'web', lastStatus: 'RUNNING', launchType: 'FARGATE', az: 'us-east-1a', privateIp: '10.0.1.2' });
    await h.service.runCycle();
    await h.service.runCycle();
    assert.deepEqual(await exposed(h.registry, 'ecs_appliance_tasks_started_total'), ['ecs_appliance_tasks_started_total{cluster="prod",service="web"} 1']);
    assert.equal((await exposed(h.registry, 'ecs_appliance_task_info')).length, 3);

    const fault = h.aws.faults.add({ service: 'ecs', operation: 'ListTasks', cluster: 'prod', kind: 'http500' });
    await h.service.runCycle();
    fault.remove();
    assert.equal(h.service.clusterStatuses().find((c) => c.cluster === 'prod')!.lastError !== undefined, true, 'the cluster did fail');
    assert.equal((await exposed(h.registry, 'ecs_appliance_task_info')).filter((line) => line.includes('cluster="prod"')).length, 2);
    assert.equal((await exposed(h.registry, 'ecs_appliance_tasks_started_total')).length, 1);

    const region = h.aws.world.spec.accounts[0]!.regions![0]!;
    region.clusters = region.clusters!.filter((c) => c.name !== 'batch');
    await h.service.runCycle();
    assert.deepEqual(
      (await exposed(h.registry, 'ecs_appliance_task_info')).map((line) => /cluster="(\w+)"/.exec(line)![1]),
      ['prod', 'prod'],
    );
    assert.deepEqual(await exposed(h.registry, 'ecs_appliance_container_memory_limit_bytes'), [
      `ecs_appliance_container_memory_limit_bytes{cluster="prod",task_arn="${arn('prod', 'w1')}",container="app"} ${768 * MIB}`,
      `ecs_appliance_container_memory_limit_bytes{cluster="prod",task_arn="${arn('prod', 'w2')}",container="app"} ${768 * MIB}`,
    ]);
  });
});
