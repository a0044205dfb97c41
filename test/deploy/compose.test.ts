import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { parseApplianceConfig } from '../../supervisor/config/load-bundle.ts';
import { startFakeAws, type FakeAws, type WorldSpec } from '../fake-aws/index.ts';
import { REPO_ROOT } from './source-scan.ts';

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string; target?: string };
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  network_mode?: string;
  depends_on?: string[] | Record<string, { condition: string }>;
}

const composeText = readFileSync(path.join(REPO_ROOT, 'docker-compose.yml'), 'utf8');
const compose = parse(composeText, { merge: true }) as { services: Record<string, Service>; volumes?: Record<string, unknown> };
const services = compose.services;
const worldFile = path.join(REPO_ROOT, 'test/fake-aws/worlds/demo.json');
const world = JSON.parse(readFileSync(worldFile, 'utf8')) as WorldSpec;
const dockerfile = readFileSync(path.join(REPO_ROOT, 'docker/Dockerfile'), 'utf8');

/** `${NAME:-default}` as compose reads it with NAME unset. */
const withDefaults = (value: string) => value.replace(/\$\{[A-Z0-9_]+:-([^}]*)\}/g, '$1');
const argOf = (command: string[] | undefined, flag: string) => command?.[command.indexOf(flag) + 1];

function runningTasks(families: string[]) {
  return world.accounts.flatMap((a) =>
    (a.regions ?? []).flatMap((r) =>
      (r.clusters ?? []).flatMap((c) =>
        (c.tasks ?? [])
          .filter((t) => t.lastStatus === 'RUNNING')
          .map((t) => ({ task: t, definition: r.taskDefinitions?.find((d) => `${d.family}:${d.revision}` === t.taskDefinition) }))
          .filter(({ definition }) => definition && families.includes(definition.family)),
      ),
    ),
  );
}

describe('docker-compose.yml', () => {
  let aws: FakeAws;
  before(async () => {
    aws = await startFakeAws({ world, throttling: false });
  });
  after(async () => {
    await aws?.stop();
  });

  it('has LocalStack, the ECS emulator, two sample apps and the appliance', () => {
    assert.deepEqual(Object.keys(services).sort(), ['appliance', 'ecs', 'localstack', 'sample-env', 'sample-labels']);
    assert.match(services.localstack?.image ?? '', /^\$\{LOCALSTACK_IMAGE:-localstack\/localstack:\d+\.\d+\.\d+\}$/, 'LocalStack pinned, overridable');
  });

  it('builds the appliance from docker/Dockerfile and the emulator from a stage of it', () => {
    assert.deepEqual(services.appliance?.build, { context: '.', dockerfile: 'docker/Dockerfile' });
    for (const name of ['ecs', 'sample-labels', 'sample-env']) {
      const target = services[name]?.build?.target;
      assert.ok(target && new RegExp(`^FROM \\S+ AS ${target}$`, 'm').test(dockerfile), `${name}: stage ${target} exists in docker/Dockerfile`);
    }
    const emulator = services.ecs?.command ?? [];
    assert.ok(existsSync(path.join(REPO_ROOT, emulator.find((part) => part.endsWith('.ts')) ?? 'missing')), 'the emulator entry point exists');
  });

  it('mounts only files that exist in the repository', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const volume of service.volumes ?? []) {
        const source = withDefaults(volume).split(':')[0]!;
        if (source.startsWith('./')) assert.ok(existsSync(path.join(REPO_ROOT, source)), `${name}: ${source}`);
        else if (!source.startsWith('/')) assert.ok(compose.volumes && source in compose.volumes, `${name}: named volume ${source} is declared`);
      }
    }
  });

  it('points the appliance at the LocalStack bundle and the emulator, in the emulator network namespace', () => {
    const env = services.appliance?.environment ?? {};
    assert.match(env.CONFIG_LOCATION ?? '', /^s3:\/\/ecs-appliance-demo\/demo\/$/);
    assert.equal(env.AWS_ENDPOINT_URL_S3, 'http://localstack:4566');
    const emulatorPort = argOf(services.ecs?.command, '--port');
    assert.equal(env.AWS_ENDPOINT_URL_ECS, `http://127.0.0.1:${emulatorPort}`);
    assert.equal(env.AWS_ENDPOINT_URL_EC2, `http://127.0.0.1:${emulatorPort}`);
    for (const name of ['appliance', 'sample-labels', 'sample-env']) assert.equal(services[name]?.network_mode, 'service:ecs', name);
    const published = (services.ecs?.ports ?? []).map((p) => p.split(':').at(-1));
    for (const port of ['3000', '9090', '9093', '9901']) assert.ok(published.includes(port), `publishes ${port}`);
    assert.deepEqual(services.appliance?.depends_on, { localstack: { condition: 'service_healthy' }, ecs: { condition: 'service_started' } });
  });

  it('uses the demo world keys and region, as the fake AWS derives them', () => {
    const env = Object.fromEntries(Object.entries(services.appliance?.environment ?? {}).map(([k, v]) => [k, withDefaults(String(v))]));
    assert.equal(env.AWS_ACCESS_KEY_ID, aws.credentials.accessKeyId);
    assert.equal(env.AWS_SECRET_ACCESS_KEY, aws.credentials.secretAccessKey);
    assert.equal(env.AWS_REGION, aws.env.AWS_REGION);
  });

  it('runs sample apps for tasks the world opts in by docker labels and by environment variables', () => {
    const families = (name: string) => argOf(services[name]?.command, '--family')!.split(',');
    const labelled = runningTasks(families('sample-labels'));
    const byEnv = runningTasks(families('sample-env'));
    assert.equal(labelled.length, families('sample-labels').length, 'every labels family has a running task');
    assert.equal(byEnv.length, families('sample-env').length, 'every env family has a running task');
    for (const { definition } of labelled) assert.ok(definition!.containers.some((c) => Object.keys(c.dockerLabels ?? {}).some((k) => /^(prometheus\.io\/|PROMETHEUS_EXPORTER_)/.test(k))), definition!.family);
    for (const { definition } of byEnv) assert.ok(definition!.containers.some((c) => c.environment?.PROMETHEUS), definition!.family);
  });

  it('ships a demo bundle that the appliance accepts', () => {
    const file = path.join(REPO_ROOT, 'docker/compose/bundle/appliance.yml');
    const config = parseApplianceConfig('appliance.yml', readFileSync(file, 'utf8'), { GRAFANA_ADMIN_PASSWORD: 'from-compose' });
    assert.equal(config.grafana.adminPassword, 'from-compose');
    assert.equal(config.discovery.enabled, true);
  });

  it('is accepted by docker compose itself, alone and with the LocalStack Pro switch, where compose is installed', (t) => {
    const run = (command: string[]) =>
      spawnSync(command[0]!, command.slice(1), { cwd: REPO_ROOT, encoding: 'utf8', timeout: 20_000, env: { ...process.env, LOCALSTACK_AUTH_TOKEN: 'compose-check' } });
    for (const compose of [['docker', 'compose'], ['docker-compose']]) {
      if (run([...compose, 'version']).status !== 0) continue;
      for (const files of [['-f', 'docker-compose.yml'], ['-f', 'docker-compose.yml', '-f', 'docker/compose/localstack-pro.yml']]) {
        const result = run([...compose, ...files, 'config', '-q']);
        assert.equal(result.status, 0, `${compose.join(' ')} ${files.join(' ')} config: ${result.stderr}`);
      }
      return;
    }
    t.skip('neither `docker compose` nor `docker-compose` is installed (docker/test-image.sh runs the check in CI)');
  });
});
