import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { DiscoveryService } from '../../supervisor/discovery/service.ts';
import { discoverySettingsSchema } from '../../supervisor/discovery/settings.ts';
import { silentLogger } from '../../supervisor/log.ts';
import { startHarness, targetsOf, type Harness } from './harness.ts';
import { ACCOUNT, world } from './world-builders.ts';

const exporter = {
  family: 'app',
  revision: 1,
  networkMode: 'awsvpc' as const,
  containers: [{ name: 'app', image: 'example/app:1', dockerLabels: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9100' } }],
};

const task = (id: number, ip: string) => ({
  id: `b${String(id).padStart(31, '0')}`,
  taskDefinition: 'app:1',
  lastStatus: 'RUNNING' as const,
  launchType: 'FARGATE' as const,
  az: 'us-east-1a',
  privateIp: ip,
});

function twoClusters() {
  return world({
    taskDefinitions: [exporter],
    clusters: [
      { name: 'alpha', tasks: [task(1, '10.1.0.1'), task(2, '10.1.0.2'), task(3, '10.1.0.3'), task(4, '10.1.0.4')] },
      { name: 'beta', tasks: [task(11, '10.2.0.1')] },
    ],
  });
}

const fileOf = (cluster: string) => `ecs_${ACCOUNT}_us-east-1_${cluster}.json`;

describe('discovery never loses targets', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness(twoClusters(), { maxDropRatio: 0.5 });
    await h.service.runCycle();
  });
  afterEach(() => h.close());

  const rawFile = (cluster: string) => readFile(path.join(h.outDir, fileOf(cluster)), 'utf8');

  for (const kind of ['http500', 'throttle', 'hang', 'accessDenied'] as const) {
    it(`a cluster whose DescribeTasks fails (${kind}) keeps its last good file byte for byte; other clusters move on`, async () => {
      const alphaBefore = await rawFile('alpha');
      h.aws.world.addTask({ cluster: 'alpha' }, task(5, '10.1.0.5'));
      h.aws.world.addTask({ cluster: 'beta' }, task(12, '10.2.0.2'));
      const fault = h.aws.faults.add({ service: 'ecs', operation: 'DescribeTasks', cluster: 'alpha', kind });

      const report = await h.service.runCycle();
      assert.ok(fault.hits >= 1);
      assert.equal(await rawFile('alpha'), alphaBefore);
      const alpha = report.clusters.find((c) => c.cluster === 'alpha')!;
      assert.match(alpha.lastError ?? '', /\w/);
      assert.equal(alpha.targets, 4);
      assert.deepEqual(targetsOf(new Map([['beta', JSON.parse(await rawFile('beta'))]])), ['10.2.0.1:9100/metrics', '10.2.0.2:9100/metrics']);

      fault.remove();
      await h.service.runCycle();
      assert.equal(JSON.parse(await rawFile('alpha')).length, 5);
      assert.equal(h.service.clusterStatuses().find((c) => c.cluster === 'alpha')!.lastError, undefined);
    });
  }

  it("a failing DescribeTaskDefinition fails only its cluster, and the new definition is retried next cycle", async () => {
    h.aws.world.spec.accounts[0]!.regions![0]!.taskDefinitions!.push({ ...exporter, revision: 2 });
    h.aws.world.addTask({ cluster: 'alpha' }, { ...task(6, '10.1.0.6'), taskDefinition: 'app:2' });
    const fault = h.aws.faults.add({ service: 'ecs', operation: 'DescribeTaskDefinition', kind: 'http503' });
    await h.service.runCycle();
    assert.equal(JSON.parse(await rawFile('alpha')).length, 4);
    fault.remove();
    await h.service.runCycle();
    assert.equal(JSON.parse(await rawFile('alpha')).length, 5);
  });

  it('credentials refused for the whole account: every file stays, and the cycle says nothing was discovered', async () => {
    const before = await Promise.all([rawFile('alpha'), rawFile('beta')]);
    h.aws.faults.add({ service: 'ecs', kind: 'badCredentials' });
    const report = await h.service.runCycle();
    assert.equal(report.nothingDiscovered, true);
    assert.match(report.scopeErrors[0]!.error, /UnrecognizedClientException/);
    assert.deepEqual(await Promise.all([rawFile('alpha'), rawFile('beta')]), before);
  });

  it('a full disk: the file stays as it was, /status and a metric say it is not written, and the next cycle with space writes it', async () => {
    const mountPoint = await mkdtemp(path.join(tmpdir(), 'full-disk-'));
    await execa('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', mountPoint]);
    const full = await startHarness(twoClusters(), { maxDropRatio: 0.5 }, { outDir: mountPoint });
    try {
      await full.service.runCycle();
      const alphaFile = path.join(mountPoint, fileOf('alpha'));
      const before = await readFile(alphaFile, 'utf8');
      // Fill the disk, then give alpha a fifth task.
      await execa('dd', ['if=/dev/zero', `of=${path.join(mountPoint, 'filler')}`, 'bs=4k'], { reject: false });
      full.aws.world.addTask({ cluster: 'alpha' }, task(5, '10.1.0.5'));

      const report = await full.service.runCycle();
      const alpha = report.clusters.find((c) => c.cluster === 'alpha')!;
      assert.equal(await readFile(alphaFile, 'utf8'), before, 'the last file written stays whole');
      assert.match(alpha.writeError ?? '', new RegExp(`cannot write ${alphaFile.replace(/[.]/g, '\\.')}: ENOSPC`));
      assert.equal(alpha.targets, 4, 'the count is what Prometheus reads, not what could not be written');
      assert.match(await full.registry.metrics(), /ecs_appliance_discovery_write_failures_total\{account="111111111111",region="us-east-1",cluster="alpha"\} 1/);
      const again = await full.service.runCycle();
      assert.match(again.clusters.find((c) => c.cluster === 'alpha')!.writeError ?? '', /ENOSPC/, 'retried, and still failing while the disk is full');

      await rm(path.join(mountPoint, 'filler'));
      const recovered = await full.service.runCycle();
      const alphaNow = recovered.clusters.find((c) => c.cluster === 'alpha')!;
      assert.equal(alphaNow.writeError, undefined);
      assert.equal(alphaNow.targets, 5);
      assert.equal(JSON.parse(await readFile(alphaFile, 'utf8')).length, 5);
    } finally {
      await execa('umount', [mountPoint], { reject: false });
      await full.close();
    }
  });

  it('a drop of more than the allowed share is held for one cycle, then applied when confirmed', async () => {
    for (const id of [2, 3, 4]) h.aws.world.removeTask({ cluster: 'alpha' }, `b${String(id).padStart(31, '0')}`);
    const held = await h.service.runCycle();
    assert.equal(held.clusters.find((c) => c.cluster === 'alpha')!.heldDrop, 3);
    assert.equal(JSON.parse(await rawFile('alpha')).length, 4);

    const confirmed = await h.service.runCycle();
    assert.equal(confirmed.clusters.find((c) => c.cluster === 'alpha')!.heldDrop, undefined);
    assert.equal(JSON.parse(await rawFile('alpha')).length, 1);
  });

  it('a drop that recovers by the next cycle is never applied', async () => {
    const removed = [2, 3, 4].map((id) => h.aws.world.task({ cluster: 'alpha' }, `b${String(id).padStart(31, '0')}`)!);
    for (const t of removed) h.aws.world.removeTask({ cluster: 'alpha' }, t.id);
    await h.service.runCycle();
    for (const t of removed) h.aws.world.addTask({ cluster: 'alpha' }, t);
    await h.service.runCycle();
    assert.equal(JSON.parse(await rawFile('alpha')).length, 4);
  });

  it('a deleted cluster loses its file only after the next cycle confirms it is gone', async () => {
    const region = h.aws.world.spec.accounts[0]!.regions![0]!;
    region.clusters = region.clusters!.filter((c) => c.name !== 'beta');
    await h.service.runCycle();
    assert.ok((await readdir(h.outDir)).includes(fileOf('beta')));
    await h.service.runCycle();
    assert.deepEqual((await readdir(h.outDir)).filter((f) => f.endsWith('.json')), [fileOf('alpha')]);
  });

  it('after a restart during an outage, the files of the previous run are left as they are', async () => {
    const before = await Promise.all([rawFile('alpha'), rawFile('beta')]);
    h.aws.faults.add({ service: 'ecs', kind: 'http500' });
    const restarted = new DiscoveryService({
      settings: discoverySettingsSchema.parse({}),
      outDir: h.outDir,
      logger: silentLogger,
      registry: new Registry(),
      fallbackRegion: 'us-east-1',
      requestTimeoutMs: 1_000,
    });
    const report = await restarted.runCycle();
    assert.equal(report.nothingDiscovered, true);
    assert.deepEqual(await Promise.all([rawFile('alpha'), rawFile('beta')]), before);
    h.aws.faults.clear();
    await restarted.runCycle();
    assert.equal(JSON.parse(await rawFile('alpha')).length, 4);
  });
});
