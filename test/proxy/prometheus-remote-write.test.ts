import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { eventually, spawnAppliance, type RunningAppliance } from '../appliance/harness.ts';
import { freePort } from '../processes/free-port.ts';
import { programEnvironment } from '../programs.ts';
import { startCheckingUpstream, type Behaviour, type CheckingUpstream } from './checking-upstream.ts';
import { startEcsCredentialsServer, type EcsCredentialsServer } from './ecs-credentials-server.ts';
import { decodeRemoteWrite } from './remote-write-codec.ts';

const REGION = 'us-east-2';
const SEQ = 'proxy_test_scrape_seq';
/** Written in the bundle as `a$b $${literal}`: the appliance's own `$${` escape gives `${`, and Prometheus must expand neither. */
const DOLLAR_LABEL = 'a$b ${literal}';

/**
 * `ecs-appliance run` with an AMP bundle: the Prometheus the image ships remote-writes, with the
 * config the appliance renders, through the appliance's SigV4 proxy to a fake AMP that checks
 * every signature, while the fake AMP fails in each way AMP can and the container credentials
 * expire every 4 s. The exporter's value goes up by one per scrape, so "every sample arrived,
 * none was acked before it was delivered" is: the delivered values are exactly 1..N with no gap.
 */
describe('Prometheus remote_write, as the appliance renders and proxies it', () => {
  let dir: string;
  let ecs: EcsCredentialsServer;
  let upstream: CheckingUpstream;
  let exporter: http.Server;
  let appliance: RunningAppliance;
  let served = 0;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'proxy-prom-'));
    ecs = await startEcsCredentialsServer({ lifetimeMs: 4000 });
    upstream = await startCheckingUpstream({ region: REGION, service: 'aps', keys: (id) => ecs.issued.get(id) });
    exporter = http.createServer((_req, res) => {
      served++;
      res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' }).end(`# TYPE ${SEQ} gauge\n${SEQ} ${served}\n`);
    });
    await new Promise<void>((resolve) => exporter.listen(0, '127.0.0.1', resolve));

    const admin = await freePort();
    const bundle = {
      discovery: { enabled: false },
      components: { alertmanager: false, grafana: false, nodeExporter: false },
      listen: { host: '127.0.0.1', prometheus: await freePort(), admin },
      prometheus: {
        scrapeInterval: '1s',
        scrapeTimeout: '1s',
        externalLabels: { cluster: 'test-cluster', __replica__: 'replica-a', cost_centre: DOLLAR_LABEL.replace('${', () => '$${') },
        extraScrapeConfigs: [{ job_name: 'exporter', static_configs: [{ targets: [`127.0.0.1:${(exporter.address() as AddressInfo).port}`] }] }],
      },
      amp: { workspaceUrl: upstream.url, region: REGION, proxyPort: await freePort() },
    };
    await writeFile(join(dir, 'appliance.yml'), stringify(bundle));
    appliance = spawnAppliance(
      {
        ...programEnvironment(),
        CONFIG_LOCATION: `file://${join(dir, 'appliance.yml')}`,
        APPLIANCE_DATA_DIR: join(dir, 'data'),
        APPLIANCE_ADMIN_ADDR: `127.0.0.1:${admin}`,
        AWS_REGION: REGION,
        ...ecs.environment,
      },
      admin,
    );
  });

  after(async () => {
    if (appliance && appliance.child.exitCode === null) {
      appliance.child.kill('SIGTERM');
      await appliance.exited;
    }
    await upstream?.close();
    await ecs?.close();
    await new Promise((resolve) => exporter?.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  const delivered = () => new Set(upstream.accepted.filter((s) => s.labels.__name__ === SEQ).flatMap((s) => s.samples.map((p) => p.value)));
  const maxDelivered = () => Math.max(0, ...delivered());

  async function waitFor(what: string, condition: () => boolean, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      const logTail = () => appliance.logs.slice(-30).map((line) => JSON.stringify(line)).join('\n');
      if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}\nappliance log tail:\n${logTail()}`);
      if (appliance.child.exitCode !== null) assert.fail(`the appliance exited (${appliance.child.exitCode}):\n${logTail()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async function outage(behaviour: Behaviour | 'down', ms: number): Promise<void> {
    if (behaviour === 'down') await upstream.goDown();
    else upstream.behaviour = behaviour;
    await new Promise((resolve) => setTimeout(resolve, ms));
    if (behaviour === 'down') await upstream.comeBack();
    upstream.behaviour = { kind: 'accept' };
  }

  it('keeps every sample through 500s, 429s, an unreachable and a slow AMP and expiring credentials, and delivers them all', async () => {
    await eventually('the appliance to be ready', 60_000, async () => (await fetch(`${appliance.admin}/readyz`)).ok).catch((error: Error) => {
      throw new Error(`${error.message}\n${appliance.logs.slice(-20).map((line) => JSON.stringify(line)).join('\n')}\n${appliance.otherOutput.join('\n')}`);
    });
    await waitFor('the first samples to arrive through the proxy', () => maxDelivered() >= 3, 30_000);

    const statusesBefore = upstream.requests.length;
    await outage({ kind: 'status', status: 500 }, 3000);
    await outage({ kind: 'status', status: 429 }, 3000);
    await outage('down', 3000);
    await outage({ kind: 'slow', delayMs: 1500 }, 3000);

    const servedAtRecovery = served;
    await waitFor(`Prometheus to catch up to scrape ${servedAtRecovery}`, () => maxDelivered() >= servedAtRecovery, 30_000);

    const values = [...delivered()].sort((a, b) => a - b);
    const missing = Array.from({ length: values.at(-1)! }, (_, i) => i + 1).filter((v) => !delivered().has(v));
    assert.deepEqual(missing, [], `scrapes never delivered (of ${values.at(-1)}): ${missing.join(', ')}`);

    const during = upstream.requests.slice(statusesBefore);
    assert.ok(during.some((r) => r.status === 500), 'Prometheus met the 500s');
    assert.ok(during.some((r) => r.status === 429), 'Prometheus met the 429s');
    assert.deepEqual(
      upstream.requests.filter((r) => r.rejection).map((r) => r.rejection),
      [],
      'every request carried a valid signature from unexpired credentials',
    );
    const keys = new Set(upstream.requests.map((r) => r.accessKeyId));
    assert.ok(keys.size >= 3, `credentials rotated: ${keys.size} keys used over the run`);

    const seqSeries = upstream.accepted.find((s) => s.labels.__name__ === SEQ);
    assert.equal(seqSeries?.labels.cluster, 'test-cluster');
    assert.equal(seqSeries?.labels.__replica__, 'replica-a');
    assert.equal(seqSeries?.labels.cost_centre, DOLLAR_LABEL, 'a literal $ in an external label arrives unchanged');
  });

  it('drops exactly what AMP refused with 400, and nothing else', async () => {
    const refusedFrom = upstream.requests.length;
    await outage({ kind: 'status', status: 400 }, 2500);
    const servedAtRecovery = served;
    await waitFor(`Prometheus to deliver scrape ${servedAtRecovery} after the 400s`, () => maxDelivered() >= servedAtRecovery, 30_000);

    const refusedRequests = upstream.requests.slice(refusedFrom).filter((r) => r.status === 400);
    assert.ok(refusedRequests.length > 0, 'Prometheus met the 400s');
    const refused = new Set(
      refusedRequests.flatMap((r) => decodeRemoteWrite(r.body).filter((s) => s.labels.__name__ === SEQ).flatMap((s) => s.samples.map((p) => p.value))),
    );
    assert.ok(refused.size > 0, 'the refused requests carried scrapes');
    const all = Array.from({ length: maxDelivered() }, (_, i) => i + 1);
    assert.deepEqual(
      all.filter((v) => !delivered().has(v)),
      [...refused].filter((v) => !delivered().has(v)).sort((a, b) => a - b),
      'every scrape not delivered is one AMP refused: a 400 went back to Prometheus as a 400, not as success',
    );
    assert.deepEqual(
      [...refused].filter((v) => delivered().has(v)),
      [],
      'a refused batch is not retried into AMP (Prometheus drops 4xx), so none of it shows up as delivered',
    );
  });
});
