import assert from 'node:assert/strict';
import { execa, type ResultPromise } from 'execa';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { eventually } from '../appliance/harness.ts';
import { freePort } from '../processes/free-port.ts';
import { PROGRAMS } from '../programs.ts';
import { startHarness, type Harness } from './harness.ts';
import { world } from './world-builders.ts';

const PROMETHEUS = PROGRAMS.prometheus;

interface ActiveTarget {
  labels: Record<string, string>;
  scrapeUrl: string;
  scrapeInterval?: string;
  health: string;
  lastError: string;
}

describe('a real Prometheus reads the written file_sd and scrapes what it names', () => {
  let h: Harness;
  let exporter: Server;
  let prometheus: ResultPromise;
  let promUrl: string;
  let workDir: string;

  before(async () => {
    exporter = createServer((req, res) => {
      res.setHeader('content-type', 'text/plain; version=0.0.4');
      res.end(req.url === '/slow/metrics' ? 'slow_metric 2\n' : 'test_exporter_requests_total 42\n');
    });
    await new Promise<void>((resolve) => exporter.listen(0, '127.0.0.1', resolve));
    const exporterPort = (exporter.address() as { port: number }).port;

    h = await startHarness(
      world({
        taskDefinitions: [
          {
            family: 'exporter',
            revision: 1,
            networkMode: 'awsvpc',
            containers: [
              {
                name: 'exporter',
                image: 'example/exporter:1',
                dockerLabels: { 'prometheus.io/endpoints': `${exporterPort}/metrics@1s,${exporterPort}/slow/metrics@3s`, 'prometheus.io/job': 'test-exporter' },
              },
            ],
          },
        ],
        clusters: [
          {
            name: 'e2e',
            services: [{ name: 'exporter' }],
            tasks: [{ id: 'e1', taskDefinition: 'exporter:1', service: 'exporter', lastStatus: 'RUNNING', launchType: 'FARGATE', az: 'us-east-1a', privateIp: '127.0.0.1' }],
          },
        ],
      }),
    );
    await h.service.runCycle();

    workDir = await mkdtemp(path.join(tmpdir(), 'prom-file-sd-'));
    const config = [
      'global:',
      '  scrape_interval: 15s',
      '  scrape_timeout: 10s',
      'scrape_configs:',
      '  - job_name: ecs',
      '    file_sd_configs:',
      `      - files: [${JSON.stringify(path.join(h.outDir, '*.json'))}]`,
      '        refresh_interval: 1s',
      '    relabel_configs:',
      '      - { source_labels: [__meta_ecs_cluster], target_label: cluster }',
      '      - { source_labels: [__meta_ecs_service], target_label: service }',
      '',
    ].join('\n');
    await writeFile(path.join(workDir, 'prometheus.yml'), config);
    const port = await freePort();
    promUrl = `http://127.0.0.1:${port}`;
    prometheus = execa(PROMETHEUS, [
      `--config.file=${path.join(workDir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${path.join(workDir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ], { reject: false, stdio: 'ignore' });
  });

  after(async () => {
    prometheus?.kill('SIGTERM');
    await prometheus;
    await h.close();
    await new Promise((resolve) => exporter.close(resolve));
    await rm(workDir, { recursive: true, force: true });
  });

  it('scrapes every discovered endpoint at its own interval and path, under the asked job, up == 1', async () => {
    const targets = await eventually('both targets up', 30_000, async () => {
      const body = (await (await fetch(`${promUrl}/api/v1/targets?state=active`)).json()) as { data: { activeTargets: ActiveTarget[] } };
      const active = body.data.activeTargets;
      return active.length === 2 && active.every((t) => t.health === 'up') ? active : undefined;
    });
    const byPath = new Map(targets.map((t) => [new URL(t.scrapeUrl).pathname, t]));
    assert.equal(byPath.get('/metrics')!.labels.job, 'test-exporter');
    assert.equal(byPath.get('/metrics')!.labels.cluster, 'e2e');
    assert.equal(byPath.get('/metrics')!.labels.service, 'exporter');
    assert.equal(byPath.get('/metrics')!.scrapeInterval, '1s');
    assert.equal(byPath.get('/slow/metrics')!.scrapeInterval, '3s');

    const up = await eventually('up == 1 in the TSDB', 20_000, async () => {
      const q = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent('up{job="test-exporter"}')}`);
      const body = (await q.json()) as { data: { result: { value: [number, string] }[] } };
      return body.data.result.length === 2 ? body.data.result : undefined;
    });
    assert.deepEqual(up.map((r) => r.value[1]), ['1', '1']);
  });
});
