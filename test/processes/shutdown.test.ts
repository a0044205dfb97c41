import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { alive, eventually, makeWorkspace, type Workspace } from './fixtures.ts';

const entry = fileURLToPath(new URL('./supervisor-entry.ts', import.meta.url));

/** Runs the entry script as a real process; resolves its child pids once it reports them. */
async function launch(workspace: Workspace, mode?: 'crash') {
  const settingsFile = join(workspace.dir, 'settings.json');
  await writeFile(settingsFile, JSON.stringify(workspace.settings));
  const child = spawn(process.execPath, ['--import', 'tsx', entry, settingsFile, ...(mode ? [mode] : [])], { stdio: ['ignore', 'pipe', 'pipe'] });
  const stderr: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (line) => stderr.push(line));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const pids = await new Promise<number[]>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no pids within 40 s; stderr:\n${stderr.slice(-20).join('\n')}`)), 40_000);
    createInterface({ input: child.stdout! }).once('line', (line) => {
      clearTimeout(timer);
      resolve((JSON.parse(line) as { pids: number[] }).pids);
    });
  });
  return { child, pids, exited, stderr };
}

describe('the supervisor as a real process', () => {
  const workspaces: Workspace[] = [];
  const children: Array<{ kill(signal: NodeJS.Signals): boolean }> = [];
  after(async () => {
    for (const child of children) child.kill('SIGKILL');
    for (const workspace of workspaces) await workspace.remove();
  });

  it('exits 0 on SIGTERM after stopping every child, and its log stream stays valid JSON', async () => {
    const workspace = await makeWorkspace({ prometheus: true, alertmanager: true, 'node-exporter': true });
    workspaces.push(workspace);
    const run = await launch(workspace);
    children.push(run.child);
    assert.equal(run.pids.length, 3);
    assert.ok(run.pids.every(alive));
    const began = Date.now();
    run.child.kill('SIGTERM');
    run.child.kill('SIGINT'); // a second signal must not cut the orderly stop short
    const exit = await run.exited;
    assert.deepEqual(exit, { code: 0, signal: null }, run.stderr.slice(-10).join('\n'));
    assert.ok(Date.now() - began < 10_000);
    for (const pid of run.pids) assert.equal(alive(pid), false, `child ${pid} is gone`);
    const records = run.stderr.map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.ok(records.some((r) => r.msg === 'already stopping; signal ignored'));
    const stopped = records.filter((r) => r.msg === 'stopped').map((r) => r.component);
    assert.deepEqual(stopped, ['alertmanager', 'node-exporter', 'prometheus']);
  });

  it('takes its children with it when it is killed with SIGKILL, and the next start in the same data directory finds nothing in its way', async () => {
    const workspace = await makeWorkspace({ prometheus: true, alertmanager: true, 'node-exporter': true });
    workspaces.push(workspace);
    const run = await launch(workspace);
    children.push(run.child);
    assert.ok(run.pids.every(alive));
    run.child.kill('SIGKILL');
    await run.exited;
    assert.ok(await eventually(() => run.pids.every((pid) => !alive(pid)), 10_000), `children outlived a SIGKILLed supervisor: ${run.pids.filter(alive).join(', ')}`);
    const again = await launch(workspace);
    children.push(again.child);
    assert.equal(again.pids.length, 3, 'every component started again on the same ports');
    again.child.kill('SIGTERM');
    assert.deepEqual(await again.exited, { code: 0, signal: null });
  });

  it('takes its children with it when it dies of an uncaught error', async () => {
    const workspace = await makeWorkspace({ prometheus: true, 'node-exporter': true });
    workspaces.push(workspace);
    const run = await launch(workspace, 'crash');
    children.push(run.child);
    const exit = await run.exited;
    assert.equal(exit.code, 1);
    assert.ok(await eventually(() => run.pids.every((pid) => !alive(pid)), 5_000), 'no child outlives the supervisor');
  });
});
