import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';
import { execa } from 'execa';
import { parseWorld } from '../fake-aws/index.ts';
import { freePort } from '../processes/free-port.ts';
import { describeVersions } from '../../supervisor/demo/binaries.ts';
import { renderedPage } from '../browser.ts';
import { PROGRAMS, PROGRAMS_VERSIONS } from '../programs.ts';
import { demoEstate } from '../../supervisor/demo/estate.ts';
import { demoMetricsText, endpointMetrics } from '../../supervisor/demo/exporters.ts';
import { eventually, promQuery, REPO_ROOT } from '../appliance/harness.ts';

const demoWorld = async () => parseWorld(JSON.parse(await readFile(join(REPO_ROOT, 'test/fake-aws/worlds/demo.json'), 'utf8')));

describe('the native demo', { timeout: 90_000 }, () => {
  const cleanup: Array<() => Promise<void>> = [];
  after(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  it('serves an exporter for every running demo task on its loopback port, and none for pending or stopped ones', async () => {
    // search (PENDING, 19104) and the STOPPED orders task (19113, 19114, 19116) are left out; checkout's
    // ecs_exporter sidecar is on 9779 of its awsvpc address, where discovery scrapes it.
    const endpoints = demoEstate(await demoWorld()).endpoints;
    assert.deepEqual(
      endpoints.map((e) => `${e.port} ${e.kind}`),
      ['9779 ecs-exporter', '19101 app', '19102 app', '19103 app', '19110 app', '19111 app', '19112 app', '19115 ecs-exporter', '19120 node-exporter', '19130 app', '19131 app', '19140 cadvisor'],
    );
  });

  it('writes exposition text that promtool accepts, for every kind of demo exporter', async () => {
    const endpoints = demoEstate(await demoWorld()).endpoints;
    const served = (kind: string) => endpointMetrics(endpoints.find((e) => e.kind === kind)!, 1);
    // node-exporter's names are upstream's camelCase (node_memory_MemTotal_bytes), which the linter refuses: parsed only.
    const texts: Array<[string, string[]]> = [
      [demoMetricsText(19101, 42), []],
      [served('cadvisor'), []],
      [served('ecs-exporter'), []],
      [served('node-exporter'), ['--extended', '--lint=none']],
    ];
    for (const [input, flags] of texts) {
      const result = await execa(PROGRAMS.promtool, ['check', 'metrics', ...flags], { input, reject: false, all: true });
      assert.equal(result.exitCode, 0, `${result.all}\n${input.slice(0, 400)}`);
    }
  });

  it('runs the appliance against the demo world, prints where to look, and stops cleanly on Ctrl-C', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'appliance-demo-'));
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
    const ports = { prometheus: await freePort(), alertmanager: await freePort(), grafana: await freePort(), nodeExporter: await freePort(), admin: await freePort() };
    const child = spawn(
      process.execPath,
      [
        '--import', 'tsx', join(REPO_ROOT, 'supervisor/cli.ts'), 'demo', '--data-dir', dataDir,
        '--prometheus-port', String(ports.prometheus), '--alertmanager-port', String(ports.alertmanager), '--grafana-port', String(ports.grafana),
        '--node-exporter-port', String(ports.nodeExporter), '--admin-port', String(ports.admin),
      ],
      // No grafana binary here: the demo must say it runs without Grafana.
      { cwd: REPO_ROOT, env: { ...process.env, GRAFANA_BIN: join(dataDir, 'no-grafana') }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const output: string[] = [];
    for (const stream of [child.stdout, child.stderr]) createInterface({ input: stream }).on('line', (line) => output.push(line));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    cleanup.push(async () => {
      if (child.exitCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    });

    await eventually('the banner', 60_000, async () => output.some((line) => line.startsWith('ECS appliance demo is running'))).catch((error) => {
      throw new Error(`${(error as Error).message}\n${output.join('\n')}`);
    });
    const text = output.join('\n');
    assert.match(text, new RegExp(`Prometheus UI +http://127\\.0\\.0\\.1:${ports.prometheus}/`));
    assert.match(text, new RegExp(`Targets +http://127\\.0\\.0\\.1:${ports.prometheus}/targets`));
    assert.match(text, new RegExp(`Alertmanager +http://127\\.0\\.0\\.1:${ports.alertmanager}/`));
    assert.match(text, new RegExp(`Appliance status +http://127\\.0\\.0\\.1:${ports.admin}/status`));
    assert.match(text, /Grafana +disabled: no grafana binary/);

    const prometheus = `http://127.0.0.1:${ports.prometheus}`;
    const checkout = await eventually('the checkout task scraped', 30_000, async () => (await promQuery(prometheus, 'up{service="checkout"} == 1'))[0]);
    assert.equal(checkout.metric.cluster, 'demo-fargate');
    await eventually('the EC2 orders task scraped through its host port', 30_000, async () => (await promQuery(prometheus, 'up{instance="127.0.0.1:19110"} == 1'))[0]);

    // Discovery finds the resource exporters by image, with no labels on their task definitions.
    for (const job of ['cadvisor', 'ecs-exporter', 'ecs-node']) {
      await eventually(`up{job="${job}"} == 1`, 30_000, async () => (await promQuery(prometheus, `up{job="${job}"} == 1`))[0]);
    }

    const versions = /ECS appliance demo is running (Prometheus \S+, Alertmanager \S+, node-exporter \S+)\./.exec(text)?.[1];
    assert.equal(versions, describeVersions(PROGRAMS_VERSIONS), 'the demo says which versions run, and they are the ones the tests run');

    // Every URL it printed opens a working page in a browser, not only over curl.
    const urls = [...text.matchAll(/http:\/\/127\.0\.0\.1:\d+\/[^\s,)]*/g)].map((m) => m[0]);
    const pages = new Map(await Promise.all(urls.map(async (url) => [url, await renderedPage(url)] as const)));
    const expected: Array<[url: string, shows: RegExp]> = [
      [`${prometheus}/`, /Prometheus/],
      [`${prometheus}/targets`, /127\.0\.0\.1:19101\/metrics/],
      [`http://127.0.0.1:${ports.alertmanager}/`, /Alerts List/],
      [`http://127.0.0.1:${ports.admin}/status`, /"ready": ?true/],
      [`http://127.0.0.1:${ports.admin}/discovery`, /demo-ec2[\s\S]*legacy[\s\S]*not opted in/],
      [`http://127.0.0.1:${ports.admin}/metrics`, /ecs_appliance_discovery_targets/],
      [`http://127.0.0.1:${ports.nodeExporter}/metrics`, /node_cpu_seconds_total/],
    ];
    assert.deepEqual(urls.sort(), expected.map(([url]) => url).sort(), 'the banner names these pages');
    for (const [url, shows] of expected) assert.match(pages.get(url)!, shows, `${url} as Chromium renders it`);

    child.kill('SIGINT');
    assert.equal(await exited, 0, output.slice(-20).join('\n'));
    assert.ok(output.some((line) => line === 'demo: stopped cleanly'));
    const log = await readFile(join(dataDir, 'appliance.log'), 'utf8');
    assert.match(log, /"msg":"stopped cleanly"/);
    assert.doesNotMatch(log, /killed by SIGINT/, 'the components were stopped in order, not hit by Ctrl-C themselves');
    await assert.rejects(fetch(`${prometheus}/-/ready`), 'Prometheus is gone');
  });
});
