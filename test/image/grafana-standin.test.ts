import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { REPO_ROOT } from '../deploy/source-scan.ts';
import { startChild, type Child } from './process-helpers.ts';

const home = path.join(REPO_ROOT, 'docker/standins/grafana');
const binary = path.join(home, 'bin/grafana');

describe('the Grafana stand-in of the CI image', () => {
  const children: Child[] = [];
  let dir = '';
  after(async () => {
    await Promise.all(children.map((c) => c.stop()));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('reports a version like the real binary', async () => {
    const child = startChild(binary, ['--version']);
    assert.equal(await child.exited, 0);
    assert.match(child.output(), /^grafana version /);
  });

  it('listens where the config file and cfg: overrides say, answers /api/health and stops on SIGTERM', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'grafana-standin-'));
    const config = path.join(dir, 'grafana.ini');
    await writeFile(config, '[server]\nhttp_addr = 0.0.0.0\nhttp_port = 1\n');
    const child = startChild(binary, ['server', '--homepath', home, '--config', config, 'cfg:default.server.http_addr=127.0.0.1', 'cfg:default.server.http_port=0'], { ...process.env, GF_SERVER_HTTP_PORT: '2' });
    children.push(child);
    const [, port] = await child.waitFor(/address="127\.0\.0\.1:(\d+)"/);
    const health = await fetch(`http://127.0.0.1:${port}/api/health`);
    assert.equal(health.status, 200);
    assert.equal(((await health.json()) as { database: string }).database, 'ok');
    assert.equal((await fetch(`http://127.0.0.1:${port}/api/dashboards`)).status, 404);
    assert.equal(await child.stop(), 0);
  });
});
