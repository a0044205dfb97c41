import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { allGroups, startHarness, targetsOf, type FileSdGroup, type Harness } from './harness.ts';
import { ACCOUNT, containerInstance, world } from './world-builders.ts';

const demo = world({
  taskDefinitions: [
    {
      family: 'api',
      revision: 1,
      networkMode: 'awsvpc',
      containers: [
        {
          name: 'app',
          image: 'example/api:1.2',
          portMappings: [{ containerPort: 8080 }],
          dockerLabels: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '8080', 'prometheus.io/path': '/custom', 'prometheus.io/job': 'api' },
        },
      ],
      tags: { team: 'payments' },
    },
    {
      family: 'legacy',
      revision: 2,
      networkMode: 'bridge',
      containers: [
        {
          name: 'web',
          image: 'example/legacy:7',
          portMappings: [{ containerPort: 80, hostPort: 0 }, { containerPort: 9100, hostPort: 0 }],
          dockerLabels: { PROMETHEUS_EXPORTER_PORT: '9100', PROMETHEUS_EXPORTER_PATH: '/m', PROMETHEUS_EXPORTER_JOB_NAME: 'legacy' },
        },
        { name: 'sidecar', image: 'example/envoy:1', portMappings: [{ containerPort: 9901, hostPort: 0 }] },
      ],
    },
    {
      family: 'worker',
      revision: 3,
      networkMode: 'host',
      containers: [
        {
          name: 'worker',
          image: 'example/worker:3',
          portMappings: [{ containerPort: 9200, hostPort: 9200 }],
          environment: { PROMETHEUS: 'true', PROMETHEUS_ENDPOINT: '30s:/metrics,5m:/slow' },
        },
      ],
    },
    {
      family: 'ruled',
      revision: 1,
      networkMode: 'bridge',
      containers: [{ name: 'nginx', image: 'nginx:1.27', portMappings: [{ containerPort: 9113, hostPort: 0 }] }],
    },
    {
      family: 'multi',
      revision: 1,
      networkMode: 'awsvpc',
      containers: [
        {
          name: 'app',
          image: 'example/multi:1',
          portMappings: [{ containerPort: 8080 }, { containerPort: 9102 }],
          dockerLabels: { 'prometheus.io/endpoints': '8080/metrics@30s,9102/internal/metrics@5m' },
        },
      ],
    },
    {
      family: 'bad',
      revision: 1,
      networkMode: 'awsvpc',
      containers: [
        { name: 'broken', image: 'example/bad:1', dockerLabels: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': 'abc' } },
        { name: 'fine', image: 'example/fine:1', dockerLabels: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '7070' } },
      ],
    },
  ],
  clusters: [
    {
      name: 'prod',
      tags: { env: 'prod' },
      containerInstances: [containerInstance('ci-1', '10.0.0.5')],
      services: [{ name: 'api' }, { name: 'legacy' }, { name: 'edge' }],
      tasks: [
        { id: 'a0000000000000000000000000000001', taskDefinition: 'api:1', service: 'api', lastStatus: 'RUNNING', launchType: 'FARGATE', az: 'us-east-1b', privateIp: '10.0.1.10', healthStatus: 'HEALTHY', tags: { 'cost-center': '42' } },
        { id: 'a0000000000000000000000000000002', taskDefinition: 'legacy:2', service: 'legacy', lastStatus: 'RUNNING', launchType: 'EC2', az: 'us-east-1a', containerInstance: 'ci-1', hostPorts: { web: { '80': 32767, '9100': 32768 }, sidecar: { '9901': 32769 } } },
        { id: 'a0000000000000000000000000000003', taskDefinition: 'worker:3', lastStatus: 'RUNNING', launchType: 'EC2', az: 'us-east-1a', containerInstance: 'ci-1' },
        { id: 'a0000000000000000000000000000004', taskDefinition: 'ruled:1', service: 'edge', lastStatus: 'RUNNING', launchType: 'EC2', az: 'us-east-1a', containerInstance: 'ci-1', hostPorts: { nginx: { '9113': 32770 } } },
        { id: 'a0000000000000000000000000000005', taskDefinition: 'multi:1', lastStatus: 'RUNNING', launchType: 'FARGATE', az: 'us-east-1c', privateIp: '10.0.1.11' },
        { id: 'a0000000000000000000000000000006', taskDefinition: 'api:1', service: 'api', lastStatus: 'PENDING', launchType: 'FARGATE', az: 'us-east-1b' },
        { id: 'a0000000000000000000000000000007', taskDefinition: 'bad:1', lastStatus: 'RUNNING', launchType: 'FARGATE', az: 'us-east-1b', privateIp: '10.0.1.12' },
        { id: 'a0000000000000000000000000000008', taskDefinition: 'api:1', service: 'api', lastStatus: 'STOPPED', desiredStatus: 'STOPPED', launchType: 'FARGATE', az: 'us-east-1b', privateIp: '10.0.1.13' },
      ],
    },
  ],
});

const rules = [{ name: 'nginx-exporters', family: 'ruled', container: 'nginx', endpoints: [{ port: 9113, interval: '15s', job: 'nginx' }] }];

function group(groups: FileSdGroup[], address: string, path = '/metrics'): FileSdGroup {
  const found = groups.find((g) => g.targets[0] === address && g.labels.__metrics_path__ === path);
  assert.ok(found, `no target ${address}${path} in ${JSON.stringify(groups.map((g) => `${g.targets[0]}${g.labels.__metrics_path__}`))}`);
  return found;
}

describe('targets for every network mode and every way of opting in', () => {
  let h: Harness;
  let groups: FileSdGroup[];

  before(async () => {
    h = await startHarness(demo, { rules });
    const report = await h.service.runCycle();
    assert.equal(report.nothingDiscovered, false);
    groups = allGroups(await h.readTargets());
  });
  after(() => h.close());

  it('writes one file per cluster holding exactly the opted-in endpoints', async () => {
    const files = await h.readTargets();
    assert.deepEqual([...files.keys()], [`ecs_${ACCOUNT}_us-east-1_prod.json`]);
    assert.deepEqual(targetsOf(files), [
      '10.0.0.5:32768/m',
      '10.0.0.5:32770/metrics',
      '10.0.0.5:9200/metrics',
      '10.0.0.5:9200/slow',
      '10.0.1.10:8080/custom',
      '10.0.1.11:8080/metrics',
      '10.0.1.11:9102/internal/metrics',
      '10.0.1.12:7070/metrics',
    ]);
  });

  it('awsvpc: the ENI address and the container port, with the prometheus.io settings', () => {
    const t = group(groups, '10.0.1.10:8080', '/custom');
    assert.equal(t.labels.job, 'api');
    assert.equal(t.labels.__scheme__, 'http');
    assert.equal(t.labels.__meta_ecs_network_mode, 'awsvpc');
    assert.equal(t.labels.__meta_ecs_launch_type, 'FARGATE');
    assert.equal(t.labels.__meta_ecs_service, 'api');
    assert.equal(t.labels.__meta_ecs_cluster, 'prod');
    assert.equal(t.labels.__meta_ecs_account_id, ACCOUNT);
    assert.equal(t.labels.__meta_ecs_region, 'us-east-1');
    assert.equal(t.labels.__meta_ecs_container_name, 'app');
    assert.equal(t.labels.__meta_ecs_container_port, '8080');
    assert.equal(t.labels.__meta_ecs_task_definition_family, 'api');
    assert.equal(t.labels.__meta_ecs_task_definition_revision, '1');
    assert.equal(t.labels.__meta_ecs_health_status, 'HEALTHY');
    assert.equal(t.labels.__meta_ecs_availability_zone, 'us-east-1b');
    assert.equal(t.labels.__meta_ecs_tag_task_cost_center, '42');
    assert.equal(t.labels.__meta_ecs_tag_cluster_env, 'prod');
    assert.equal(t.labels.__meta_ecs_tag_task_definition_team, 'payments');
    assert.equal(t.labels.__meta_ecs_docker_label_prometheus_io_port, '8080');
    assert.equal(t.labels.__meta_ecs_opt_in, 'prometheus.io labels');
    assert.equal(t.labels.__scrape_interval__, undefined);
  });

  it('bridge: the instance IP and the dynamic host port bound to the labelled container port, with prometheus-ecs-discovery labels', () => {
    const t = group(groups, '10.0.0.5:32768', '/m');
    assert.equal(t.labels.job, 'legacy');
    assert.equal(t.labels.task_name, 'legacy');
    assert.equal(t.labels.task_revision, '2');
    assert.equal(t.labels.task_group, 'service:legacy');
    assert.equal(t.labels.container_name, 'web');
    assert.equal(t.labels.docker_image, 'example/legacy:7');
    assert.match(t.labels.task_arn!, /^arn:aws:ecs:us-east-1:111111111111:task\/prod\/a0+2$/);
    assert.match(t.labels.cluster_arn!, /:cluster\/prod$/);
    assert.match(t.labels.container_arn!, /^arn:aws:ecs:us-east-1:111111111111:container\//);
    assert.equal(t.labels.__meta_ecs_network_mode, 'bridge');
    assert.equal(t.labels.__meta_ecs_ec2_instance_id, 'i-0a1b2c3d4e5f60001');
    assert.equal(t.labels.__meta_ecs_ec2_instance_type, 'm5.large');
    assert.equal(t.labels.__meta_ecs_ec2_instance_private_ip, '10.0.0.5');
    assert.equal(t.labels.__meta_ecs_tag_ec2_Name, 'ecs-ci-1');
    assert.equal(t.labels.__meta_ecs_container_port, '9100');
  });

  it('host: the instance IP and port, one target per PROMETHEUS_ENDPOINT entry with its interval and prometheus-ecs-sd labels', () => {
    const fast = group(groups, '10.0.0.5:9200', '/metrics');
    const slow = group(groups, '10.0.0.5:9200', '/slow');
    assert.equal(fast.labels.__scrape_interval__, '30s');
    assert.equal(slow.labels.__scrape_interval__, '5m');
    for (const t of [fast, slow]) {
      assert.equal(t.labels.job, 'worker');
      assert.equal(t.labels.instance, '10.0.0.5:9200');
      assert.equal(t.labels.ecs_task_id, 'a0000000000000000000000000000003');
      assert.equal(t.labels.ecs_task_version, '3');
      assert.equal(t.labels.ecs_cluster, 'prod');
      assert.equal(t.labels.instance_id, 'i-0a1b2c3d4e5f60001');
      assert.equal(t.labels.__meta_ecs_network_mode, 'host');
    }
    assert.equal(slow.labels.metrics_path, '/slow');
  });

  it('central rules reach containers whose definitions say nothing, and cap the timeout at a short interval', () => {
    const t = group(groups, '10.0.0.5:32770');
    assert.equal(t.labels.job, 'nginx');
    assert.equal(t.labels.__scrape_interval__, '15s');
    assert.equal(t.labels.__meta_ecs_opt_in, 'rule nginx-exporters');
    assert.equal(t.labels.__meta_ecs_service, 'edge');
  });

  it('prometheus.io/endpoints gives several endpoints on one container, each with its own interval', () => {
    assert.equal(group(groups, '10.0.1.11:8080').labels.__scrape_interval__, '30s');
    assert.equal(group(groups, '10.0.1.11:9102', '/internal/metrics').labels.__scrape_interval__, '5m');
  });

  it('a bad label value skips that endpoint only, and --explain says why', () => {
    group(groups, '10.0.1.12:7070');
    const prod = h.service.clusterStatuses()[0]!;
    const bad = prod.tasks.find((t) => t.taskDefinition === 'bad:1')!;
    const broken = bad.containers.find((c) => c.name === 'broken')!;
    assert.deepEqual(broken.targets, []);
    assert.deepEqual(broken.problems, ['prometheus.io/port="abc": not a port number (1-65535)']);
    assert.equal(prod.skippedEndpoints, 1);
  });

  it('explains pending tasks and containers without opt-in; stopped tasks are not listed at all', () => {
    const prod = h.service.clusterStatuses()[0]!;
    const pending = prod.tasks.find((t) => t.taskArn.endsWith('a0000000000000000000000000000006'))!;
    assert.equal(pending.skipped, 'task is PENDING, not RUNNING yet');
    assert.equal(prod.tasks.some((t) => t.taskArn.endsWith('a0000000000000000000000000000008')), false);
    const sidecar = prod.tasks.find((t) => t.taskDefinition === 'legacy:2')!.containers.find((c) => c.name === 'sidecar')!;
    assert.equal(sidecar.optedIn, false);
  });
});
