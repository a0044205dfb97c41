import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { componentSpecs } from '../../supervisor/processes/specs.ts';
import { Supervisor } from '../../supervisor/processes/supervisor.ts';
import {
  alertmanagerConfig,
  alive,
  brokenAlertmanagerConfig,
  brokenPrometheusConfig,
  capturingLogger,
  eventually,
  fastTimings,
  makeWorkspace,
  prometheusConfig,
  type Workspace,
} from './fixtures.ts';

describe('the real Prometheus, Alertmanager and node-exporter under the supervisor', () => {
  let workspace: Workspace;
  let supervisor: Supervisor;
  const registry = new Registry();
  const log = capturingLogger();

  before(async () => {
    workspace = await makeWorkspace({ prometheus: true, alertmanager: true, 'node-exporter': true });
    supervisor = new Supervisor({ specs: componentSpecs(workspace.settings), logger: log.logger, registry, timings: fastTimings });
    supervisor.start();
  });

  after(async () => {
    await supervisor.stop(10_000);
    await workspace.remove();
  });

  it('starts every component from the argv componentSpecs builds and sees each become ready', async () => {
    assert.equal(await supervisor.waitReady(30_000), true, JSON.stringify(supervisor.status(), null, 2));
    assert.deepEqual(supervisor.readiness(), { ok: true, reasons: [] });
    assert.deepEqual(supervisor.health(), { ok: true, reasons: [] });
    const metrics = await registry.metrics();
    for (const name of ['prometheus', 'alertmanager', 'node-exporter']) {
      assert.match(metrics, new RegExp(`ecs_appliance_component_ready\\{component="${name}"\\} 1`));
      assert.match(metrics, new RegExp(`ecs_appliance_component_up\\{component="${name}"\\} 1`));
    }
  });

  it("turns the children's logfmt lines into JSON records tagged by component, keeping msg and level", () => {
    const records = log.records();
    const prometheusLine = records.find((r) => r.component === 'prometheus' && r.msg === 'Server is ready to receive web requests.');
    assert.ok(prometheusLine, 'the Prometheus ready line is logged with its own msg');
    assert.equal(prometheusLine.level, 'info');
    // Where in Prometheus's code: `source` from Prometheus 3's slog, `caller` from 2.x's go-kit log.
    assert.equal(typeof (prometheusLine.source ?? prometheusLine.caller), 'string');
    assert.ok(records.some((r) => r.component === 'alertmanager' && r.stream === 'stderr'));
    assert.ok(records.some((r) => r.component === 'node-exporter' && typeof r.msg === 'string'));
  });

  it('restarts each component killed with SIGKILL and sees it ready again', async () => {
    for (const name of ['prometheus', 'alertmanager', 'node-exporter']) {
      const component = supervisor.component(name)!;
      const oldPid = component.pid!;
      process.kill(oldPid, 'SIGKILL');
      assert.ok(await eventually(() => component.pid !== undefined && component.pid !== oldPid, 10_000), `${name} got a new process`);
      assert.equal(await component.waitReady(30_000), true, `${name} ready again`);
      assert.equal(alive(oldPid), false);
      const status = component.status();
      assert.equal(status.restarts, 1);
      assert.equal(status.lastError, 'killed by SIGKILL');
      assert.equal(status.crashLooping, false);
    }
    assert.match(await registry.metrics(), /ecs_appliance_component_restarts_total\{component="alertmanager"\} 1/);
  });

  it('confirms a Prometheus SIGHUP reload through prometheus_config_last_reload_successful', async () => {
    await writeFile(join(workspace.dir, 'prometheus.yml'), prometheusConfig(workspace.settings.ports.prometheus).replace('15s', '20s'));
    const pid = supervisor.component('prometheus')!.pid;
    assert.deepEqual(await supervisor.reload('prometheus'), { ok: true });
    assert.equal(supervisor.component('prometheus')!.pid, pid, 'reloaded in place, not restarted');
    const config = await (await fetch(`http://127.0.0.1:${workspace.settings.ports.prometheus}/api/v1/status/config`)).json();
    assert.match((config as { data: { yaml: string } }).data.yaml, /scrape_interval: 20s/);
  });

  it('reports a failed Prometheus reload when the configuration is broken, twice in a row', async () => {
    await writeFile(join(workspace.dir, 'prometheus.yml'), brokenPrometheusConfig);
    for (let attempt = 0; attempt < 2; attempt++) {
      const result = await supervisor.reload('prometheus');
      assert.equal(result.ok, false);
      assert.match(result.error ?? '', /prometheus_config_last_reload_successful is 0/);
      assert.match(result.error ?? '', /no_such_field/, 'the error carries the line Prometheus logged');
    }
    assert.equal(supervisor.component('prometheus')!.ready, true, 'a failed reload keeps the old configuration running');
    await writeFile(join(workspace.dir, 'prometheus.yml'), prometheusConfig(workspace.settings.ports.prometheus));
    assert.deepEqual(await supervisor.reload('prometheus'), { ok: true });
  });

  it('reloads Alertmanager by SIGHUP and reports a broken configuration', async () => {
    assert.deepEqual(await supervisor.reload('alertmanager'), { ok: true });
    await writeFile(join(workspace.dir, 'alertmanager.yml'), brokenAlertmanagerConfig);
    const failed = await supervisor.reload('alertmanager');
    assert.equal(failed.ok, false);
    assert.match(failed.error ?? '', /alertmanager_config_last_reload_successful is 0/);
    await writeFile(join(workspace.dir, 'alertmanager.yml'), alertmanagerConfig);
    assert.deepEqual(await supervisor.reload('alertmanager'), { ok: true });
  });

  it('has nothing to reload in node-exporter and refuses unknown components', async () => {
    assert.deepEqual(await supervisor.reload('node-exporter'), { ok: true });
    assert.deepEqual(await supervisor.reload('grafana'), { ok: false, error: "no component named 'grafana' is running in this appliance" });
  });

  it('stops in reverse start order with clean exits, leaving no process behind', async () => {
    const pids = supervisor.components.map((component) => component.pid!);
    const report = await supervisor.stop(20_000);
    assert.deepEqual(report.steps.map((step) => step.name), ['alertmanager', 'node-exporter', 'prometheus']);
    assert.ok(report.steps.every((step) => !step.forced), JSON.stringify(report));
    for (const pid of pids) assert.equal(alive(pid), false);
    assert.ok(supervisor.status().every((status) => status.state === 'stopped' && status.pid === null));
    assert.equal(supervisor.component('prometheus')!.status().lastExit?.code, 0);
  });
});
