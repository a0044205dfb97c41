import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { imageRepository, isImageOf } from '../../supervisor/discovery/optin/image.ts';
import { discoverySettingsSchema } from '../../supervisor/discovery/settings.ts';
import { allGroups, startHarness, type Harness } from './harness.ts';
import { summary, targetsFor } from './snapshot-builder.ts';
import { containerInstance, world } from './world-builders.ts';

const CADVISOR = 'gcr.io/cadvisor/cadvisor:v0.52.1';
const NODE_EXPORTER = 'quay.io/prometheus/node-exporter:v1.12.1';
const ECS_EXPORTER = 'quay.io/prometheuscommunity/ecs-exporter:v0.4.0';

const decisionOf = (result: ReturnType<typeof targetsFor>, name: string) => result.tasks[0]!.containers.find((c) => c.name === name)!;

describe('image references', () => {
  it('name their repository without registry, tag, digest or Docker Hub library/', () => {
    assert.equal(imageRepository(CADVISOR), 'cadvisor/cadvisor');
    assert.equal(imageRepository('prom/node-exporter'), 'prom/node-exporter');
    assert.equal(imageRepository('localhost:5000/prom/node-exporter:v1@sha256:abc'), 'prom/node-exporter');
    assert.equal(imageRepository('registry.example:5000/team/app'), 'team/app');
    assert.equal(imageRepository('docker.io/library/nginx:1.27'), 'nginx');
    assert.equal(imageRepository('nginx@sha256:0123'), 'nginx');
  });

  it('match a repository from any registry or pull-through cache, and nothing that merely resembles it', () => {
    assert.ok(isImageOf('123456789012.dkr.ecr.eu-west-1.amazonaws.com/quay/prometheus/node-exporter:v1.12.1', 'prometheus/node-exporter'));
    assert.ok(isImageOf('cadvisor/cadvisor@sha256:feed', 'cadvisor/cadvisor'));
    assert.ok(!isImageOf('prom/node-exporter-extra:1', 'prom/node-exporter'));
    assert.ok(!isImageOf('example/prometheus-node-exporter:1', 'prometheus/node-exporter'));
    assert.ok(!isImageOf('mycadvisor/cadvisor:1', 'cadvisor/cadvisor'));
  });
});

describe('built-in exporters, recognised by image with no labels', () => {
  it('recognises cAdvisor under both its image names, before and after its move to ghcr.io', () => {
    for (const image of [CADVISOR, 'ghcr.io/google/cadvisor:v0.60.5']) {
      const result = targetsFor({ networkMode: 'host', containers: [{ name: 'cadvisor', image }] });
      assert.deepEqual(result.targets.map((t) => t.labels.job), ['cadvisor'], image);
    }
  });

  it('scrapes cAdvisor and node-exporter daemons on the instance IP (host network), with their port, path and job', () => {
    const result = targetsFor({
      networkMode: 'host',
      containers: [
        { name: 'cadvisor', image: CADVISOR },
        { name: 'node', image: NODE_EXPORTER },
      ],
    });
    assert.deepEqual(summary(result), { targets: ['10.0.0.5:8080/metrics', '10.0.0.5:9100/metrics'], problems: [] });
    assert.deepEqual(result.targets.map((t) => [t.labels.job, t.labels.__meta_ecs_opt_in, t.labels.__meta_ecs_ec2_instance_id]), [
      ['cadvisor', 'built-in cadvisor', 'i-0abc'],
      ['ecs-node', 'built-in ecs-node', 'i-0abc'],
    ]);
  });

  it('scrapes an ecs_exporter sidecar on the task ENI, and not the unlabelled application beside it', () => {
    const result = targetsFor({ networkMode: 'awsvpc', containers: [{ name: 'app', image: 'example/app:1', portMappings: [{ containerPort: 8080 }] }, { name: 'ecs-exporter', image: ECS_EXPORTER }] });
    assert.deepEqual(summary(result), { targets: ['10.0.0.9:9779/metrics'], problems: [] });
    assert.equal(result.targets[0]!.labels.job, 'ecs-exporter');
    assert.equal(result.targets[0]!.labels.__meta_ecs_container_name, 'ecs-exporter');
    assert.equal(decisionOf(result, 'app').optedIn, false);
  });

  it('scrapes a bridge-mode sidecar on the host port ECS bound, and says why when it bound none', () => {
    const bound = targetsFor({
      networkMode: 'bridge',
      containers: [{ name: 'ecs-exporter', image: ECS_EXPORTER, portMappings: [{ containerPort: 9779, hostPort: 0 }] }],
      bindings: { 'ecs-exporter': [{ containerPort: 9779, hostPort: 32771 }] },
    });
    assert.deepEqual(summary(bound).targets, ['10.0.0.5:32771/metrics']);
    const unmapped = targetsFor({ networkMode: 'bridge', containers: [{ name: 'ecs-exporter', image: ECS_EXPORTER }] });
    assert.deepEqual(summary(unmapped), {
      targets: [],
      problems: ["built-in ecs-exporter: container port 9779 is not in the container's port mappings (bridge mode needs one)"],
    });
  });

  it("keeps its port, path and job whatever the container's labels and environment ask, and says so", () => {
    const result = targetsFor({
      networkMode: 'host',
      containers: [
        {
          name: 'cadvisor',
          image: CADVISOR,
          dockerLabels: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9999', 'prometheus.io/job': 'mine' },
          environment: [{ name: 'PROMETHEUS', value: 'true' }],
        },
      ],
    });
    assert.deepEqual(summary(result).targets, ['10.0.0.5:8080/metrics']);
    assert.equal(result.targets[0]!.labels.job, 'cadvisor');
    assert.deepEqual(decisionOf(result, 'cadvisor').notes, [
      'prometheus.io labels not taken: built-in cadvisor recognises the image and gives the endpoint',
      'prometheus-ecs-sd environment not taken: built-in cadvisor recognises the image and gives the endpoint',
    ]);
  });

  it('switched off, leaves the container to the ways it opted in by, or to none', () => {
    const off = { builtinExporters: { cadvisor: false } };
    const plain = targetsFor({ networkMode: 'host', containers: [{ name: 'cadvisor', image: CADVISOR }, { name: 'node', image: NODE_EXPORTER }] }, off);
    assert.deepEqual(summary(plain).targets, ['10.0.0.5:9100/metrics'], 'only cAdvisor is off');
    assert.equal(decisionOf(plain, 'cadvisor').optedIn, false);
    const labelled = targetsFor(
      { networkMode: 'host', containers: [{ name: 'cadvisor', image: CADVISOR, dockerLabels: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '8081' } }] },
      off,
    );
    assert.deepEqual(summary(labelled).targets, ['10.0.0.5:8081/metrics']);
    assert.equal(labelled.targets[0]!.labels.job, undefined);
  });

  it('gives way to a central rule matching the container: its endpoint, the exporter job unless the rule names one', () => {
    const result = targetsFor(
      { networkMode: 'host', containers: [{ name: 'cadvisor', image: CADVISOR, dockerLabels: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9999' } }] },
      { rules: [{ name: 'cadvisor-elsewhere', image: 'cadvisor/cadvisor', endpoints: [{ port: 8081, path: '/m' }] }] },
    );
    assert.deepEqual(summary(result).targets, ['10.0.0.5:8081/m']);
    assert.equal(result.targets[0]!.labels.job, 'cadvisor');
    assert.equal(result.targets[0]!.labels.__meta_ecs_opt_in, 'rule cadvisor-elsewhere');
    assert.deepEqual(decisionOf(result, 'cadvisor').notes, [
      'prometheus.io labels not taken: a central rule matches the container',
      'built-in cadvisor not taken: a central rule matches the container and replaces its endpoint',
    ]);
    const named = targetsFor(
      { networkMode: 'host', containers: [{ name: 'cadvisor', image: CADVISOR }] },
      { rules: [{ name: 'own-job', container: 'cadvisor', endpoints: [{ port: 8080, job: 'containers' }] }] },
    );
    assert.equal(named.targets[0]!.labels.job, 'containers');
  });
});

describe("central rules' image matcher", () => {
  const rule = (image: string) => ({ rules: [{ name: 'by-image', image, endpoints: [{ port: 9113 }] }] });
  const nginx = { networkMode: 'awsvpc' as const, containers: [{ name: 'web', image: 'public.ecr.aws/nginx/nginx-prometheus-exporter:1.4' }] };

  it('matches the repository or the whole reference, anchored', () => {
    assert.deepEqual(summary(targetsFor(nginx, rule('nginx/nginx-prometheus-exporter'))).targets, ['10.0.0.9:9113/metrics']);
    assert.deepEqual(summary(targetsFor(nginx, rule('.*:1\\.4'))).targets, ['10.0.0.9:9113/metrics']);
    assert.deepEqual(summary(targetsFor(nginx, rule('nginx'))).targets, [], 'anchored: nginx is not nginx/nginx-prometheus-exporter');
  });

  it('is enough on its own for a rule, and unknown switches are refused', () => {
    assert.ok(discoverySettingsSchema.safeParse(rule('x/y')).success);
    const refused = discoverySettingsSchema.safeParse({ builtinExporters: { cAdvisor: true } });
    assert.ok(!refused.success);
    assert.match(JSON.stringify(refused.error.issues), /cAdvisor/);
  });
});

describe('built-in exporters through the SDK against the fake ECS', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness(
      world({
        taskDefinitions: [
          { family: 'cadvisor', revision: 1, networkMode: 'host', containers: [{ name: 'cadvisor', image: CADVISOR }] },
          { family: 'node-exporter', revision: 1, networkMode: 'host', containers: [{ name: 'node-exporter', image: NODE_EXPORTER }] },
          {
            family: 'web',
            revision: 3,
            networkMode: 'awsvpc',
            containers: [
              { name: 'app', image: 'example/web:3', portMappings: [{ containerPort: 8080 }] },
              { name: 'ecs-exporter', image: ECS_EXPORTER, portMappings: [{ containerPort: 9779 }] },
            ],
          },
          {
            family: 'legacy',
            revision: 1,
            networkMode: 'bridge',
            containers: [{ name: 'ecs-exporter', image: ECS_EXPORTER, portMappings: [{ containerPort: 9779, hostPort: 0 }] }],
          },
        ],
        clusters: [
          {
            name: 'prod',
            containerInstances: [containerInstance('ci-1', '10.1.0.11', 'i-0a1b2c3d4e5f60011')],
            services: [{ name: 'cadvisor', schedulingStrategy: 'DAEMON' }, { name: 'node-exporter', schedulingStrategy: 'DAEMON' }, { name: 'web' }, { name: 'legacy' }],
            tasks: [
              { id: 'cadv1', taskDefinition: 'cadvisor:1', service: 'cadvisor', lastStatus: 'RUNNING', launchType: 'EC2', containerInstance: 'ci-1', az: 'us-east-1a' },
              { id: 'node1', taskDefinition: 'node-exporter:1', service: 'node-exporter', lastStatus: 'RUNNING', launchType: 'EC2', containerInstance: 'ci-1', az: 'us-east-1a' },
              { id: 'web1', taskDefinition: 'web:3', service: 'web', lastStatus: 'RUNNING', launchType: 'FARGATE', az: 'us-east-1b', privateIp: '10.1.2.3' },
              {
                id: 'legacy1',
                taskDefinition: 'legacy:1',
                service: 'legacy',
                lastStatus: 'RUNNING',
                launchType: 'EC2',
                containerInstance: 'ci-1',
                az: 'us-east-1a',
                hostPorts: { 'ecs-exporter': { '9779': 32790 } },
              },
            ],
          },
        ],
      }),
    );
    await h.service.runCycle();
  });
  after(() => h.close());

  it('writes one target per exporter, on the address its network mode gives, under its job', async () => {
    const groups = allGroups(await h.readTargets());
    const seen = groups.map((g) => [g.targets[0], g.labels.job, g.labels.__meta_ecs_container_name, g.labels.__meta_ecs_network_mode]).sort();
    assert.deepEqual(seen, [
      ['10.1.0.11:32790', 'ecs-exporter', 'ecs-exporter', 'bridge'],
      ['10.1.0.11:8080', 'cadvisor', 'cadvisor', 'host'],
      ['10.1.0.11:9100', 'ecs-node', 'node-exporter', 'host'],
      ['10.1.2.3:9779', 'ecs-exporter', 'ecs-exporter', 'awsvpc'],
    ]);
    assert.ok(groups.filter((g) => g.labels.job !== 'ecs-exporter').every((g) => g.labels.__meta_ecs_ec2_instance_id === 'i-0a1b2c3d4e5f60011'));
    const app = h.service.clusterStatuses()[0]!.tasks.find((t) => t.service === 'web')!.containers.find((c) => c.name === 'app')!;
    assert.equal(app.optedIn, false, 'the application beside the sidecar is not scraped');
  });
});
