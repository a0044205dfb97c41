import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startFakeAws, type FakeAws } from '../fake-aws/index.ts';
import { freePort } from '../processes/free-port.ts';
import { programVersion } from '../../supervisor/processes/program-version.ts';
import { PROGRAMS, programEnvironment } from '../programs.ts';
import {
  alive,
  e2eWorld,
  eventually,
  getJson,
  getText,
  grafanaStandInHome,
  OWN_CLUSTER,
  promQuery,
  spawnAppliance,
  startExporter,
  startMetadataEndpoint,
  type RunningAppliance,
} from './harness.ts';

/**
 * `ecs-appliance run` end to end on loopback: the fake AWS serves ECS and the S3 bundle, the real
 * Prometheus, Alertmanager and node-exporter run under the supervisor, Grafana is the stand-in.
 */

const BUCKET = 'e2e-config';
const PREFIX = 'bundle/';
const GRAFANA_PASSWORD = 'e2e-grafana-Pa55';

interface Ports {
  prometheus: number;
  alertmanager: number;
  grafana: number;
  nodeExporter: number;
  admin: number;
}

function applianceYml(ports: Ports, options: { revision: string; ruleOnlyPort?: number; alertmanagerRoute?: string }): string {
  const rule = options.ruleOnlyPort
    ? `  rules:\n    - name: rule-only\n      family: ^rule-only$\n      endpoints:\n        - port: ${options.ruleOnlyPort}\n`
    : '';
  const alertmanager = options.alertmanagerRoute ?? 'alertmanager:\n  route:\n    receiver: default\n  receivers:\n    - name: default\n';
  return `discovery:
  interval: 1s
${rule}prometheus:
  scrapeInterval: 1s
  scrapeTimeout: 1s
  evaluationInterval: 1s
  externalLabels:
    bundle_rev: "${options.revision}"
${alertmanager}grafana:
  adminPassword: ${GRAFANA_PASSWORD}
listen:
  host: 127.0.0.1
  prometheus: ${ports.prometheus}
  alertmanager: ${ports.alertmanager}
  grafana: ${ports.grafana}
  nodeExporter: ${ports.nodeExporter}
  admin: ${ports.admin}
`;
}

const GOOD_RULES = 'groups:\n  - name: e2e\n    rules:\n      - record: e2e:up:sum\n        expr: sum(up)\n';

type Status = {
  ready: boolean;
  summary: { components: Record<string, string>; discovery: { whyNotScraped: string } };
  reasons: string[];
  config: { applied: { version: string; fromCache: boolean } | null; appliedCount: number; lastError: { at: string; message: string; issues: Array<{ file: string; message: string }> } | null };
  components: Array<{ name: string; pid: number | null; ready: boolean; restarts: number; state: string }>;
  discovery: { restartsForNewSettings: number; clustersWatched: string[] | string; clusters: Array<{ cluster: string; targets: number }> };
  identity: { onEcs: boolean; cluster?: string };
  programs: { versions: Record<string, string>; memoryLimitBytes: number | null };
};

/** A cgroup v2 root whose memory.max says the container may use `bytes`. */
async function fakeCgroup(dir: string, bytes: number): Promise<string> {
  const root = join(dir, 'cgroup');
  await mkdir(root, { recursive: true });
  await writeFile(join(root, 'memory.max'), `${bytes}\n`);
  return root;
}

describe('ecs-appliance run, end to end', { timeout: 120_000 }, () => {
  let aws: FakeAws;
  let workDir: string;
  let dataDir: string;
  let ports: Ports;
  let env: Record<string, string>;
  let appliance: RunningAppliance;
  let prometheus: string;
  const closers: Array<() => Promise<void>> = [];

  const status = async () => (await getJson<Status>(`${appliance.admin}/status`)).body;
  const prometheusConfig = async () => (await getJson<{ data: { yaml: string } }>(`${prometheus}/api/v1/status/config`)).body.data.yaml;
  const putBundle = (files: Record<string, string>) => {
    for (const [name, body] of Object.entries(files)) aws.s3.putObject(BUCKET, PREFIX + name, body);
  };
  const diagnostics = () => JSON.stringify(appliance.logs.filter((l) => l.level === 'error' || l.level === 'fatal').slice(-10), null, 1) + appliance.otherOutput.slice(-10).join('\n');

  let ruleOnlyPort: number;

  before(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'appliance-e2e-'));
    dataDir = join(workDir, 'data');
    const labelled = await startExporter('labelled');
    const ruleOnly = await startExporter('rule-only');
    const elsewhere = await startExporter('elsewhere');
    closers.push(labelled.close, ruleOnly.close, elsewhere.close);
    ruleOnlyPort = ruleOnly.port;
    aws = await startFakeAws({ world: e2eWorld({ labelled: labelled.port, ruleOnly: ruleOnly.port, otherCluster: elsewhere.port }), throttling: false });
    closers.push(() => aws.stop());
    aws.s3.createBucket(BUCKET);
    const metadata = await startMetadataEndpoint(OWN_CLUSTER);
    closers.push(metadata.close);
    ports = { prometheus: await freePort(), alertmanager: await freePort(), grafana: await freePort(), nodeExporter: await freePort(), admin: await freePort() };
    prometheus = `http://127.0.0.1:${ports.prometheus}`;
    putBundle({ 'appliance.yml': applianceYml(ports, { revision: '1' }), 'rules/e2e.yml': GOOD_RULES });
    env = {
      ...aws.env,
      CONFIG_LOCATION: `s3://${BUCKET}/${PREFIX}`,
      CONFIG_POLL_INTERVAL: '1s',
      APPLIANCE_DATA_DIR: dataDir,
      APPLIANCE_ADMIN_ADDR: `127.0.0.1:${ports.admin}`,
      ECS_CONTAINER_METADATA_URI_V4: metadata.uri,
      ...programEnvironment(),
      // A 1 GiB container, as cgroup v2 states it.
      APPLIANCE_CGROUP_ROOT: await fakeCgroup(workDir, 1024 ** 3),
      GRAFANA_BIN: await grafanaStandInHome(workDir),
      // The stand-in checks its reload API's basic auth against these, as Grafana does against grafana.ini.
      GF_SECURITY_ADMIN_PASSWORD: GRAFANA_PASSWORD,
    };
    appliance = spawnAppliance(env, ports.admin);
  });

  after(async () => {
    if (appliance?.child.exitCode === null) {
      appliance.child.kill('SIGKILL');
      await appliance.exited;
    }
    for (const close of closers.reverse()) await close().catch(() => undefined);
    await rm(workDir, { recursive: true, force: true });
  });

  it('becomes ready with every component running from the S3 bundle', async () => {
    await eventually('/readyz 200', 40_000, async () => (await fetch(`${appliance.admin}/readyz`)).status === 200).catch((error) => {
      throw new Error(`${(error as Error).message}\n${diagnostics()}`);
    });
    const body = await status();
    assert.deepEqual(body.components.map((c) => c.name).sort(), ['alertmanager', 'grafana', 'node-exporter', 'prometheus']);
    for (const component of body.components) assert.ok(component.ready && component.pid, `${component.name} ready with a pid`);
    assert.ok(body.config.applied, 'a bundle is applied');
    assert.equal(body.config.applied.fromCache, false);
    assert.equal(body.identity.cluster, OWN_CLUSTER);
  });

  it("runs every child without the supervisor's secrets in its environment", async () => {
    for (const component of (await status()).components) {
      const environ = (await readFile(`/proc/${component.pid}/environ`, 'utf8')).split('\0');
      const names = environ.map((entry) => entry.slice(0, entry.indexOf('=')));
      assert.ok(names.includes('PATH'), `${component.name} has PATH`);
      for (const secret of ['AWS_SECRET_ACCESS_KEY', 'AWS_ACCESS_KEY_ID', 'GF_SECURITY_ADMIN_PASSWORD']) {
        if (component.name === 'grafana' && secret.startsWith('GF_')) continue;
        assert.ok(!names.includes(secret), `${component.name} does not see ${secret}`);
      }
    }
  });

  it("gives Prometheus its share of the container's memory as GOMEMLIMIT, and says which versions run", async () => {
    const metrics = await getText(`${prometheus}/metrics`);
    const limit = /^go_gc_gomemlimit_bytes (\S+)$/m.exec(metrics)?.[1];
    assert.equal(Number(limit), Math.floor(0.6 * 1024 ** 3), 'the default memoryShare (0.6) of 1 GiB, not Prometheus 3\'s own 90 %');
    const programs = (await status()).programs;
    assert.equal(programs.memoryLimitBytes, 1024 ** 3);
    assert.deepEqual(Object.keys(programs.versions).sort(), ['alertmanager', 'node-exporter', 'prometheus']);
    assert.equal(programs.versions.prometheus, (await programVersion(PROGRAMS.prometheus))?.text);
  });

  it('has Prometheus scrape the discovered exporter of its own cluster and node-exporter, not other clusters', async () => {
    const labelled = await eventually('up{container="labelled"} == 1', 20_000, async () => (await promQuery(prometheus, 'up{container="labelled"} == 1'))[0]);
    assert.equal(labelled.metric.cluster, OWN_CLUSTER);
    await eventually('up{job="node"} == 1', 20_000, async () => (await promQuery(prometheus, 'up{job="node"} == 1'))[0]);
    await eventually('the appliance scrapes its own admin /metrics', 20_000, async () => (await promQuery(prometheus, 'up{job="ecs-appliance"} == 1'))[0]);
    assert.deepEqual(await promQuery(prometheus, 'up{container="elsewhere"}'), []);
    const page = await getText(`${appliance.admin}/discovery?q=labelled`);
    assert.match(page, new RegExp(`<h2>${OWN_CLUSTER} `), '/discovery shows the watched cluster');
    assert.match(page, /<tr data-s="[^"]*" class="ok"><td>[^<]*<\/td><td>[^<]*<\/td><td>[^<]*<\/td><td>labelled<\/td><td>scraped<\/td>/, 'the labelled container, scraped, matches ?q=');
    const decisions = (await getJson<{ clusters: Array<{ cluster: string; tasks: unknown[] }> }>(`${appliance.admin}/discovery.json`)).body;
    assert.deepEqual(decisions.clusters.map((c) => c.cluster), [OWN_CLUSTER]);
    assert.ok(decisions.clusters[0]!.tasks.length > 0);
    const watched = (await status()).discovery.clustersWatched;
    assert.deepEqual(watched, [`arn:aws:ecs:us-east-1:111111111111:cluster/${OWN_CLUSTER}`]);
    assert.match(await prometheusConfig(), new RegExp(`ecs_cluster: ${OWN_CLUSTER}`));
  });

  it('reports discovery, config and components on /metrics and /status, without the Grafana password', async () => {
    const metrics = await getText(`${appliance.admin}/metrics`);
    assert.match(metrics, /ecs_appliance_config_reloads_total\{result="success"\} 1/);
    assert.match(metrics, /ecs_appliance_config_last_apply_success 1/);
    assert.match(metrics, new RegExp(`ecs_appliance_discovery_targets\\{account="111111111111",region="us-east-1",cluster="${OWN_CLUSTER}"\\} 1`));
    assert.match(metrics, /ecs_appliance_component_ready\{component="prometheus"\} 1/);
    assert.match(metrics, /ecs_appliance_ready 1/);
    const body = await status();
    assert.deepEqual(Object.keys(body).slice(0, 4), ['healthy', 'ready', 'reasons', 'summary'], '/status leads with whether it works, then the summary');
    assert.equal(Object.keys(body).at(-2), 'components', 'the bulky component detail comes last, before generatedAt');
    assert.match(body.summary.components.prometheus ?? '', /^running, ready, pid \d+, 0 restarts$/);
    assert.equal(body.summary.discovery.whyNotScraped, '/discovery');
    const text = JSON.stringify(body);
    assert.ok(!text.includes(GRAFANA_PASSWORD), '/status never shows the Grafana password');
    assert.ok(!JSON.stringify(appliance.logs).includes(GRAFANA_PASSWORD), 'the log never shows it either');
  });

  it('applies a changed bundle within one poll plus reload, including new discovery settings', async () => {
    const grafanaReloads = async () => (await getJson<{ reloads: number }>(`http://127.0.0.1:${ports.grafana}/stand-in/reloads`)).body.reloads;
    const reloadsBefore = await grafanaReloads();
    const prometheusPid = (await status()).components.find((c) => c.name === 'prometheus')!.pid;
    const changedAt = Date.now();
    putBundle({ 'appliance.yml': applianceYml(ports, { revision: '2', ruleOnlyPort }) });
    await eventually('Prometheus runs bundle_rev 2', 15_000, async () => (await prometheusConfig()).includes('bundle_rev: "2"'));
    const seconds = (Date.now() - changedAt) / 1000;
    assert.ok(seconds < 8, `live after ${seconds} s: one 1 s poll plus a reload should take far less`);
    // Prometheus reloads before the apply finishes (discovery, cache), so the count follows shortly.
    const after = await eventually('the apply to finish', 10_000, async () => {
      const now = await status();
      return now.config.appliedCount === 2 ? now : undefined;
    });
    assert.equal(after.components.find((c) => c.name === 'prometheus')!.pid, prometheusPid, 'reloaded by SIGHUP, not restarted');
    assert.ok((await grafanaReloads()) > reloadsBefore, 'Grafana provisioning was reloaded');
    // The central rule in the new discovery settings makes the rule-only container a target.
    await eventually('up{container="rule-only"} == 1', 20_000, async () => (await promQuery(prometheus, 'up{container="rule-only"} == 1'))[0]);
    assert.ok((await status()).discovery.restartsForNewSettings >= 1);
  });

  it('refuses broken bundles (bad YAML, bad PromQL, bad Alertmanager route) and keeps the last good config serving', async () => {
    const good = { 'appliance.yml': applianceYml(ports, { revision: '2', ruleOnlyPort }), 'rules/e2e.yml': GOOD_RULES };
    const cases: Array<{ name: string; files: Record<string, string>; expect: RegExp }> = [
      { name: 'bad YAML', files: { 'appliance.yml': 'prometheus: [unclosed\n  scrapeInterval: 1s\n' }, expect: /appliance\.yml.*YAML syntax error/s },
      { name: 'bad PromQL', files: { 'rules/e2e.yml': 'groups:\n  - name: e2e\n    rules:\n      - record: e2e:broken\n        expr: sum(rate(up[1m])\n' }, expect: /promtool check rules failed/ },
      {
        name: 'bad Alertmanager route',
        files: { 'appliance.yml': applianceYml(ports, { revision: '3', alertmanagerRoute: 'alertmanager:\n  route:\n    receiver: nowhere\n  receivers:\n    - name: default\n' }) },
        expect: /amtool check-config failed/,
      },
    ];
    const failures = async () => Number(/ecs_appliance_config_reloads_total\{result="failure"\} (\d+)/.exec(await getText(`${appliance.admin}/metrics`))?.[1]);
    for (const broken of cases) {
      const before = await status();
      const failuresBefore = await failures();
      putBundle({ ...good, ...broken.files });
      const refused = await eventually(`${broken.name} refused`, 15_000, async () => {
        const now = await status();
        return now.config.lastError && now.config.lastError.at !== before.config.lastError?.at ? now : undefined;
      });
      const detail = JSON.stringify(refused.config.lastError);
      assert.match(detail, broken.expect, `${broken.name}: ${detail}`);
      assert.equal(refused.config.applied?.version, before.config.applied?.version, `${broken.name}: the applied version stays`);
      assert.equal(await failures(), failuresBefore + 1);
      assert.match(await prometheusConfig(), /bundle_rev: "2"/, `${broken.name}: Prometheus still runs the last good config`);
      assert.equal((await fetch(`${appliance.admin}/readyz`)).status, 200, 'a refused update does not make the appliance unready');
      putBundle(good);
    }
    assert.ok(appliance.logs.some((l) => l.msg === 'config bundle refused; the last good config keeps running'));
    await eventually('the good bundle, applied again, clears lastError', 15_000, async () => (await status()).config.lastError === null);
  });

  it('heals each child killed with SIGKILL', async () => {
    for (const name of ['prometheus', 'alertmanager', 'node-exporter', 'grafana']) {
      const before = (await status()).components.find((c) => c.name === name)!;
      process.kill(before.pid!, 'SIGKILL');
      await eventually(`${name} restarted and ready`, 20_000, async () => {
        const now = (await status()).components.find((c) => c.name === name)!;
        return now.ready && now.pid !== before.pid && now.restarts === before.restarts + 1;
      });
    }
    await eventually('/readyz 200 after healing', 10_000, async () => (await fetch(`${appliance.admin}/readyz`)).status === 200);
  });

  it('stops everything on SIGTERM within the budget and exits 0', async () => {
    const pids = (await status()).components.map((c) => c.pid!);
    const started = Date.now();
    appliance.child.kill('SIGTERM');
    const exit = await appliance.exited;
    const seconds = (Date.now() - started) / 1000;
    assert.deepEqual(exit, { code: 0, signal: null }, diagnostics());
    assert.ok(seconds < 25, `stopped in ${seconds} s`);
    for (const pid of pids) assert.equal(alive(pid), false, `child ${pid} is gone`);
    const stopped = appliance.logs.find((l) => l.msg === 'every part stopped') as { steps: Array<{ name: string; error?: string }> } | undefined;
    // The reverse of the start order: the proxy stops after Prometheus has flushed through it, the admin endpoint last.
    assert.deepEqual(stopped?.steps.map((s) => s.name), ['config-poller', 'discovery', 'grafana', 'alertmanager', 'node-exporter', 'prometheus', 'sigv4-proxy', 'admin']);
    assert.deepEqual(stopped?.steps.filter((s) => s.error), []);
  });

  it('at first start with S3 unreachable and no cached bundle, stays unready and says so, never running the default', async () => {
    const emptyData = join(workDir, 'empty-data');
    const admin = await freePort();
    const unreachable = `http://127.0.0.1:${await freePort()}`;
    const run = spawnAppliance({ ...env, AWS_ENDPOINT_URL: unreachable, APPLIANCE_DATA_DIR: emptyData, APPLIANCE_ADMIN_ADDR: `127.0.0.1:${admin}` }, admin);
    try {
      await eventually('a loud NOT RUNNING log line', 20_000, async () => run.logs.some((l) => l.level === 'error' && String(l.msg).startsWith('NOT RUNNING')));
      const readyz = await getJson<{ reasons: string[] }>(`${run.admin}/readyz`);
      assert.equal(readyz.status, 503);
      assert.match(readyz.body.reasons.join('\n'), /no config bundle from s3:\/\/e2e-config\/bundle\/ has been applied \(cannot read the config bundle/);
      const body = (await getJson<Status>(`${run.admin}/status`)).body;
      assert.deepEqual(body.components, []);
      assert.equal(body.config.applied, null);
      assert.match(await getText(`${run.admin}/metrics`), /ecs_appliance_ready 0/);
    } finally {
      run.child.kill('SIGTERM');
      assert.deepEqual(await run.exited, { code: 0, signal: null });
    }
  });

  it('at first start with S3 unreachable, runs the last good bundle from the cache', async () => {
    const unreachable = `http://127.0.0.1:${await freePort()}`;
    appliance = spawnAppliance({ ...env, AWS_ENDPOINT_URL: unreachable }, ports.admin);
    await eventually('/readyz 200 from the cache', 40_000, async () => (await fetch(`${appliance.admin}/readyz`)).status === 200);
    const body = await status();
    assert.equal(body.config.applied?.fromCache, true);
    assert.match(await prometheusConfig(), /bundle_rev: "2"/);
    appliance.child.kill('SIGTERM');
    assert.deepEqual(await appliance.exited, { code: 0, signal: null });
  });
});
