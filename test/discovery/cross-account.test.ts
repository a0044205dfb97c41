import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { startHarness, type Harness } from './harness.ts';
import { world } from './world-builders.ts';

const OTHER = '222222222222';
const ROLE = `arn:aws:iam::${OTHER}:role/ecs-appliance-reader`;

const exporter = (family: string) => ({
  family,
  revision: 1,
  networkMode: 'awsvpc' as const,
  containers: [{ name: 'app', image: 'example/app:1', dockerLabels: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9100' } }],
});
const running = (id: string, family: string, ip: string) => ({
  id,
  taskDefinition: `${family}:1`,
  lastStatus: 'RUNNING' as const,
  launchType: 'FARGATE' as const,
  az: 'us-east-1a',
  privateIp: ip,
});

const twoAccounts = world({ taskDefinitions: [exporter('home')], clusters: [{ name: 'home', tasks: [running('d1', 'home', '10.1.0.1')] }] }, [
  {
    id: OTHER,
    roles: [{ arn: ROLE, externalId: 'shared-secret-id' }],
    regions: [
      { name: 'us-east-1', taskDefinitions: [exporter('away')], clusters: [{ name: 'away', tasks: [running('d2', 'away', '10.2.0.1')] }] },
      { name: 'eu-west-1', taskDefinitions: [exporter('euro')], clusters: [{ name: 'euro', tasks: [running('d3', 'euro', '10.3.0.1')] }] },
    ],
  },
]);

describe('several accounts and regions from one appliance', () => {
  let h: Harness;
  afterEach(() => h.close());

  it('assumes a role per account (with its external ID) and writes each account-region-cluster its own file', async () => {
    h = await startHarness(twoAccounts, {
      accounts: [{}, { roleArn: ROLE, externalId: 'shared-secret-id', regions: ['us-east-1', 'eu-west-1'] }],
    });
    const report = await h.service.runCycle();
    assert.deepEqual(report.scopeErrors, []);
    const files = await h.readTargets();
    assert.deepEqual([...files.keys()], [
      'ecs_111111111111_us-east-1_home.json',
      `ecs_${OTHER}_eu-west-1_euro.json`,
      `ecs_${OTHER}_us-east-1_away.json`,
    ]);
    const away = files.get(`ecs_${OTHER}_us-east-1_away.json`)![0]!;
    assert.equal(away.targets[0], '10.2.0.1:9100');
    assert.equal(away.labels.__meta_ecs_account_id, OTHER);
    assert.equal(files.get(`ecs_${OTHER}_eu-west-1_euro.json`)![0]!.labels.__meta_ecs_region, 'eu-west-1');
    assert.ok(h.aws.calls.count({ service: 'sts', operation: 'AssumeRole', outcome: 'ok' }) >= 1);
  });

  it('a refused role (wrong external ID) fails only that account; the others are discovered', async () => {
    h = await startHarness(twoAccounts, { accounts: [{}, { roleArn: ROLE, externalId: 'wrong' }] });
    const report = await h.service.runCycle();
    assert.equal(report.nothingDiscovered, false);
    assert.equal(report.scopeErrors.length, 1);
    assert.equal(report.scopeErrors[0]!.scope, `${ROLE}/us-east-1`);
    assert.match(report.scopeErrors[0]!.error, /AccessDenied/);
    assert.deepEqual([...(await h.readTargets()).keys()], ['ecs_111111111111_us-east-1_home.json']);
  });
});
