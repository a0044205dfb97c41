import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { startFakeAws, type FakeAws } from '../fake-aws/index.ts';
import { tempDir, TOOLS, writeFiles } from '../render/fixtures.ts';

const CLI = fileURLToPath(new URL('../../supervisor/cli.ts', import.meta.url));
const TOOL_ENV = { PROMTOOL_BIN: TOOLS.promtool, AMTOOL_BIN: TOOLS.amtool };

async function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const result = await execa(process.execPath, ['--import', 'tsx', CLI, ...args], {
    reject: false,
    timeout: 45_000,
    env: { ...TOOL_ENV, CONFIG_LOCATION: '', ...env },
    extendEnv: false,
  });
  return { code: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr };
}

describe('ecs-appliance check / render', () => {
  let dir: string;
  let aws: FakeAws;
  before(async () => {
    dir = await tempDir('check-command-');
    await writeFiles(dir, {
      'good/appliance.yml': 'prometheus: { scrapeInterval: 15s }\n',
      'bad-rule/appliance.yml': '{}\n',
      'bad-rule/rules/app.yml': 'groups:\n  - name: app\n    rules:\n      - alert: Broken\n        expr: sum(rate(http_requests_total[5m]) by\n',
      'bad-route/appliance.yml': 'alertmanager:\n  route: { receiver: pager }\n  receivers: [{ name: default }]\n',
      'bad-rule-and-route/appliance.yml': 'alertmanager:\n  route: { receiver: pager }\n  receivers: [{ name: default }]\n',
      'bad-rule-and-route/rules/app.yml': 'groups:\n  - name: app\n    rules:\n      - alert: Broken\n        expr: sum(rate(http_requests_total[5m]) by\n',
      'bad-schema.yml': 'discovery:\n  rules:\n    - { name: a, cluster: prod, endpoints: [{ port: 0 }] }\n',
      'needs-env.yml': 'grafana:\n  adminPassword: ${GRAFANA_ADMIN_PASSWORD}\n',
    });
    aws = await startFakeAws({ world: { accounts: [{ id: '111111111111' }], buckets: [{ name: 'cfg', objects: { 'team/appliance.yml': 'grafana: { anonymousViewer: true }\n' } }] } });
  });
  after(async () => {
    await aws?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('exits 0 for the default bundle and for a valid folder', async () => {
    const builtIn = await cli(['check']);
    assert.equal(builtIn.code, 0, builtIn.stderr);
    assert.match(builtIn.stdout, /^default bundle \(.*\): valid \(13 files rendered\)$/m);
    const good = await cli(['check', join(dir, 'good')]);
    assert.equal(good.code, 0, good.stderr);
  });

  it('notes what only the run environment can give (a region) instead of failing', async () => {
    const noRegion = await cli(['check']);
    assert.equal(noRegion.code, 0, noRegion.stderr);
    assert.match(noRegion.stdout, /^note: discovery needs a region where it runs: on ECS the task metadata gives the task's own; elsewhere set AWS_REGION or discovery\.regions$/m);
    const withRegion = await cli(['check'], { AWS_REGION: 'eu-west-1' });
    assert.doesNotMatch(withRegion.stdout, /^note:/m);
  });

  it('refuses a bad PromQL rule with promtool\'s message', async () => {
    const result = await cli(['check', join(dir, 'bad-rule')]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^rules\/app\.yml:5:15: promtool check rules failed/m);
    assert.match(result.stderr, /prometheus\/rules\/app\.yml: 5:15: group "app", rule 1, "Broken": could not parse expression/);
  });

  it('refuses a route to a receiver that does not exist with amtool\'s message', async () => {
    const result = await cli(['check', `file://${join(dir, 'bad-route')}`]);
    assert.equal(result.code, 1);
    // Told against the bundle key it came from, not only the rendered file.
    assert.match(result.stderr, /appliance\.yml: alertmanager\.route: amtool check-config failed:\n {2}FAILED: undefined receiver "pager" used in route\n.*\n {2}\(in the rendered alertmanager\/alertmanager\.yml\)/);
  });

  it('reports promtool\'s and amtool\'s verdicts together, with the notes', async () => {
    const result = await cli(['check', join(dir, 'bad-rule-and-route')]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^rules\/app\.yml:5:15: promtool check rules failed/m);
    assert.match(result.stderr, /^appliance\.yml: alertmanager\.route: amtool check-config failed:/m);
    assert.match(result.stderr, /^note: discovery needs a region where it runs/m);
  });

  it('judges DISCOVERY_* as run applies them, naming the variable', async () => {
    const result = await cli(['check', join(dir, 'good')], { DISCOVERY_INTERVAL: 'soon' });
    assert.equal(result.code, 1);
    assert.equal(result.stderr.trim(), 'DISCOVERY_INTERVAL (environment): discovery.interval: expected a Prometheus duration such as 15s, 1m or 1h30m');
  });

  it('prints schema errors and missing variables by file and path', async () => {
    const schema = await cli(['check', join(dir, 'bad-schema.yml')]);
    assert.equal(schema.code, 1);
    assert.equal(schema.stderr.trim(), 'bad-schema.yml:3:53: discovery.rules[0].endpoints[0].port: expected a number from 1 to 65535, got 0');
    const env = await cli(['check', join(dir, 'needs-env.yml')]);
    assert.equal(env.code, 1);
    assert.equal(env.stderr.trim(), 'needs-env.yml:2:18: grafana.adminPassword: environment variable GRAFANA_ADMIN_PASSWORD is not set');
    assert.equal((await cli(['check', join(dir, 'needs-env.yml')], { GRAFANA_ADMIN_PASSWORD: 'x' })).code, 0);
  });

  it('reads CONFIG_LOCATION, including s3:// through AWS_ENDPOINT_URL', async () => {
    const result = await cli(['check'], { ...aws.env, CONFIG_LOCATION: 's3://cfg/team/appliance.yml' });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^s3:\/\/cfg\/team\/appliance\.yml: valid/m);
  });

  it('exits 2 on usage errors and 1 when the location cannot be read', async () => {
    assert.equal((await cli(['check', 'a', 'b'])).code, 2);
    assert.equal((await cli(['check', '--frobnicate'])).code, 2);
    const missing = await cli(['check', join(dir, 'nope.yml')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /ENOENT/);
    const http = await cli(['check', 'http://127.0.0.1:1/appliance.yml']);
    assert.equal(http.code, 1);
    assert.match(http.stderr, /plain http is refused/);
  });

  it('render writes the files that would be applied', async () => {
    const out = join(dir, 'rendered');
    const result = await cli(['render', join(dir, 'good'), '--out', out, '--data-dir', '/srv/appliance']);
    assert.equal(result.code, 0, result.stderr);
    assert.ok(result.stdout.split('\n').includes('prometheus/prometheus.yml'));
    const prometheus = await readFile(join(out, 'prometheus/prometheus.yml'), 'utf8');
    assert.match(prometheus, /scrape_interval: "15s"/);
    assert.match(prometheus, /files: \["\/srv\/appliance\/targets\/\*\.json"\]/);
    assert.match(result.stderr, /random password generated for this render only/);
    assert.equal((await cli(['render', join(dir, 'good')])).code, 2);
  });
});
