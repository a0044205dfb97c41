import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  ClientException,
  ClusterNotFoundException,
  DescribeClustersCommand,
  DescribeContainerInstancesCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  InvalidParameterException,
  ListClustersCommand,
  ListContainerInstancesCommand,
  ListServicesCommand,
  ListTasksCommand,
  paginateListTasks,
  type Task,
} from '@aws-sdk/client-ecs';
import { generateWorld } from '../fake-aws/generate-world.ts';
import { startFakeAws, type FakeAws } from '../fake-aws/index.ts';
import { clientConfig, smallWorld } from './fixtures.ts';

const ARN = 'arn:aws:ecs:us-east-1:111111111111';

describe('fake ECS against the real SDK client', () => {
  let aws: FakeAws;
  let ecs: ECSClient;

  before(async () => {
    aws = await startFakeAws({ world: smallWorld(), throttling: false });
    ecs = new ECSClient(clientConfig(aws));
  });
  after(async () => {
    ecs.destroy();
    await aws.stop();
    assert.deepEqual(aws.internalErrors, []);
  });

  const taskIds = async (input: Omit<ConstructorParameters<typeof ListTasksCommand>[0], 'cluster'> = {}) =>
    ((await ecs.send(new ListTasksCommand({ cluster: 'prod', ...input }))).taskArns ?? []).map((a) => a.split('/').pop()).sort();

  const describeTask = async (id: string): Promise<Task> => {
    const out = await ecs.send(new DescribeTasksCommand({ cluster: 'prod', tasks: [id], include: ['TAGS'] }));
    assert.equal(out.tasks?.length, 1);
    return out.tasks[0]!;
  };

  test('lists and describes clusters with tags only when asked, unknown ones as failures', async () => {
    assert.deepEqual((await ecs.send(new ListClustersCommand({}))).clusterArns, [`${ARN}:cluster/prod`]);
    const withTags = await ecs.send(new DescribeClustersCommand({ clusters: ['prod', 'nope'], include: ['TAGS'] }));
    assert.equal(withTags.clusters?.[0]?.clusterName, 'prod');
    assert.deepEqual(withTags.clusters?.[0]?.tags, [{ key: 'env', value: 'prod' }]);
    assert.equal(withTags.clusters?.[0]?.runningTasksCount, 3);
    assert.deepEqual(withTags.failures, [{ arn: `${ARN}:cluster/nope`, reason: 'MISSING' }]);
    const plain = await ecs.send(new DescribeClustersCommand({ clusters: [`${ARN}:cluster/prod`] }));
    assert.equal(plain.clusters?.[0]?.tags, undefined);
  });

  test('ListTasks follows AWS desiredStatus semantics and filters', async () => {
    assert.deepEqual(await taskIds(), ['api1', 'api2', 'node1', 'web1', 'web2']);
    assert.deepEqual(await taskIds({ desiredStatus: 'STOPPED' }), ['old1']);
    assert.deepEqual(await taskIds({ desiredStatus: 'PENDING' }), ['api2', 'web2']);
    assert.deepEqual(await taskIds({ serviceName: 'web' }), ['web1', 'web2']);
    assert.deepEqual(await taskIds({ family: 'node' }), ['node1']);
    assert.deepEqual(await taskIds({ launchType: 'FARGATE' }), ['api1', 'api2']);
  });

  test('bridge tasks bind dynamic and static host ports; unbound dynamic ports have no binding', async () => {
    const web1 = await describeTask('web1');
    assert.equal(web1.taskArn, `${ARN}:task/prod/web1`);
    assert.equal(web1.containerInstanceArn, `${ARN}:container-instance/prod/ci-1`);
    assert.equal(web1.group, 'service:web');
    assert.equal(web1.healthStatus, 'HEALTHY');
    assert.ok(web1.startedAt instanceof Date);
    assert.deepEqual(web1.tags, [{ key: 'version', value: '1' }]);
    const app = web1.containers?.[0];
    assert.match(app?.containerArn ?? '', /^arn:aws:ecs:us-east-1:111111111111:container\/prod\/web1\/[0-9a-f-]{36}$/);
    assert.deepEqual(app?.networkBindings, [
      { bindIP: '0.0.0.0', containerPort: 80, hostPort: 32768, protocol: 'tcp' },
      { bindIP: '0.0.0.0', containerPort: 9113, hostPort: 9113, protocol: 'tcp' },
    ]);
    const web2 = await describeTask('web2');
    assert.equal(web2.lastStatus, 'PENDING');
    assert.equal(web2.desiredStatus, 'RUNNING');
    assert.deepEqual(web2.containers?.[0]?.networkBindings, [{ bindIP: '0.0.0.0', containerPort: 9113, hostPort: 9113, protocol: 'tcp' }]);
  });

  test('host tasks bind the container port; awsvpc tasks carry an ENI once attached', async () => {
    const node1 = await describeTask('node1');
    assert.deepEqual(node1.containers?.[0]?.networkBindings, [{ bindIP: '0.0.0.0', containerPort: 9100, hostPort: 9100, protocol: 'tcp' }]);
    assert.equal(node1.group, 'family:node');

    const api1 = await describeTask('api1');
    assert.equal(api1.launchType, 'FARGATE');
    const eni = api1.attachments?.[0];
    assert.equal(eni?.type, 'ElasticNetworkInterface');
    assert.equal(eni?.status, 'ATTACHED');
    const details = Object.fromEntries((eni?.details ?? []).map((d) => [d.name, d.value]));
    assert.equal(details.privateIPv4Address, '10.0.1.5');
    assert.match(details.networkInterfaceId ?? '', /^eni-[0-9a-f]{17}$/);
    assert.match(details.subnetId ?? '', /^subnet-/);
    assert.deepEqual(api1.containers?.[0]?.networkInterfaces, [{ attachmentId: eni?.id, privateIpv4Address: '10.0.1.5' }]);
    assert.deepEqual(api1.containers?.[0]?.networkBindings, []);

    const api2 = await describeTask('api2');
    assert.equal(api2.attachments?.[0]?.status, 'PRECREATED');
    assert.equal(api2.attachments?.[0]?.details?.some((d) => d.name === 'privateIPv4Address'), false);
    assert.deepEqual(api2.containers?.[0]?.networkInterfaces, []);
  });

  test('DescribeTasks answers unknown tasks with failures and rejects 101 like AWS', async () => {
    const out = await ecs.send(new DescribeTasksCommand({ cluster: 'prod', tasks: ['web1', `${ARN}:task/prod/ghost`] }));
    assert.deepEqual(out.tasks?.map((t) => t.taskArn), [`${ARN}:task/prod/web1`]);
    assert.deepEqual(out.failures, [{ arn: `${ARN}:task/prod/ghost`, reason: 'MISSING' }]);
    const tooMany = Array.from({ length: 101 }, (_, i) => `t${i}`);
    await assert.rejects(ecs.send(new DescribeTasksCommand({ cluster: 'prod', tasks: tooMany })), (e: unknown) => {
      assert.ok(e instanceof InvalidParameterException);
      assert.equal(e.message, 'taskIds can have at most 100 items.');
      assert.equal(e.$metadata.httpStatusCode, 400);
      return true;
    });
  });

  test('services: list, describe with tags, and DescribeServices rejects 11 names', async () => {
    const list = await ecs.send(new ListServicesCommand({ cluster: 'prod' }));
    assert.deepEqual(list.serviceArns, [`${ARN}:service/prod/web`, `${ARN}:service/prod/api`]);
    const out = await ecs.send(new DescribeServicesCommand({ cluster: 'prod', services: ['web', 'ghost'], include: ['TAGS'] }));
    assert.equal(out.services?.[0]?.serviceName, 'web');
    assert.deepEqual(out.services?.[0]?.tags, [{ key: 'tier', value: 'front' }]);
    assert.equal(out.services?.[0]?.runningCount, 1);
    assert.equal(out.services?.[0]?.taskDefinition, `${ARN}:task-definition/web:1`);
    assert.deepEqual(out.failures, [{ arn: `${ARN}:service/prod/ghost`, reason: 'MISSING' }]);
    const eleven = Array.from({ length: 11 }, (_, i) => `s${i}`);
    await assert.rejects(ecs.send(new DescribeServicesCommand({ cluster: 'prod', services: eleven })), (e: unknown) => e instanceof InvalidParameterException && /at most 10/.test(e.message));
  });

  test('task definitions by family, family:revision or ARN, with tags; unknown is a ClientException', async () => {
    for (const ref of ['web', 'web:1', `${ARN}:task-definition/web:1`]) {
      const out = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: ref, include: ['TAGS'] }));
      assert.equal(out.taskDefinition?.taskDefinitionArn, `${ARN}:task-definition/web:1`);
      assert.deepEqual(out.tags, [{ key: 'team', value: 'web' }]);
    }
    const def = (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'web:1' }))).taskDefinition;
    assert.equal(def?.networkMode, 'bridge');
    assert.deepEqual(def?.containerDefinitions?.[0]?.dockerLabels, { 'prometheus.io/scrape': 'true' });
    assert.deepEqual(def?.containerDefinitions?.[0]?.portMappings?.[0], { containerPort: 80, hostPort: 0, protocol: 'tcp' });
    const api = (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'api:4' }))).taskDefinition;
    assert.deepEqual(api?.containerDefinitions?.[0]?.environment, [{ name: 'PROMETHEUS', value: 'true' }]);
    assert.deepEqual(api?.containerDefinitions?.[0]?.portMappings?.[0], { containerPort: 8080, hostPort: 8080, protocol: 'tcp' });
    await assert.rejects(ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'web:9' })), (e: unknown) => e instanceof ClientException && e.message === 'Unable to describe task definition.');
  });

  test('container instances list and describe; more than 100 is rejected', async () => {
    const list = await ecs.send(new ListContainerInstancesCommand({ cluster: 'prod' }));
    assert.deepEqual(list.containerInstanceArns, [`${ARN}:container-instance/prod/ci-1`]);
    const out = await ecs.send(new DescribeContainerInstancesCommand({ cluster: 'prod', containerInstances: list.containerInstanceArns }));
    assert.equal(out.containerInstances?.[0]?.ec2InstanceId, 'i-0aaaaaaaaaaaaaaa1');
    assert.equal(out.containerInstances?.[0]?.runningTasksCount, 2);
    const many = Array.from({ length: 101 }, (_, i) => `ci-${i}`);
    await assert.rejects(ecs.send(new DescribeContainerInstancesCommand({ cluster: 'prod', containerInstances: many })), (e: unknown) => e instanceof InvalidParameterException && e.message === 'instanceIds can have at most 100 items.');
  });

  test('unknown clusters raise ClusterNotFoundException', async () => {
    await assert.rejects(ecs.send(new ListTasksCommand({ cluster: 'nope' })), (e: unknown) => e instanceof ClusterNotFoundException);
    await assert.rejects(ecs.send(new ListServicesCommand({ cluster: 'nope' })), (e: unknown) => e instanceof ClusterNotFoundException);
  });

  test('changes to the world show up on the next call', async () => {
    aws.world.addTask({ cluster: 'prod' }, { id: 'web3', taskDefinition: 'web:1', service: 'web', lastStatus: 'PENDING', launchType: 'EC2', containerInstance: 'ci-1', az: 'us-east-1a' });
    assert.ok((await taskIds()).includes('web3'));
    aws.world.updateTask({ cluster: 'prod' }, 'web3', { lastStatus: 'RUNNING', hostPorts: { app: { '80': 32999 } }, healthStatus: 'UNHEALTHY' });
    const web3 = await describeTask('web3');
    assert.equal(web3.healthStatus, 'UNHEALTHY');
    assert.equal(web3.containers?.[0]?.networkBindings?.[0]?.hostPort, 32999);
    aws.world.updateTask({ cluster: 'prod' }, 'web3', { lastStatus: 'STOPPED', desiredStatus: 'STOPPED' });
    assert.ok(!(await taskIds()).includes('web3'));
    assert.ok(aws.world.removeTask({ cluster: 'prod' }, 'web3'));
    assert.throws(() => aws.world.addTask({ cluster: 'prod' }, { id: 'bad', taskDefinition: 'zzz:1', lastStatus: 'RUNNING', launchType: 'FARGATE', az: 'us-east-1a' }), /task definition 'zzz:1'/);
  });
});

describe('fake ECS pagination', () => {
  test('ListTasks pages at 100 with nextToken and rejects maxResults above 100', async () => {
    const world = generateWorld({ clusters: 1, tasksPerCluster: 250, taskDefinitions: 6, containerInstances: 5, pendingShare: 0 });
    const aws = await startFakeAws({ world, throttling: false });
    const ecs = new ECSClient(clientConfig(aws));
    try {
      const pages: number[] = [];
      const arns = new Set<string>();
      for await (const page of paginateListTasks({ client: ecs }, { cluster: 'cluster-0' })) {
        pages.push(page.taskArns?.length ?? 0);
        for (const arn of page.taskArns ?? []) arns.add(arn);
      }
      assert.deepEqual(pages, [100, 100, 50]);
      assert.equal(arns.size, 250);
      const small = await ecs.send(new ListTasksCommand({ cluster: 'cluster-0', maxResults: 7 }));
      assert.equal(small.taskArns?.length, 7);
      assert.ok(small.nextToken);
      await assert.rejects(ecs.send(new ListTasksCommand({ cluster: 'cluster-0', maxResults: 101 })), InvalidParameterException);
      await assert.rejects(ecs.send(new ListTasksCommand({ cluster: 'cluster-0', nextToken: 'garbage' })), InvalidParameterException);
      assert.equal(aws.calls.count({ service: 'ecs', operation: 'ListTasks', outcome: 'ok' }), 4);
    } finally {
      ecs.destroy();
      await aws.stop();
    }
  });
});
