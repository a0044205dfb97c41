import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { componentSpecs } from '../../supervisor/processes/specs.ts';
import { Supervisor } from '../../supervisor/processes/supervisor.ts';
import { alive, capturingLogger, fastTimings, makeWorkspace, type Workspace } from './fixtures.ts';

/** Grafana's lifecycle against the stand-in, which accepts exactly the `grafana server` command line. */
describe('Grafana under the supervisor (stand-in)', () => {
  let workspace: Workspace;
  const supervisors: Supervisor[] = [];

  before(async () => {
    workspace = await makeWorkspace({ grafana: true });
  });

  after(async () => {
    for (const supervisor of supervisors) await supervisor.stop(5_000);
    await workspace.remove();
  });

  function supervise(admin?: { user: string; password: string }): Supervisor {
    const settings = { ...workspace.settings, grafana: { ...workspace.settings.grafana, admin } };
    const supervisor = new Supervisor({ specs: componentSpecs(settings), logger: capturingLogger().logger, registry: new Registry(), timings: fastTimings });
    supervisors.push(supervisor);
    supervisor.start();
    return supervisor;
  }

  it('starts with `grafana server` flags, is ready via /api/health, and restarts to reload without an admin credential', async () => {
    const supervisor = supervise();
    assert.equal(await supervisor.waitReady(20_000), true, JSON.stringify(supervisor.status()));
    const grafana = supervisor.component('grafana')!;
    const firstPid = grafana.pid!;
    assert.deepEqual(await supervisor.reload('grafana'), { ok: true });
    assert.notEqual(grafana.pid, firstPid, 'a reload without credentials is a restart');
    assert.equal(alive(firstPid), false);
    assert.equal(grafana.ready, true);
    const report = await supervisor.stop(5_000);
    assert.deepEqual(report.steps.map((s) => [s.name, s.forced]), [['grafana', false]]);
    assert.equal(grafana.status().lastExit?.code, 0);
  });

  it('uses the provisioning reload API when given the admin credential, and reports a refused one', async () => {
    const supervisor = supervise({ user: 'admin', password: 'admin' });
    assert.equal(await supervisor.waitReady(20_000), true);
    const grafana = supervisor.component('grafana')!;
    const pid = grafana.pid;
    assert.deepEqual(await supervisor.reload('grafana'), { ok: true });
    assert.equal(grafana.pid, pid, 'reloaded in place');
    const counts = (await (await fetch(`http://127.0.0.1:${workspace.settings.ports.grafana}/stand-in/reloads`)).json()) as { reloads: number };
    assert.equal(counts.reloads, 3, 'datasources, dashboards and alerting');
    await supervisor.stop(5_000);

    const wrong = supervise({ user: 'admin', password: 'not-the-password' });
    assert.equal(await wrong.waitReady(20_000), true);
    const result = await wrong.reload('grafana');
    assert.equal(result.ok, false);
    assert.match(result.error ?? '', /^POST http:\/\/127\.0\.0\.1:\d+\/api\/admin\/provisioning\/datasources\/reload answered HTTP 401/);
    assert.doesNotMatch(JSON.stringify(wrong.status()), /not-the-password|Basic /, '/status never carries the credential');
  });

  it('is refused by the stand-in when the home path is wrong, as real Grafana would', async () => {
    const settings = { ...workspace.settings, grafana: { homePath: '/nonexistent' } };
    const [spec] = componentSpecs(settings);
    const supervisor = new Supervisor({ specs: [{ ...spec!, cwd: undefined }], logger: capturingLogger().logger, registry: new Registry(), timings: fastTimings });
    supervisors.push(supervisor);
    supervisor.start();
    const deadline = Date.now() + 20_000;
    while (supervisor.health().ok && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    const status = supervisor.component('grafana')!.status();
    assert.equal(status.crashLooping, true);
    assert.match(status.lastLines.join('\n'), /Could not find config defaults/);
  });
});
