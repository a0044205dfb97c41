import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { REPO_ROOT } from '../deploy/source-scan.ts';
import { freePorts, startChild, type Child } from './process-helpers.ts';

const app = path.join(REPO_ROOT, 'docker/compose/sample-app.mjs');

describe('the compose demo sample app', () => {
  const children: Child[] = [];
  let dir = '';
  after(async () => {
    await Promise.all(children.map((c) => c.stop()));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('serves metrics at the host ports the world gives its running tasks on 127.0.0.1, and nowhere else', async () => {
    const [awsvpcPort, bridgeHostPort, stoppedPort, otherFamilyPort] = await freePorts(4);
    const world = {
      accounts: [{ id: '111111111111', regions: [{
        name: 'us-east-1',
        taskDefinitions: [
          { family: 'web', revision: 1, networkMode: 'awsvpc', containers: [{ name: 'web', image: 'x', portMappings: [{ containerPort: awsvpcPort }] }] },
          { family: 'api', revision: 2, networkMode: 'bridge', containers: [{ name: 'api', image: 'x', portMappings: [{ containerPort: 8080 }] }] },
          { family: 'other', revision: 1, networkMode: 'awsvpc', containers: [{ name: 'o', image: 'x', portMappings: [{ containerPort: otherFamilyPort }] }] },
        ],
        clusters: [{
          name: 'c',
          containerInstances: [{ id: 'ci1', ec2InstanceId: 'i-0abc', privateIp: '127.0.0.1', instanceType: 't3.small', az: 'us-east-1a' }],
          tasks: [
            { id: 't1', taskDefinition: 'web:1', lastStatus: 'RUNNING', launchType: 'FARGATE', az: 'us-east-1a', privateIp: '127.0.0.1' },
            { id: 't2', taskDefinition: 'api:2', lastStatus: 'RUNNING', launchType: 'EC2', az: 'us-east-1a', containerInstance: 'ci1', hostPorts: { api: { '8080': bridgeHostPort } } },
            { id: 't3', taskDefinition: 'api:2', lastStatus: 'STOPPED', launchType: 'EC2', az: 'us-east-1a', containerInstance: 'ci1', hostPorts: { api: { '8080': stoppedPort } } },
            { id: 't4', taskDefinition: 'other:1', lastStatus: 'RUNNING', launchType: 'FARGATE', az: 'us-east-1a', privateIp: '127.0.0.1' },
          ],
        }],
      }] }],
    };
    dir = await mkdtemp(path.join(tmpdir(), 'sample-app-'));
    const worldFile = path.join(dir, 'world.json');
    await writeFile(worldFile, JSON.stringify(world));
    const child = startChild(process.execPath, [app, '--world', worldFile, '--family', 'web,api']);
    children.push(child);
    await child.waitFor(new RegExp(`:${awsvpcPort}/metrics[\\s\\S]*:${bridgeHostPort}/metrics|:${bridgeHostPort}/metrics[\\s\\S]*:${awsvpcPort}/metrics`));

    const web = await (await fetch(`http://127.0.0.1:${awsvpcPort}/metrics`)).text();
    assert.match(web, new RegExp(`demo_app_info\\{family="web",port="${awsvpcPort}"\\} 1`));
    const api = await fetch(`http://127.0.0.1:${bridgeHostPort}/internal/metrics`);
    assert.equal(api.status, 200);
    assert.match(await api.text(), /family="api"/);
    for (const port of [stoppedPort, otherFamilyPort]) {
      await assert.rejects(fetch(`http://127.0.0.1:${port}/metrics`), `nothing on ${port}`);
    }
  });

  it('refuses a family the world does not run', async () => {
    dir ||= await mkdtemp(path.join(tmpdir(), 'sample-app-'));
    const worldFile = path.join(dir, 'empty.json');
    await writeFile(worldFile, JSON.stringify({ accounts: [{ id: '111111111111' }] }));
    const child = startChild(process.execPath, [app, '--world', worldFile, '--family', 'ghost']);
    assert.equal(await child.exited, 1);
    assert.match(child.output(), /no running task of family ghost/);
  });
});
