import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { endLeftovers, pidFileText } from '../../supervisor/processes/leftovers.ts';
import { alive, capturingLogger, eventually } from './fixtures.ts';

describe('what a killed supervisor left running', () => {
  it('is ended at the next start when its pid still runs the recorded program, and left alone when the pid was reused', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'leftovers-'));
    const runDir = join(dir, 'run');
    await mkdir(runDir);
    const leftover = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore', detached: true });
    const bystander = spawn('/bin/sleep', ['30'], { stdio: 'ignore', detached: true });
    try {
      await writeFile(join(runDir, 'prometheus.pid'), pidFileText(leftover.pid!, process.execPath));
      // The pid now belongs to another program: a reused pid must not be signalled.
      await writeFile(join(runDir, 'alertmanager.pid'), pidFileText(bystander.pid!, '/usr/bin/prometheus-alertmanager'));
      await writeFile(join(runDir, 'grafana.pid'), pidFileText(999_999_999, '/usr/share/grafana/bin/grafana'));
      const { logger, records } = capturingLogger();
      await endLeftovers(runDir, logger);
      assert.ok(await eventually(() => !alive(leftover.pid!), 5_000), 'the leftover is gone');
      assert.ok(alive(bystander.pid!), 'the process that reused a pid lives on');
      assert.deepEqual(await readdir(runDir), [], 'pid files are cleared');
      assert.ok(records().some((r) => r.msg === 'a previous run left this component running; stopping it' && r.pid === leftover.pid));
    } finally {
      for (const child of [leftover, bystander]) child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }
  });
});
