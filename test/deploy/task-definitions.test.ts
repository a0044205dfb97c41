import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ContainerDefinition$, RegisterTaskDefinitionRequest$, type ContainerDefinition, type RegisterTaskDefinitionCommandInput } from '@aws-sdk/client-ecs';
import { modelIssues } from './api-model.ts';
import { REPO_ROOT } from './source-scan.ts';

const ecsDir = path.join(REPO_ROOT, 'docker/ecs');
const dockerfile = readFileSync(path.join(REPO_ROOT, 'docker/Dockerfile'), 'utf8');
const load = (name: string) => JSON.parse(readFileSync(path.join(ecsDir, name), 'utf8')) as RegisterTaskDefinitionCommandInput;

const variants = [
  { file: 'task-definition.fargate.json', launchType: 'FARGATE', networkMode: 'awsvpc', maxStopTimeout: 120 },
  { file: 'task-definition.ec2.json', launchType: 'EC2', networkMode: 'bridge', maxStopTimeout: Infinity },
] as const;

/** The metric kinds cAdvisor v0.52.1 knows (container/factory.go AllMetrics): any other name in --disable_metrics stops it at start. */
const CADVISOR_METRIC_KINDS = new Set(['cpu', 'sched', 'percpu', 'memory', 'memory_numa', 'cpuLoad', 'diskIO', 'disk', 'network', 'tcp', 'advtcp', 'udp', 'app', 'process', 'hugetlb', 'perf_event', 'referenced_memory', 'cpu_topology', 'resctrl', 'cpuset', 'oom_event', 'pressure']);
/** The ECS labels whose container_label_* series labels the appliance maps to cluster, container, task_arn and task_family. */
const ECS_LABELS = ['com.amazonaws.ecs.cluster', 'com.amazonaws.ecs.container-name', 'com.amazonaws.ecs.task-arn', 'com.amazonaws.ecs.task-definition-family', 'com.amazonaws.ecs.task-definition-version'];

/** Host exporters: discovery finds them by image repository (any registry) and scrapes the port. */
const hostExporters = [
  {
    file: 'task-definition.cadvisor.json',
    repository: /(^|\/)cadvisor\/cadvisor$/,
    port: 8080,
    mounts: { '/': '/rootfs', '/var/run': '/var/run', '/sys': '/sys', '/var/lib/docker': '/var/lib/docker', '/dev/disk': '/dev/disk' },
  },
  {
    file: 'task-definition.node-exporter.json',
    repository: /(^|\/)(prometheus|prom)\/node-exporter$/,
    port: 9100,
    mounts: { '/': '/host', '/proc': '/host/proc', '/sys': '/host/sys' },
  },
] as const;

describe('the ECS API model check', () => {
  it('rejects an unknown member, a wrong type and a missing required member', () => {
    const broken = structuredClone(load('task-definition.fargate.json')) as unknown as Record<string, unknown>;
    delete broken.family;
    const container = (broken.containerDefinitions as Record<string, unknown>[])[0]!;
    container.stopTimeOut = 30;
    container.essential = 'yes';
    const issues = modelIssues(broken, RegisterTaskDefinitionRequest$);
    assert.ok(issues.some((i) => i.startsWith('$.family: required')), issues.join('\n'));
    assert.ok(issues.some((i) => i.startsWith('$.containerDefinitions[0].stopTimeOut: not a member')), issues.join('\n'));
    assert.ok(issues.some((i) => i.startsWith('$.containerDefinitions[0].essential: expected a boolean')), issues.join('\n'));
  });
});

describe('the task definitions in docker/ecs', () => {
  const files = readdirSync(ecsDir).filter((name) => /^task-definition\..+\.json$/.test(name));

  it('are all checked here', () => {
    assert.deepEqual(files.sort(), [...variants, ...hostExporters].map((t) => t.file).sort());
  });

  for (const file of files) {
    it(`${file} is a valid RegisterTaskDefinition request by the ECS API model`, () => {
      assert.deepEqual(modelIssues(load(file), RegisterTaskDefinitionRequest$), []);
    });
  }
});

for (const variant of variants) {
  describe(variant.file, () => {
    const td = load(variant.file);
    const [container] = td.containerDefinitions ?? [];

    it(`targets ${variant.launchType} with ${variant.networkMode} networking and one essential appliance container`, () => {
      assert.deepEqual(td.requiresCompatibilities, [variant.launchType]);
      assert.equal(td.networkMode, variant.networkMode);
      assert.equal(td.containerDefinitions?.length, 1);
      assert.equal(container?.essential, true);
      assert.ok(td.taskRoleArn && td.executionRoleArn, 'needs a task role (AWS calls) and an execution role (secrets, logs)');
    });

    it('reads its config from S3 and gets the Grafana password as a secret, not as plain environment', () => {
      const env = new Map((container?.environment ?? []).map((e) => [e.name, e.value]));
      assert.match(env.get('CONFIG_LOCATION') ?? '', /^s3:\/\/[^/]+\//);
      assert.equal(env.get('APPLIANCE_DATA_DIR'), '/data');
      assert.ok(!env.has('GRAFANA_ADMIN_PASSWORD'));
      const secret = container?.secrets?.find((s) => s.name === 'GRAFANA_ADMIN_PASSWORD');
      assert.match(secret?.valueFrom ?? '', /^arn:aws:(secretsmanager|ssm):/);
    });

    it('logs to CloudWatch, runs the image health check and gives the supervisor time to stop', () => {
      assert.equal(container?.logConfiguration?.logDriver, 'awslogs');
      assert.ok(container?.logConfiguration?.options?.['awslogs-group']);
      const command = container?.healthCheck?.command ?? [];
      assert.equal(command[0], 'CMD');
      const script = command.find((part) => part.startsWith('/app/'));
      assert.ok(script, 'health check runs a file from the image');
      assert.match(dockerfile, new RegExp(`COPY docker/${path.basename(script!)} \\./docker/`), `${script} is copied into the image`);
      assert.ok(existsSync(path.join(REPO_ROOT, 'docker', path.basename(script!))));
      assert.ok((container?.healthCheck?.startPeriod ?? 0) >= 30, 'Prometheus replaying its WAL needs a start period');
      const stop = container?.stopTimeout ?? 0;
      assert.ok(stop >= 30 && stop <= variant.maxStopTimeout, `stopTimeout ${stop}`);
    });

    it('keeps /data on a persistent volume and runs as the image user', () => {
      const mount = container?.mountPoints?.find((m) => m.containerPath === '/data');
      const volume = td.volumes?.find((v) => v.name === mount?.sourceVolume);
      assert.ok(volume, 'the /data mount names a volume of the task');
      assert.ok(volume.efsVolumeConfiguration ?? volume.host?.sourcePath ?? volume.configuredAtLaunch, 'EFS, EBS or an instance path, not a scratch volume');
      const uid = /useradd[^\n]*--uid (\d+)/.exec(dockerfile)?.[1];
      assert.equal(container?.user, `${uid}:${uid}`);
    });

    it('publishes exactly the ports the image exposes', () => {
      const exposed = /^EXPOSE (.+)$/m.exec(dockerfile)?.[1]?.split(/\s+/).map(Number).sort() ?? [];
      const mapped = (container?.portMappings ?? []).map((p) => p.containerPort).sort();
      assert.deepEqual(mapped, exposed);
    });
  });
}

/** `registry/path/name:tag` into the repository path (registry dropped) and the tag. */
function imageParts(image: string): { repository: string; tag: string } {
  const [name = '', tag = ''] = image.split('@')[0]!.split(/:(?=[^/]+$)/);
  const parts = name.split('/');
  const hasRegistry = parts.length > 1 && /[.:]/.test(parts[0]!);
  return { repository: (hasRegistry ? parts.slice(1) : parts).join('/'), tag };
}

const flags = (command: string[] = []) => new Map(command.map((arg) => [arg.split('=')[0]!, arg.slice(arg.indexOf('=') + 1)]));

for (const exporter of hostExporters) {
  describe(exporter.file, () => {
    const td = load(exporter.file);
    const [container] = td.containerDefinitions ?? [];

    it('runs one essential container on EC2 Linux hosts in the host network, with no AWS role', () => {
      assert.deepEqual(td.requiresCompatibilities, ['EC2']);
      assert.equal(td.networkMode, 'host');
      assert.deepEqual(td.placementConstraints, [{ type: 'memberOf', expression: 'attribute:ecs.os-type == linux' }]);
      assert.equal(td.containerDefinitions?.length, 1);
      assert.equal(container?.essential, true);
      assert.equal(td.taskRoleArn, undefined, 'calls no AWS API');
      assert.equal(td.executionRoleArn, undefined, 'public image; awslogs on EC2 writes with the instance role');
    });

    it('runs a pinned image from the repository discovery matches', () => {
      const { repository, tag } = imageParts(container?.image ?? '');
      assert.match(repository, exporter.repository);
      assert.match(tag, /^v\d+\.\d+\.\d+$/, `${container?.image} is pinned to a release`);
    });

    it('listens on the port discovery scrapes, the same on the host', () => {
      assert.deepEqual(container?.portMappings?.map((p) => [p.containerPort, p.hostPort, p.protocol]), [[exporter.port, exporter.port, 'tcp']]);
    });

    it('mounts exactly the host paths it reads, read-only', () => {
      const volumes = new Map((td.volumes ?? []).map((v) => [v.name, v.host?.sourcePath]));
      const mounted = Object.fromEntries((container?.mountPoints ?? []).map((m) => [volumes.get(m.sourceVolume), m.containerPath]));
      assert.deepEqual(mounted, exporter.mounts);
      for (const mount of container?.mountPoints ?? []) assert.equal(mount.readOnly, true, mount.containerPath);
      assert.equal(volumes.size, Object.keys(exporter.mounts).length, 'no unused volumes');
    });

    it('reserves little of the host and logs like the appliance', () => {
      assert.ok((container?.cpu ?? Infinity) <= 256, `cpu ${container?.cpu}`);
      assert.ok((container?.memoryReservation ?? Infinity) <= 256, `memoryReservation ${container?.memoryReservation}`);
      assert.ok((container?.memory ?? 0) >= (container?.memoryReservation ?? 0), 'the hard limit is above the reservation');
      const appliance = load('task-definition.ec2.json').containerDefinitions![0]!.logConfiguration!;
      const options = container?.logConfiguration?.options ?? {};
      assert.equal(container?.logConfiguration?.logDriver, appliance.logDriver);
      for (const option of ['awslogs-group', 'awslogs-region', 'mode', 'max-buffer-size']) assert.equal(options[option], appliance.options?.[option], option);
      assert.notEqual(options['awslogs-stream-prefix'], appliance.options?.['awslogs-stream-prefix']);
    });
  });
}

describe('task-definition.cadvisor.json cAdvisor flags', () => {
  const container = load('task-definition.cadvisor.json').containerDefinitions![0]!;
  const args = flags(container.command);

  it('watches Docker containers only and labels their series with exactly the ECS labels', () => {
    assert.equal(args.get('--docker_only'), 'true');
    assert.equal(args.get('--store_container_labels'), 'false');
    assert.deepEqual(args.get('--whitelisted_container_labels')?.split(','), ECS_LABELS);
  });

  it('keeps cpu, memory and network, and disables only metric kinds cAdvisor knows', () => {
    const disabled = args.get('--disable_metrics')?.split(',') ?? [];
    assert.deepEqual(disabled.filter((kind) => !CADVISOR_METRIC_KINDS.has(kind)), []);
    for (const kept of ['cpu', 'memory', 'network']) assert.ok(!disabled.includes(kept), kept);
    for (const dropped of ['percpu', 'process', 'disk']) assert.ok(disabled.includes(dropped), dropped);
  });

  it('housekeeps at least twice per default scrape interval, far less often than every second', () => {
    const seconds = Number(/^(\d+)s$/.exec(args.get('--housekeeping_interval') ?? '')?.[1]);
    assert.ok(seconds >= 5 && seconds <= 15, `--housekeeping_interval ${args.get('--housekeeping_interval')}`);
  });

  it('is privileged, for the Docker socket and cgroups on SELinux hosts', () => {
    assert.equal(container.privileged, true);
  });
});

describe('task-definition.node-exporter.json', () => {
  const container = load('task-definition.node-exporter.json').containerDefinitions![0]!;

  it('runs the node-exporter version the image ships', () => {
    const shipped = /^ARG NODE_EXPORTER_IMAGE=(\S+)$/m.exec(dockerfile)?.[1];
    assert.ok(shipped, 'docker/Dockerfile names NODE_EXPORTER_IMAGE');
    assert.equal(imageParts(container.image!).tag, imageParts(shipped).tag);
  });

  it('reads the host through its mounts', () => {
    const args = flags(container.command);
    const mounted = new Set(container.mountPoints?.map((m) => m.containerPath));
    assert.equal(args.get('--path.rootfs'), '/host');
    for (const flag of ['--path.rootfs', '--path.procfs', '--path.sysfs']) assert.ok(mounted.has(args.get(flag)), `${flag}=${args.get(flag)} is a mount`);
  });
});

describe('docker/ecs/README.md exporter instructions', () => {
  const readme = readFileSync(path.join(ecsDir, 'README.md'), 'utf8');
  /** Shell lines with their continuations joined. */
  const commands = readme.replace(/\\\n\s*/g, ' ').split('\n');

  for (const exporter of hostExporters) {
    it(`registers ${exporter.file} and starts it as a DAEMON service on EC2`, () => {
      const { family } = load(exporter.file);
      assert.ok(commands.some((c) => c.includes('aws ecs register-task-definition') && c.includes(`file://docker/ecs/${exporter.file}`)), 'register-task-definition');
      const create = commands.find((c) => c.includes('aws ecs create-service') && c.includes(`--task-definition ${family} `));
      assert.ok(create, `create-service --task-definition ${family}`);
      assert.match(create, /--scheduling-strategy DAEMON\b/);
      assert.match(create, /--launch-type EC2\b/);
    });
  }

  it('gives an ecs_exporter sidecar container definition that is valid by the ECS API model', () => {
    const section = readme.slice(readme.indexOf('## Fargate tasks: the ecs_exporter sidecar'));
    const block = /```json\n([\s\S]*?)```/.exec(section)?.[1];
    assert.ok(block, 'a json block in the ecs_exporter section');
    const sidecar = JSON.parse(block) as ContainerDefinition;
    assert.deepEqual(modelIssues(sidecar, ContainerDefinition$), []);
    assert.equal(sidecar.image, 'quay.io/prometheuscommunity/ecs-exporter:v0.4.0');
    assert.equal(sidecar.essential, false, 'the task keeps running if the exporter stops');
    assert.deepEqual(sidecar.portMappings?.map((p) => p.containerPort), [9779]);
    assert.ok((sidecar.cpu ?? Infinity) <= 64 && (sidecar.memory ?? Infinity) <= 128, 'small cpu and memory');
  });
});
