import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { resolveBundle, type ResolveInputs } from '../../supervisor/appliance/resolve-bundle.ts';
import { settingsFromEnvironment } from '../../supervisor/appliance/settings.ts';
import type { Bundle } from '../../supervisor/config/bundle.ts';
import { readDefaultBundle } from '../../supervisor/config/default-bundle.ts';
import type { TaskIdentity } from '../../supervisor/identity/task-metadata.ts';
import { folderBundle } from '../render/fixtures.ts';

const IDENTITY: TaskIdentity = {
  cluster: 'monitoring',
  taskId: 'abc',
  clusterArn: 'arn:aws:ecs:eu-west-1:111111111111:cluster/monitoring',
  clusterName: 'monitoring',
  taskArn: 'arn:aws:ecs:eu-west-1:111111111111:task/monitoring/abc',
  family: 'ecs-appliance',
  revision: '3',
  region: 'eu-west-1',
  accountId: '111111111111',
};

describe('resolveBundle: bundle, environment and identity → what the appliance applies', () => {
  let builtin: Bundle;
  before(async () => {
    builtin = await readDefaultBundle();
  });

  const resolve = (files: Record<string, string>, env: Record<string, string> = {}, extra: Partial<ResolveInputs> = {}) =>
    resolveBundle({
      bundle: folderBundle(files),
      builtin,
      settings: settingsFromEnvironment({ APPLIANCE_DATA_DIR: '/var/lib/ecs-appliance', ...env }),
      identity: undefined,
      host: { versions: {}, memoryLimitBytes: undefined },
      secrets: { generatedGrafanaPassword: async () => 'generated', grafanaSecretKey: undefined },
      judgedFor: 'here',
      ...extra,
    });

  it('resolves the rendered files, the processes, discovery and AMP from one bundle', async () => {
    const resolution = await resolve({ 'appliance.yml': 'discovery: { clusters: [prod] }\nlisten: { prometheus: 9191 }\n' }, { AWS_REGION: 'eu-west-1' });
    assert.ok(resolution.ok, JSON.stringify(resolution));
    const { resolved } = resolution;
    assert.ok(resolved.files.has('prometheus/prometheus.yml'));
    assert.ok(resolved.specs.find((spec) => spec.name === 'prometheus')?.args.includes('--web.listen-address=0.0.0.0:9191'), JSON.stringify(resolved.specs.map((s) => s.args)));
    assert.deepEqual(resolved.discovery?.settings.clusters, ['prod']);
    assert.equal(resolved.discovery?.fallbackRegion, 'eu-west-1');
    assert.equal(resolved.amp, undefined);
  });

  it('sets DISCOVERY_* over the bundle, and tells a bad value against its variable', async () => {
    const files = { 'appliance.yml': 'discovery: { clusters: [prod], interval: 30s }\n' };
    const overridden = await resolve(files, { AWS_REGION: 'eu-west-1', DISCOVERY_CLUSTERS: 'a, b', DISCOVERY_ROLE_ARNS: 'arn:aws:iam::222222222222:role/x', DISCOVERY_EXTERNAL_ID: 'ext' });
    assert.ok(overridden.ok, JSON.stringify(overridden));
    assert.deepEqual(overridden.resolved.discovery?.settings.clusters, ['a', 'b']);
    assert.equal(overridden.resolved.discovery?.settings.interval, '30s');
    assert.deepEqual(
      overridden.resolved.discovery?.settings.accounts.map((a) => a.roleArn ?? 'self'),
      ['self', 'arn:aws:iam::222222222222:role/x'],
    );

    const bad = await resolve(files, { AWS_REGION: 'eu-west-1', DISCOVERY_INTERVAL: 'soon' });
    assert.ok(!bad.ok);
    assert.deepEqual(bad.issues.map((i) => [i.file, i.path, i.line]), [['DISCOVERY_INTERVAL (environment)', 'discovery.interval', undefined]]);

    const off = await resolve({ 'appliance.yml': 'discovery: { enabled: false }\n' }, { DISCOVERY_INTERVAL: 'soon' });
    assert.ok(off.ok, 'discovery turned off leaves DISCOVERY_* unjudged');
    assert.equal(off.resolved.discovery, undefined);
  });

  it('a region only the run environment can give: a problem here, a note when judged for elsewhere', async () => {
    const files = { 'appliance.yml': 'prometheus: { scrapeInterval: 30s }\n' };
    const here = await resolve(files);
    assert.ok(!here.ok);
    assert.deepEqual(here.issues.map((i) => [i.file, i.path]), [['appliance.yml', 'discovery']]);
    assert.match(here.issues[0]!.message, /no region/);
    assert.ok(here.files?.has('prometheus/prometheus.yml'), 'the rendered files are still there for promtool and amtool');

    const elsewhere = await resolve(files, {}, { judgedFor: 'elsewhere' });
    assert.ok(elsewhere.ok);
    assert.match(elsewhere.notes.join('\n'), /discovery needs a region where it runs/);

    const onEcs = await resolve(files, {}, { identity: IDENTITY });
    assert.ok(onEcs.ok, 'on ECS the task metadata gives the region');
    assert.deepEqual(onEcs.resolved.discovery?.settings.clusters, [IDENTITY.clusterArn], "with no clusters named, the appliance's own");
  });

  it('reports every problem at once, each naming the file and key', async () => {
    const resolution = await resolve({
      'appliance.yml': 'prometheus: { scrapeInterval: 10s, scrapeTimeout: 20s }\nlisten: { grafana: 9090 }\n',
      'dashboards/broken.json': '{"title": ',
      'rules/not-rules.yml': 'alerts: []\n',
    });
    assert.ok(!resolution.ok);
    assert.deepEqual(resolution.issues.map((i) => `${i.file} ${i.path ?? ''}`).sort(), [
      'appliance.yml listen.grafana',
      'appliance.yml prometheus.scrapeTimeout',
      'dashboards/broken.json ',
      'rules/not-rules.yml groups',
    ]);
    assert.equal(resolution.files, undefined, 'nothing is rendered from a bundle that does not load');
  });

  it('asks for a generated Grafana password only when the bundle sets none', async () => {
    let asked = 0;
    const secrets = { generatedGrafanaPassword: async () => `generated-${++asked}`, grafanaSecretKey: undefined };
    await resolve({ 'appliance.yml': 'grafana: { adminPassword: set-in-bundle }\n' }, { AWS_REGION: 'eu-west-1' }, { secrets });
    assert.equal(asked, 0);
    const resolution = await resolve({ 'appliance.yml': '{}\n' }, { AWS_REGION: 'eu-west-1' }, { secrets });
    assert.ok(resolution.ok);
    assert.match(resolution.resolved.files.get('grafana/grafana.ini')!, /admin_password = `generated-1`/);
  });
});
