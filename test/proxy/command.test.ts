import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import http from 'node:http';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { startCheckingUpstream, type CheckingUpstream } from './checking-upstream.ts';
import { encodeRemoteWrite } from './remote-write-codec.ts';

const CLI = new URL('../../supervisor/cli.ts', import.meta.url).pathname;
const KEY = { accessKeyId: 'AKIDCLITEST', secretAccessKey: 'cli-secret', sessionToken: 'cli-token' };
const env = { ...process.env, AWS_ACCESS_KEY_ID: KEY.accessKeyId, AWS_SECRET_ACCESS_KEY: KEY.secretAccessKey, AWS_SESSION_TOKEN: KEY.sessionToken, AWS_EC2_METADATA_DISABLED: 'true', AWS_PROFILE: '' };

function runCli(args: string[]) {
  return spawn(process.execPath, ['--import', 'tsx', CLI, 'proxy', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Collects stderr and waits for exit; stdout is left to the caller (or drained, when it is not wanted). */
async function finish(child: ReturnType<typeof runCli>, options: { readsStdout?: boolean } = {}): Promise<{ code: number | null; stderr: string }> {
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  if (!options.readsStdout) child.stdout!.resume();
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, stderr };
}

describe('ecs-appliance proxy', () => {
  let upstream: CheckingUpstream;
  before(async () => {
    upstream = await startCheckingUpstream({ region: 'eu-west-1', service: 'aps', keys: (id) => (id === KEY.accessKeyId ? KEY : undefined) });
  });
  after(() => upstream.close());

  it('refuses to bind 0.0.0.0 without --allow-non-loopback', async () => {
    const { code, stderr } = await finish(runCli(['--listen', '0.0.0.0:0', '--upstream', upstream.url, '--region', 'eu-west-1']));
    assert.equal(code, 1);
    assert.match(stderr, /refusing to listen on 0\.0\.0\.0/);
  });

  it('says which flag is missing or wrong', async () => {
    assert.match((await finish(runCli(['--region', 'eu-west-1']))).stderr, /--upstream is required/);
    assert.match((await finish(runCli(['--upstream', 'http://127.0.0.1:1/workspaces/ws-1']))).stderr, /cannot tell the AWS region/);
    const bad = await finish(runCli(['--upstream', upstream.url, '--region', 'eu-west-1', '--max-body-bytes', 'lots']));
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--max-body-bytes 'lots'/);
  });

  it('signs with credentials from the SDK chain, then drains and exits 0 on SIGTERM', async () => {
    const child = runCli(['--listen', '127.0.0.1:0', '--upstream', upstream.url, '--region', 'eu-west-1']);
    const done = finish(child, { readsStdout: true });
    try {
      let url: string | undefined;
      for await (const line of createInterface({ input: child.stdout! })) {
        const entry = JSON.parse(line) as { msg: string; url?: string };
        if (entry.msg === 'SigV4 proxy listening') {
          url = entry.url;
          break;
        }
      }
      child.stdout!.resume();
      assert.ok(url, 'the proxy logged where it listens');
      const body = encodeRemoteWrite([{ labels: { __name__: 'up' }, samples: [{ value: 1, timestamp: Date.now() }] }]);
      const status = await new Promise<number>((resolve, reject) => {
        const req = http.request(`${url}/api/v1/remote_write`, { method: 'POST', agent: false, headers: { 'Content-Type': 'application/x-protobuf', 'Content-Encoding': 'snappy' } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end(body);
      });
      assert.equal(status, 200);
      assert.equal(upstream.requests.at(-1)?.rejection, undefined);
      assert.equal(upstream.requests.at(-1)?.accessKeyId, KEY.accessKeyId);
    } finally {
      child.kill('SIGTERM');
    }
    const { code, stderr } = await done;
    assert.equal(code, 0, stderr);
  });
});
