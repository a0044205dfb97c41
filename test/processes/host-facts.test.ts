import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { containerMemoryLimit, goMemLimit } from '../../supervisor/processes/memory-limit.ts';
import { parseProgramVersion, programVersion } from '../../supervisor/processes/program-version.ts';
import { componentSpecs } from '../../supervisor/processes/specs.ts';
import { PROGRAMS } from '../programs.ts';
import { makeWorkspace } from './fixtures.ts';

describe("the container's memory limit", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cgroup-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const root = async (name: string, files: Record<string, string>) => {
    const base = join(dir, name);
    for (const [file, text] of Object.entries(files)) {
      await mkdir(join(base, file, '..'), { recursive: true });
      await writeFile(join(base, file), text);
    }
    return base;
  };

  it('reads cgroup v2 memory.max and v1 memory.limit_in_bytes', async () => {
    assert.equal(await containerMemoryLimit(await root('v2', { 'memory.max': '2147483648\n' })), 2 ** 31);
    assert.equal(await containerMemoryLimit(await root('v1', { 'memory/memory.limit_in_bytes': '536870912\n' })), 2 ** 29);
  });

  it('is undefined for no limit: "max", v1\'s page-rounded 2^63, or no cgroup files', async () => {
    assert.equal(await containerMemoryLimit(await root('v2-max', { 'memory.max': 'max\n' })), undefined);
    assert.equal(await containerMemoryLimit(await root('v1-max', { 'memory/memory.limit_in_bytes': '9223372036854771712\n' })), undefined);
    assert.equal(await containerMemoryLimit(join(dir, 'absent')), undefined);
  });

  it("gives a share of it as GOMEMLIMIT bytes, and nothing when there is no limit", () => {
    assert.equal(goMemLimit(1000, 0.6), '600');
    assert.equal(goMemLimit(undefined, 0.6), undefined);
  });
});

describe('program versions', () => {
  it('parse what each program prints, upstream and Debian', () => {
    assert.deepEqual(parseProgramVersion('prometheus, version 3.16.0 (branch: HEAD, revision: v3.16.0)'), { text: '3.16.0', major: 3, minor: 16, patch: 0 });
    assert.deepEqual(parseProgramVersion('prometheus, version 2.42.0+ds (branch: debian/sid)')?.text, '2.42.0+ds');
    assert.equal(parseProgramVersion('node_exporter, version 1.12.1 (branch: HEAD)')?.major, 1);
    assert.equal(parseProgramVersion('no version here'), undefined);
  });

  it('come from the real binaries, and a missing one has none', async () => {
    assert.ok((await programVersion(PROGRAMS.prometheus))?.major, 'prometheus --version names a version');
    assert.ok(await programVersion(PROGRAMS.alertmanager));
    assert.ok(await programVersion(PROGRAMS.nodeExporter));
    assert.equal(await programVersion('/nonexistent/prometheus'), undefined);
  });
});

describe('Prometheus argv and environment by version and memory', () => {
  it('2.x gets the expand-external-labels feature flag that 3.x has always on; GOMEMLIMIT goes in its environment', async () => {
    const workspace = await makeWorkspace({ prometheus: true });
    try {
      const spec = (prometheus: object) => componentSpecs({ ...workspace.settings, prometheus: { ...workspace.settings.prometheus, ...prometheus } })[0]!;
      assert.ok(spec({ majorVersion: 2 }).args.includes('--enable-feature=expand-external-labels'));
      assert.ok(!spec({ majorVersion: 3 }).args.some((arg) => arg.startsWith('--enable-feature')));
      assert.deepEqual(spec({ goMemLimit: '644245094' }).env, { GOMEMLIMIT: '644245094' });
      assert.equal(spec({}).env, undefined);
    } finally {
      await workspace.remove();
    }
  });
});
