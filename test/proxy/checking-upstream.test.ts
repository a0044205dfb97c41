import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import aws4 from 'aws4';
import { startCheckingUpstream, WORKSPACE_PATH, type CheckingUpstream } from './checking-upstream.ts';
import { encodeRemoteWrite } from './remote-write-codec.ts';

// The proxy tests are only as good as this checker: it must refuse what AWS would refuse.
const KEY = { accessKeyId: 'AKIDCHECK', secretAccessKey: 'right-secret', sessionToken: 'tok' };
const EXPIRED = { accessKeyId: 'AKIDOLD', secretAccessKey: 'old-secret', expiration: new Date(Date.now() - 1000) };

function send(upstream: CheckingUpstream, credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }, tamper?: (body: Buffer) => Buffer): Promise<number> {
  const url = new URL(`${upstream.url}/api/v1/remote_write`);
  const body = encodeRemoteWrite([{ labels: { __name__: 'up', job: 'x' }, samples: [{ value: 1, timestamp: 1_700_000_000_000 }] }]);
  const signed = aws4.sign({ host: url.host, path: url.pathname, method: 'POST', body, service: 'aps', region: 'eu-west-1', headers: { 'Content-Type': 'application/x-protobuf', 'Content-Encoding': 'snappy' } }, credentials);
  const sent = tamper ? tamper(body) : body;
  const headers = { ...signed.headers, 'Content-Length': String(sent.length) };
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end(sent);
  });
}

describe('checking upstream (the fake AMP the proxy tests rely on)', () => {
  let upstream: CheckingUpstream;
  before(async () => {
    upstream = await startCheckingUpstream({ region: 'eu-west-1', service: 'aps', keys: (id) => (id === KEY.accessKeyId ? KEY : id === EXPIRED.accessKeyId ? EXPIRED : undefined) });
  });
  after(() => upstream.close());

  it('accepts a correctly signed remote_write and decodes it', async () => {
    assert.equal(await send(upstream, KEY), 200);
    assert.deepEqual(upstream.accepted.at(-1), { labels: { __name__: 'up', job: 'x' }, samples: [{ value: 1, timestamp: 1_700_000_000_000 }] });
    assert.equal(upstream.requests.at(-1)?.path, `${WORKSPACE_PATH}/api/v1/remote_write`);
  });

  it('refuses a body changed after signing, a wrong secret, an unknown key and an expired key', async () => {
    const flipped = (body: Buffer) => {
      const copy = Buffer.from(body);
      copy[copy.length - 1] = copy[copy.length - 1]! ^ 1;
      return copy;
    };
    assert.equal(await send(upstream, KEY, flipped), 403);
    assert.match(upstream.requests.at(-1)?.rejection ?? '', /signature mismatch/);
    assert.equal(await send(upstream, { ...KEY, secretAccessKey: 'wrong-secret' }), 403);
    assert.match(upstream.requests.at(-1)?.rejection ?? '', /signature mismatch/);
    assert.equal(await send(upstream, { accessKeyId: 'AKIDNOBODY', secretAccessKey: 'x' }), 403);
    assert.equal(await send(upstream, EXPIRED), 403);
    assert.match(upstream.requests.at(-1)?.rejection ?? '', /expired/);
    assert.equal(upstream.accepted.length, 1);
  });
});
