import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { freePort } from '../processes/free-port.ts';
import { programEnvironment } from '../programs.ts';
import { eventually, getJson, spawnAppliance, type RunningAppliance } from './harness.ts';

type Status = { config: { applied: { version: string } | null; lastError: { message: string; issues: unknown[] } | null } };

/** `ecs-appliance run` with its data directory on a small tmpfs that a test fills up. */
describe('ecs-appliance run on a full disk', { timeout: 90_000 }, () => {
  let work: string;
  let dataDir: string;
  let bundleFile: string;
  let appliance: RunningAppliance;
  const bundle = (revision: string, ports: { alertmanager: number; admin: number }) =>
    `discovery: { enabled: false }\ncomponents: { prometheus: false, grafana: false, nodeExporter: false }\nlisten: { host: 127.0.0.1, alertmanager: ${ports.alertmanager}, admin: ${ports.admin} }\nalertmanager:\n  route: { receiver: default, group_by: [rev${revision}] }\n`;
  let ports: { alertmanager: number; admin: number };

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'full-disk-e2e-'));
    dataDir = join(work, 'data');
    await execa('mkdir', ['-p', dataDir]);
    await execa('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', dataDir]);
    bundleFile = join(work, 'appliance.yml');
    ports = { alertmanager: await freePort(), admin: await freePort() };
    await writeFile(bundleFile, bundle('1', ports));
    appliance = spawnAppliance(
      { ...programEnvironment(), CONFIG_LOCATION: `file://${bundleFile}`, CONFIG_POLL_INTERVAL: '1s', APPLIANCE_DATA_DIR: dataDir, APPLIANCE_ADMIN_ADDR: `127.0.0.1:${ports.admin}` },
      ports.admin,
    );
  });

  after(async () => {
    if (appliance.child.exitCode === null) {
      appliance.child.kill('SIGTERM');
      await appliance.exited;
    }
    await execa('umount', [dataDir], { reject: false });
    await rm(work, { recursive: true, force: true });
  });

  const status = async () => (await getJson<Status>(`${appliance.admin}/status`)).body;

  it('refuses a bundle it cannot write, naming the file, and applies it once space returns', async () => {
    const first = (await eventually('the first bundle applied', 30_000, async () => (await status()).config.applied ?? undefined)).version;
    await execa('dd', ['if=/dev/zero', `of=${join(dataDir, 'filler')}`, 'bs=4k'], { reject: false });
    await writeFile(bundleFile, bundle('2', ports));
    const failed = await eventually('the new bundle failing for lack of space', 15_000, async () => (await status()).config.lastError ?? undefined);
    assert.match(failed.message, /cannot write \/\S+: ENOSPC/);
    assert.equal((await status()).config.applied?.version, first, 'the last good config keeps running');

    await rm(join(dataDir, 'filler'));
    const applied = await eventually('the same bundle applied once there is space', 15_000, async () => {
      const now = await status();
      return now.config.applied && now.config.applied.version !== first ? now : undefined;
    });
    assert.equal(applied.config.lastError, null);
  });
});
