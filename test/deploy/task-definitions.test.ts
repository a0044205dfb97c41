import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { RegisterTaskDefinitionRequest$, type RegisterTaskDefinitionCommandInput } from '@aws-sdk/client-ecs';
import { modelIssues } from './api-model.ts';
import { REPO_ROOT } from './source-scan.ts';

const ecsDir = path.join(REPO_ROOT, 'docker/ecs');
const dockerfile = readFileSync(path.join(REPO_ROOT, 'docker/Dockerfile'), 'utf8');
const load = (name: string) => JSON.parse(readFileSync(path.join(ecsDir, name), 'utf8')) as RegisterTaskDefinitionCommandInput;

const variants = [
  { file: 'task-definition.fargate.json', launchType: 'FARGATE', networkMode: 'awsvpc', maxStopTimeout: 120 },
  { file: 'task-definition.ec2.json', launchType: 'EC2', networkMode: 'bridge', maxStopTimeout: Infinity },
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

for (const variant of variants) {
  describe(variant.file, () => {
    const td = load(variant.file);
    const [container] = td.containerDefinitions ?? [];

    it('is a valid RegisterTaskDefinition request by the ECS API model', () => {
      assert.deepEqual(modelIssues(td, RegisterTaskDefinitionRequest$), []);
    });

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
