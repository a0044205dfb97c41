import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { REPO_ROOT } from '../deploy/source-scan.ts';
import { freePorts, startChild } from './process-helpers.ts';

const script = path.join(REPO_ROOT, 'docker/healthcheck.mjs');

/** Runs the image's health check with APPLIANCE_ADMIN_ADDR set; resolves with its exit code. */
async function healthcheck(adminAddr: string): Promise<{ code: number | null; output: string }> {
  const child = startChild(process.execPath, [script], { ...process.env, APPLIANCE_ADMIN_ADDR: adminAddr });
  const code = await child.exited;
  return { code, output: child.output() };
}

describe('docker/healthcheck.mjs', () => {
  let status = 200;
  let requests: string[] = [];
  const admin: Server = createServer((req, res) => {
    requests.push(req.url ?? '');
    res.writeHead(req.url === '/healthz' ? status : 404).end();
  });
  const listening = new Promise<number>((resolve) => admin.listen(0, '127.0.0.1', () => resolve((admin.address() as AddressInfo).port)));
  after(() => new Promise((resolve) => admin.close(resolve)));

  it('passes when /healthz answers 200, asking 127.0.0.1 for a 0.0.0.0 listener', async () => {
    const port = await listening;
    status = 200;
    requests = [];
    const result = await healthcheck(`0.0.0.0:${port}`);
    assert.equal(result.code, 0, result.output);
    assert.deepEqual(requests, ['/healthz']);
  });

  it('fails when /healthz answers 503', async () => {
    const port = await listening;
    status = 503;
    const result = await healthcheck(`127.0.0.1:${port}`);
    assert.equal(result.code, 1, result.output);
    assert.match(result.output, /healthz 503/);
  });

  it('fails when nothing listens', async () => {
    const [port] = await freePorts(1);
    const result = await healthcheck(`127.0.0.1:${port}`);
    assert.equal(result.code, 1);
    assert.match(result.output, /unreachable/);
  });
});
