import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { summary, targetsFor } from './snapshot-builder.ts';

describe('prometheus-ecs-discovery docker labels give the targets that tool gave', () => {
  it('bridge: the host port bound to PROMETHEUS_EXPORTER_PORT; the IPv6 twin binding is ignored', () => {
    const result = targetsFor({
      networkMode: 'bridge',
      containers: [{ name: 'app', dockerLabels: { PROMETHEUS_EXPORTER_PORT: '9100' }, portMappings: [{ containerPort: 9100, hostPort: 0 }] }],
      bindings: { app: [{ containerPort: 9100, hostPort: 32001 }, { containerPort: 9100, hostPort: 32001, bindIP: '::' }] },
    });
    assert.deepEqual(summary(result).targets, ['10.0.0.5:32001/metrics']);
    const labels = result.targets[0]!.labels;
    assert.equal(labels.job, undefined, 'no job label unless PROMETHEUS_EXPORTER_JOB_NAME is set');
    assert.equal(labels.task_revision, '7');
    assert.equal(labels.container_arn, 'arn:aws:ecs:us-east-1:111111111111:container/unit/0123456789abcdef/app-id');
  });

  it('SERVER_NAME replaces the host (trailing slashes trimmed); SCHEME and JOB_NAME carry over; empty labels count as unset', () => {
    const result = targetsFor({
      networkMode: 'awsvpc',
      containers: [
        {
          name: 'app',
          dockerLabels: {
            PROMETHEUS_EXPORTER_PORT: '443',
            PROMETHEUS_EXPORTER_SERVER_NAME: 'metrics.internal.example//',
            PROMETHEUS_EXPORTER_SCHEME: 'https',
            PROMETHEUS_EXPORTER_JOB_NAME: 'edge',
            PROMETHEUS_EXPORTER_PATH: '',
          },
        },
      ],
    });
    const t = result.targets[0]!;
    assert.equal(t.address, 'metrics.internal.example:443');
    assert.equal(t.labels.__scheme__, 'https');
    assert.equal(t.labels.__metrics_path__, '/metrics');
    assert.equal(t.labels.job, 'edge');
    assert.equal(t.labels.__meta_ecs_ip_address, '10.0.0.9');
  });

  it('PROMETHEUS_DYNAMIC_EXPORT=1 takes the one binding; with two it explains why not', () => {
    const one = targetsFor({
      networkMode: 'bridge',
      containers: [{ name: 'app', dockerLabels: { PROMETHEUS_DYNAMIC_EXPORT: '1' } }],
      bindings: { app: [{ containerPort: 8080, hostPort: 32100 }] },
    });
    assert.deepEqual(summary(one).targets, ['10.0.0.5:32100/metrics']);
    const two = targetsFor({
      networkMode: 'bridge',
      containers: [{ name: 'app', dockerLabels: { PROMETHEUS_DYNAMIC_EXPORT: '1' } }],
      bindings: { app: [{ containerPort: 8080, hostPort: 32100 }, { containerPort: 8081, hostPort: 32101 }] },
    });
    assert.deepEqual(summary(two), {
      targets: [],
      problems: ['prometheus-ecs-discovery labels: PROMETHEUS_DYNAMIC_EXPORT needs exactly one port binding, the container has 2'],
    });
  });

  it('a port that is not bound yet, or not mapped at all, is explained', () => {
    const result = targetsFor({
      networkMode: 'bridge',
      containers: [
        { name: 'later', dockerLabels: { PROMETHEUS_EXPORTER_PORT: '9100' }, portMappings: [{ containerPort: 9100, hostPort: 0 }] },
        { name: 'unmapped', dockerLabels: { PROMETHEUS_EXPORTER_PORT: '9200' } },
      ],
    });
    assert.deepEqual(summary(result).problems, [
      'prometheus-ecs-discovery labels: container port 9100 has no host port bound yet (bridge)',
      "prometheus-ecs-discovery labels: container port 9200 is not in the container's port mappings (bridge mode needs one)",
    ]);
  });
});

describe('prometheus-ecs-sd environment variables give the targets that tool gave', () => {
  const env = (vars: Record<string, string>) => Object.entries(vars).map(([name, value]) => ({ name, value }));

  it('bridge without a port variable: the first binding, whatever its container port', () => {
    const result = targetsFor({
      networkMode: 'bridge',
      containers: [{ name: 'app', environment: env({ PROMETHEUS: 'true' }) }],
      bindings: { app: [{ containerPort: 80, hostPort: 32005 }, { containerPort: 9100, hostPort: 32006 }] },
    });
    assert.deepEqual(summary(result).targets, ['10.0.0.5:32005/metrics']);
    assert.equal(result.targets[0]!.labels.job, 'fam');
    assert.equal(result.targets[0]!.labels.instance, '10.0.0.5:32005');
  });

  it('PROMETHEUS_CONTAINER_PORT picks the binding; PROMETHEUS_PORT is taken as the port on the address', () => {
    const byContainerPort = targetsFor({
      networkMode: 'bridge',
      containers: [{ name: 'app', environment: env({ PROMETHEUS: 'true', PROMETHEUS_CONTAINER_PORT: '9100' }) }],
      bindings: { app: [{ containerPort: 80, hostPort: 32005 }, { containerPort: 9100, hostPort: 32006 }] },
    });
    assert.deepEqual(summary(byContainerPort).targets, ['10.0.0.5:32006/metrics']);
    const byPort = targetsFor({ networkMode: 'bridge', containers: [{ name: 'app', environment: env({ PROMETHEUS: 'yes', PROMETHEUS_PORT: '9999' }) }] });
    assert.deepEqual(summary(byPort).targets, ['10.0.0.5:9999/metrics']);
  });

  it('host and awsvpc without a port variable: the first port mapping of the definition, else 80', () => {
    const host = targetsFor({ networkMode: 'host', containers: [{ name: 'app', environment: env({ PROMETHEUS: 'true' }), portMappings: [{ containerPort: 9400, hostPort: 9400 }] }] });
    assert.deepEqual(summary(host).targets, ['10.0.0.5:9400/metrics']);
    const bare = targetsFor({ networkMode: 'awsvpc', containers: [{ name: 'app', environment: env({ PROMETHEUS: 'true' }) }] });
    assert.deepEqual(summary(bare).targets, ['10.0.0.9:80/metrics']);
  });

  it('any non-empty PROMETHEUS switches it on ("false" too), an empty one does not', () => {
    assert.equal(targetsFor({ networkMode: 'awsvpc', containers: [{ name: 'a', environment: env({ PROMETHEUS: 'false' }) }] }).targets.length, 1);
    assert.equal(targetsFor({ networkMode: 'awsvpc', containers: [{ name: 'a', environment: env({ PROMETHEUS: '' }) }] }).targets.length, 0);
  });

  it('PROMETHEUS_NOLABELS=true: instance is the family and no ecs_* or __meta_ecs_* labels remain', () => {
    const result = targetsFor({ networkMode: 'awsvpc', containers: [{ name: 'app', environment: env({ PROMETHEUS: 'true', PROMETHEUS_NOLABELS: 'true', PROMETHEUS_PORT: '9100' }) }] });
    assert.deepEqual(result.targets[0]!.labels, { instance: 'fam', metrics_path: '/metrics', job: 'fam', __metrics_path__: '/metrics', __scheme__: 'http' });
  });

  it('EC2 tasks carry ecs_container_id and instance_id unless the definition is Fargate-compatible', () => {
    const ec2 = targetsFor({ networkMode: 'host', containers: [{ name: 'app', environment: env({ PROMETHEUS: 'true', PROMETHEUS_PORT: '9100' }) }] });
    assert.equal(ec2.targets[0]!.labels.ecs_container_id, 'app-id');
    assert.equal(ec2.targets[0]!.labels.instance_id, 'i-0abc');
    assert.equal(ec2.targets[0]!.labels.ecs_task_id, '0123456789abcdef');
    const dual = targetsFor({ networkMode: 'host', requiresCompatibilities: ['EC2', 'FARGATE'], containers: [{ name: 'app', environment: env({ PROMETHEUS: 'true', PROMETHEUS_PORT: '9100' }) }] });
    assert.equal(dual.targets[0]!.labels.ecs_container_id, undefined);
    assert.equal(dual.targets[0]!.labels.instance_id, undefined);
  });

  it('PROMETHEUS_ENDPOINT: one target per entry; a bad interval or path skips only that entry', () => {
    const result = targetsFor({
      networkMode: 'awsvpc',
      containers: [{ name: 'app', environment: env({ PROMETHEUS: 'true', PROMETHEUS_PORT: '9100', PROMETHEUS_ENDPOINT: '15s:/fast,/plain,never:/bad,1m:nopath' }) }],
    });
    assert.deepEqual(summary(result), {
      targets: ['10.0.0.9:9100/fast', '10.0.0.9:9100/plain'],
      problems: [
        'PROMETHEUS_ENDPOINT[2] interval="never": not a Prometheus duration such as 15s, 1m or 5m',
        'PROMETHEUS_ENDPOINT[3] path="nopath": a metrics path starts with / and has no spaces',
      ],
    });
    assert.equal(result.targets[0]!.labels.__scrape_interval__, '15s');
    assert.equal(result.targets[1]!.labels.__scrape_interval__, undefined);
  });
});

describe('prometheus.io labels and central rules', () => {
  it('scrape=false opts out; scrape=true with several ports and no port label is explained', () => {
    assert.equal(targetsFor({ networkMode: 'awsvpc', containers: [{ name: 'a', dockerLabels: { 'prometheus.io/scrape': 'false', 'prometheus.io/port': '1' } }] }).targets.length, 0);
    const ambiguous = targetsFor({
      networkMode: 'awsvpc',
      containers: [{ name: 'a', dockerLabels: { 'prometheus.io/scrape': 'true' }, portMappings: [{ containerPort: 1 }, { containerPort: 2 }] }],
    });
    assert.deepEqual(summary(ambiguous).problems, [
      'prometheus.io/scrape=true but no prometheus.io/port, and the container maps 2 ports: set prometheus.io/port or prometheus.io/endpoints',
    ]);
    const single = targetsFor({ networkMode: 'awsvpc', containers: [{ name: 'a', dockerLabels: { 'prometheus.io/scrape': 'true' }, portMappings: [{ containerPort: 7000 }] }] });
    assert.deepEqual(summary(single).targets, ['10.0.0.9:7000/metrics']);
  });

  it('a malformed endpoints entry skips only itself; a timeout longer than the interval is refused', () => {
    const result = targetsFor({
      networkMode: 'awsvpc',
      containers: [{ name: 'a', dockerLabels: { 'prometheus.io/endpoints': '8080/metrics@30s, nonsense ,9102@5m', 'prometheus.io/timeout': '45s' } }],
    });
    assert.deepEqual(summary(result), {
      targets: ['10.0.0.9:9102/metrics'],
      problems: [
        'prometheus.io/endpoints[1]="nonsense": expected PORT[/path][@interval], e.g. 8080/metrics@30s',
        'prometheus.io labels: scrape timeout 45s is longer than the interval 30s',
      ],
    });
    assert.equal(result.targets[0]!.labels.__scrape_timeout__, '45s');
  });

  it('a SERVER_NAME that is more than a host (port, path, query, fragment) is skipped with the reason, not turned into a broken target', () => {
    const result = targetsFor({
      networkMode: 'awsvpc',
      containers: [{ name: 'app', dockerLabels: { PROMETHEUS_EXPORTER_PORT: '27105', PROMETHEUS_EXPORTER_SERVER_NAME: '127.0.0.1:27105/x?y=1#' } }],
    });
    assert.deepEqual(summary(result), {
      targets: [],
      problems: ['PROMETHEUS_EXPORTER_SERVER_NAME="127.0.0.1:27105/x?y=1#": expected a host name or IP address alone (no port, path, query or fragment)'],
    });
    for (const host of ['metrics.internal.example', '10.1.2.3', '[fd00::1]', 'svc.local.']) {
      const ok = targetsFor({ networkMode: 'awsvpc', containers: [{ name: 'app', dockerLabels: { PROMETHEUS_EXPORTER_PORT: '9100', PROMETHEUS_EXPORTER_SERVER_NAME: host } }] });
      assert.deepEqual(summary(ok).targets, [`${host}:9100/metrics`]);
    }
  });

  it('the same endpoint asked for twice (labels and env) becomes one target, and the note says so', () => {
    const result = targetsFor({
      networkMode: 'awsvpc',
      containers: [{ name: 'a', dockerLabels: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9100' }, environment: [{ name: 'PROMETHEUS', value: 'true' }, { name: 'PROMETHEUS_PORT', value: '9100' }] }],
    });
    assert.deepEqual(summary(result).targets, ['10.0.0.9:9100/metrics']);
    assert.match(result.tasks[0]!.containers[0]!.notes[0]!, /prometheus-ecs-sd environment asks for 10\.0\.0\.9:9100\/metrics too; prometheus\.io labels already gives it/);
  });

  it('two ways naming one endpoint keep the explicit settings of either, whichever came first', () => {
    const result = targetsFor({
      networkMode: 'awsvpc',
      containers: [
        {
          name: 'a',
          dockerLabels: { PROMETHEUS_EXPORTER_PORT: '3000', PROMETHEUS_EXPORTER_JOB_NAME: 'orders' },
          environment: [{ name: 'PROMETHEUS', value: 'true' }, { name: 'PROMETHEUS_PORT', value: '3000' }, { name: 'PROMETHEUS_ENDPOINT', value: '1m:/metrics' }],
        },
      ],
    });
    assert.deepEqual(summary(result).targets, ['10.0.0.9:3000/metrics']);
    const labels = result.targets[0]!.labels;
    assert.equal(labels.__scrape_interval__, '1m', 'the interval only the environment gives is kept although the docker labels came first');
    assert.equal(labels.job, 'orders', "the docker labels' job is kept");
    assert.match(result.tasks[0]!.containers[0]!.notes[0]!, /prometheus-ecs-sd environment also names 10\.0\.0\.9:3000\/metrics; its interval 1m is kept/);
  });

  it('two ways that disagree on a setting are both reported, and the first wins', () => {
    const result = targetsFor({
      networkMode: 'awsvpc',
      containers: [
        {
          name: 'a',
          dockerLabels: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '3000', 'prometheus.io/interval': '30s', 'prometheus.io/scheme': 'http' },
          environment: [{ name: 'PROMETHEUS', value: 'true' }, { name: 'PROMETHEUS_PORT', value: '3000' }, { name: 'PROMETHEUS_ENDPOINT', value: '1m:/metrics' }],
        },
      ],
    });
    assert.deepEqual(summary(result).targets, ['10.0.0.9:3000/metrics']);
    assert.equal(result.targets[0]!.labels.__scrape_interval__, '30s');
    assert.deepEqual(result.tasks[0]!.containers[0]!.notes, ["prometheus-ecs-sd environment also names 10.0.0.9:3000/metrics with interval 1m, prometheus.io labels with 30s; 30s from prometheus.io labels wins"]);
  });

  it('rules are anchored (a rule for service "sv" does not match "svc"), and a docker label value regex must match', () => {
    const rule = (service: string) => [{ name: 'r', service, dockerLabel: { name: 'tier', value: 'front.*' }, endpoints: [{ port: 9300, path: '/stats', scheme: 'https' as const }] }];
    const container = (tier: string) => ({ networkMode: 'awsvpc' as const, containers: [{ name: 'a', dockerLabels: { tier } }] });
    const matched = targetsFor(container('frontend'), { rules: rule('svc|api') });
    assert.deepEqual(summary(matched).targets, ['10.0.0.9:9300/stats']);
    assert.equal(matched.targets[0]!.labels.__scheme__, 'https');
    assert.equal(targetsFor(container('frontend'), { rules: rule('sv') }).targets.length, 0);
    assert.equal(targetsFor(container('back'), { rules: rule('svc') }).targets.length, 0);
  });

  it('opt-in ways can be switched off', () => {
    const off = targetsFor({ networkMode: 'awsvpc', containers: [{ name: 'a', dockerLabels: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '1' } }] }, { optIn: { dockerLabels: false } });
    assert.equal(off.targets.length, 0);
  });
});
