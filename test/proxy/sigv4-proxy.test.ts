import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { silentLogger } from '../../supervisor/log.ts';
import type { AwsCredentials } from '../../supervisor/proxy/credentials.ts';
import { startSigV4Proxy, type SigV4Proxy } from '../../supervisor/proxy/sigv4-proxy.ts';
import { startCheckingUpstream, WORKSPACE_PATH, type CheckingUpstream } from './checking-upstream.ts';
import { startEcsCredentialsServer, type EcsCredentialsServer } from './ecs-credentials-server.ts';
import { encodeRemoteWrite, type TimeSeries } from './remote-write-codec.ts';

const REGION = 'eu-west-1';
const STATIC: AwsCredentials = { accessKeyId: 'AKIDSTATICTEST', secretAccessKey: 'static-secret-key', sessionToken: 'static-session-token' };
const staticKeys = (id: string) => (id === STATIC.accessKeyId ? STATIC : undefined);

function samplePayload(n: number): { series: TimeSeries[]; body: Buffer } {
  const series: TimeSeries[] = Array.from({ length: n }, (_, i) => ({
    labels: { __name__: 'http_requests_total', instance: `10.0.0.${i}:8080`, job: 'api', code: '200' },
    samples: [{ value: i * 1.5, timestamp: 1_700_000_000_000 + i }],
  }));
  return { series, body: encodeRemoteWrite(series) };
}

const remoteWriteHeaders = { 'Content-Type': 'application/x-protobuf', 'Content-Encoding': 'snappy', 'X-Prometheus-Remote-Write-Version': '0.1.0' };

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function request(url: string, options: { method?: string; headers?: Record<string, string>; body?: Buffer | string; agent?: http.Agent | false } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: options.method ?? 'GET', headers: options.headers, agent: options.agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error('test request timed out')));
    req.end(options.body);
  });
}

async function metricValue(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  const value = metric?.values.find((v) => Object.entries(labels).every(([k, l]) => String((v.labels as Record<string, unknown>)[k]) === l));
  return value?.value;
}

describe('SigV4 proxy', () => {
  let upstream: CheckingUpstream;
  let proxy: SigV4Proxy;
  let registry: Registry;
  const extraProxies: SigV4Proxy[] = [];

  before(async () => {
    upstream = await startCheckingUpstream({ region: REGION, service: 'aps', keys: staticKeys });
  });
  beforeEach(async () => {
    await proxy?.stop();
    upstream.behaviour = { kind: 'accept' };
    upstream.requests.length = 0;
    upstream.accepted.length = 0;
    registry = new Registry();
    proxy = await startSigV4Proxy({ listen: '127.0.0.1:0', upstream: upstream.url, region: REGION, credentials: async () => STATIC, upstreamTimeoutMs: 500, maxBodyBytes: 256 * 1024, logger: silentLogger, registry });
  });
  after(async () => {
    await proxy?.stop();
    for (const p of extraProxies) await p.stop();
    await upstream.close();
  });

  it('signs remote_write so an independent SigV4 implementation accepts it, and delivers the samples intact', async () => {
    const { series, body } = samplePayload(50);
    const answer = await request(`${proxy.url}/api/v1/remote_write`, { method: 'POST', headers: remoteWriteHeaders, body });
    assert.equal(answer.status, 200, answer.body);
    assert.equal(upstream.requests.length, 1);
    const seen = upstream.requests[0]!;
    assert.equal(seen.rejection, undefined);
    assert.equal(seen.path, `${WORKSPACE_PATH}/api/v1/remote_write`);
    assert.equal(seen.headers['content-encoding'], 'snappy');
    assert.equal(seen.headers['x-prometheus-remote-write-version'], '0.1.0');
    assert.equal(seen.headers['x-amz-security-token'], STATIC.sessionToken);
    assert.match(String(seen.headers.authorization), /SignedHeaders=[^,]*content-encoding;content-length;content-type;host;x-amz-date;x-amz-security-token;x-prometheus-remote-write-version/);
    assert.deepEqual(upstream.accepted, series);
  });

  it('signs the query API Grafana uses: GET with encoded and repeated parameters, form POST, label values', async () => {
    const query = encodeURIComponent('sum by (job) (rate(http_requests_total{code=~"5.."}[5m])) / 2');
    const calls: { path: string; method?: string; body?: string }[] = [
      { path: `/api/v1/query?query=${query}&time=1700000000.123` },
      { path: `/api/v1/series?match[]=${encodeURIComponent('up{job="a b"}')}&match[]=process_start_time_seconds&start=1&end=2` },
      { path: '/api/v1/labels' },
      { path: '/api/v1/label/job/values' },
      { path: '/api/v1/metadata?metric=up' },
      { path: '/api/v1/status/buildinfo' },
      { path: '/api/v1/rules?type=alert' },
      { path: '/api/v1/query_range', method: 'POST', body: `query=${query}&start=1700000000&end=1700003600&step=15` },
    ];
    for (const call of calls) {
      const answer = await request(`${proxy.url}${call.path}`, {
        method: call.method ?? 'GET',
        ...(call.body ? { body: call.body, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } } : {}),
      });
      assert.equal(answer.status, 200, `${call.path}: ${answer.body}`);
      const echoed = JSON.parse(answer.body) as { data: { path: string; body: string } };
      assert.ok(echoed.data.path.startsWith(`${WORKSPACE_PATH}/api/v1/`), echoed.data.path);
      if (call.body) assert.equal(echoed.data.body, call.body);
    }
    assert.deepEqual(
      upstream.requests.map((r) => r.rejection),
      calls.map(() => undefined),
    );
  });

  it('passes upstream errors through unchanged so Prometheus retries 5xx and 429 and drops only what AMP refused', async () => {
    const { body } = samplePayload(3);
    for (const status of [500, 503, 429, 400]) {
      upstream.behaviour = { kind: 'status', status };
      const answer = await request(`${proxy.url}/api/v1/remote_write`, { method: 'POST', headers: remoteWriteHeaders, body });
      assert.equal(answer.status, status);
      assert.match(answer.body, new RegExp(`configured to answer ${status}`));
    }
    assert.equal(upstream.accepted.length, 0);
    assert.equal(await metricValue(registry, 'sigv4_proxy_requests_total', { route: 'remote_write', code: '429' }), 1);
  });

  it('answers 502 when the upstream drops the connection or is down, and 504 when it is too slow', async () => {
    const { body } = samplePayload(3);
    upstream.behaviour = { kind: 'reset' };
    assert.equal((await request(`${proxy.url}/api/v1/remote_write`, { method: 'POST', headers: remoteWriteHeaders, body })).status, 502);

    upstream.behaviour = { kind: 'slow', delayMs: 1500 };
    const slow = await request(`${proxy.url}/api/v1/remote_write`, { method: 'POST', headers: remoteWriteHeaders, body });
    assert.equal(slow.status, 504);
    assert.match(slow.body, /did not answer within 500 ms/);

    await upstream.goDown();
    try {
      const down = await request(`${proxy.url}/api/v1/remote_write`, { method: 'POST', headers: remoteWriteHeaders, body });
      assert.equal(down.status, 502);
      assert.match(down.body, /ECONNREFUSED/);
    } finally {
      await upstream.comeBack();
    }
    upstream.behaviour = { kind: 'accept' };
    assert.equal((await request(`${proxy.url}/api/v1/remote_write`, { method: 'POST', headers: remoteWriteHeaders, body })).status, 200);
    assert.equal(upstream.accepted.length, 3, 'only the request answered 2xx counts as delivered');
  });

  it('refuses a body over the limit with 413 without forwarding anything, whether or not its length is declared', async () => {
    const big = Buffer.alloc(300 * 1024, 7);
    const declared = await request(`${proxy.url}/api/v1/remote_write`, { method: 'POST', headers: remoteWriteHeaders, body: big });
    assert.equal(declared.status, 413);
    assert.match(declared.body, /larger than the proxy's limit of 262144 bytes/);

    const chunked = await new Promise<number>((resolve, reject) => {
      const req = http.request(`${proxy.url}/api/v1/remote_write`, { method: 'POST', headers: { ...remoteWriteHeaders, 'Transfer-Encoding': 'chunked' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      for (let i = 0; i < 10; i++) req.write(big.subarray(0, 64 * 1024));
      req.end();
    });
    assert.equal(chunked, 413);
    assert.equal(upstream.requests.length, 0);
  });

  it('answers /healthz and /metrics itself and refuses paths and methods it does not proxy', async () => {
    const health = await request(`${proxy.url}/healthz`);
    assert.equal(health.status, 200);
    assert.equal(JSON.parse(health.body).status, 'ok');

    assert.equal((await request(`${proxy.url}/api/v1/remote_write`, { method: 'POST', headers: remoteWriteHeaders, body: samplePayload(2).body })).status, 200);
    assert.equal((await request(`${proxy.url}/alertmanager/api/v2/silences`, { method: 'POST', body: '{}' })).status, 404);
    const wrongMethod = await request(`${proxy.url}/api/v1/remote_write`);
    assert.equal(wrongMethod.status, 405);
    assert.equal(wrongMethod.headers.allow, 'POST');
    assert.equal((await request(`${proxy.url}/api/v1/label/${encodeURIComponent('../../x')}/values`)).status, 400);
    assert.equal(upstream.requests.length, 1, 'only the remote_write reached the upstream');

    const metrics = await request(`${proxy.url}/metrics`);
    assert.equal(metrics.status, 200);
    assert.match(metrics.body, /sigv4_proxy_requests_total\{route="remote_write",code="200"\} 1/);
    assert.match(metrics.body, /sigv4_proxy_request_bytes_total\{route="remote_write",code="200"\} [1-9]/);
    assert.match(metrics.body, /sigv4_proxy_upstream_duration_seconds_count\{route="remote_write"\} 1/);
    assert.match(metrics.body, /sigv4_proxy_credentials_expiry_seconds \+Inf/);
    assert.match(metrics.body, /sigv4_proxy_signing_errors_total 0/);
  });

  it('refuses an absolute-form request target with 400, without signing or forwarding it', async () => {
    const before = upstream.requests.length;
    const { port } = new URL(proxy.url);
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(Number(port), '127.0.0.1', () => socket.end(`GET http://127.0.0.1:${port}/api/v1/query?query=up HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`));
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    assert.match(answer, /^HTTP\/1\.1 400 /);
    assert.match(answer, /only origin-form request targets/);
    assert.equal(upstream.requests.length, before, 'nothing reached the upstream');
  });

  it('reuses one upstream connection for many requests', async () => {
    const before = upstream.connections();
    const { body } = samplePayload(5);
    for (let i = 0; i < 20; i++) {
      assert.equal((await request(`${proxy.url}/api/v1/remote_write`, { method: 'POST', headers: remoteWriteHeaders, body })).status, 200);
    }
    assert.ok(upstream.connections() - before <= 1, `opened ${upstream.connections() - before} connections for 20 requests`);
  });

  it('answers 503 and counts a signing error when there are no credentials, without reaching upstream', async () => {
    const failing = new Registry();
    const noCredentials = await startSigV4Proxy({
      listen: '127.0.0.1:0',
      upstream: upstream.url,
      region: REGION,
      credentials: () => Promise.reject(new Error('no credential source configured')),
      logger: silentLogger,
      registry: failing,
    });
    extraProxies.push(noCredentials);
    const answer = await request(`${noCredentials.url}/api/v1/remote_write`, { method: 'POST', headers: remoteWriteHeaders, body: samplePayload(1).body });
    assert.equal(answer.status, 503);
    assert.match(answer.body, /no credential source configured/);
    assert.equal(await metricValue(failing, 'sigv4_proxy_signing_errors_total'), 1);
    const health = await request(`${noCredentials.url}/healthz`);
    assert.equal(health.status, 503);
    assert.match(health.body, /no credential source configured/);
    assert.equal(upstream.requests.length, 0);
  });

  it('streams the response: the client has the first bytes before the upstream has finished', async () => {
    let finish: () => void = () => {};
    const streaming = http.createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write('{"status":"success","data":[');
      finish = () => res.end(']}');
    });
    await new Promise<void>((resolve) => streaming.listen(0, '127.0.0.1', resolve));
    try {
      const streamingProxy = await startSigV4Proxy({ listen: '127.0.0.1:0', upstream: `http://127.0.0.1:${(streaming.address() as AddressInfo).port}/workspaces/ws-s`, region: REGION, credentials: async () => STATIC, logger: silentLogger, registry: new Registry() });
      extraProxies.push(streamingProxy);
      const text = await new Promise<string>((resolve, reject) => {
        http
          .get(`${streamingProxy.url}/api/v1/query_range?query=up`, (res) => {
            let received = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => {
              received += chunk;
              if (received === '{"status":"success","data":[') finish();
            });
            res.on('end', () => resolve(received));
          })
          .on('error', reject);
      });
      assert.equal(text, '{"status":"success","data":[]}');
    } finally {
      streaming.closeAllConnections();
      await new Promise((resolve) => streaming.close(resolve));
    }
  });

  it('stop() lets an in-flight request finish and then refuses new ones', async () => {
    upstream.behaviour = { kind: 'slow', delayMs: 300 };
    const inFlight = request(`${proxy.url}/api/v1/remote_write`, { method: 'POST', headers: remoteWriteHeaders, body: samplePayload(4).body });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const stopped = proxy.stop();
    assert.equal((await inFlight).status, 200);
    await stopped;
    assert.equal(upstream.accepted.length, 4);
    await assert.rejects(request(`${proxy.url}/healthz`, { agent: false }), /ECONNREFUSED/);
  });

  it('signs with container credentials that expire mid-run, refreshing them before they do', async () => {
    let ecs: EcsCredentialsServer | undefined;
    const rotating = await startCheckingUpstream({ region: REGION, service: 'aps', keys: (id) => ecs?.issued.get(id) });
    try {
      ecs = await startEcsCredentialsServer({ lifetimeMs: 1500 });
      const rotatingRegistry = new Registry();
      const rotatingProxy = await startSigV4Proxy({ listen: '127.0.0.1:0', upstream: rotating.url, region: REGION, credentials: ecs.provider, refreshMarginMs: 1000, logger: silentLogger, registry: rotatingRegistry });
      extraProxies.push(rotatingProxy);
      const { body } = samplePayload(2);
      const deadline = Date.now() + 4000;
      while (Date.now() < deadline) {
        const answer = await request(`${rotatingProxy.url}/api/v1/remote_write`, { method: 'POST', headers: remoteWriteHeaders, body });
        assert.equal(answer.status, 200, answer.body);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const keysUsed = new Set(rotating.requests.map((r) => r.accessKeyId));
      assert.ok(keysUsed.size >= 3, `signed with ${keysUsed.size} keys over 4 s of 1.5 s credentials`);
      assert.deepEqual(rotating.requests.filter((r) => r.rejection), []);
      const expiry = await metricValue(rotatingRegistry, 'sigv4_proxy_credentials_expiry_seconds');
      assert.ok(expiry !== undefined && expiry > 0 && expiry <= 1.5, `expiry gauge ${expiry}`);
    } finally {
      await ecs?.close();
      await rotating.close();
    }
  });

  it('refuses to listen anywhere but loopback unless forced', async () => {
    for (const listen of ['0.0.0.0:0', '[::]:0', '10.1.2.3:0']) {
      await assert.rejects(
        startSigV4Proxy({ listen, upstream: upstream.url, region: REGION, credentials: async () => STATIC, logger: silentLogger, registry: new Registry() }),
        /refusing to listen on .*anyone who can reach it can act as this account/,
      );
    }
  });
});
