import assert from 'node:assert/strict';
import { readdir, readlink, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadBundleFromCache, saveBundleToCache } from '../../supervisor/config/bundle-cache.ts';
import { parseConfigLocation } from '../../supervisor/config/location.ts';
import { DEFAULT_BUNDLE_DIR } from '../../supervisor/config/package-paths.ts';
import { createBundleSource } from '../../supervisor/config/sources/create-source.ts';
import { fileBundleSource } from '../../supervisor/config/sources/file-source.ts';
import { fetchStartupBundle } from '../../supervisor/config/startup-bundle.ts';
import { folderBundle, tempDir } from '../render/fixtures.ts';

describe('last good bundle cache', () => {
  let cacheDir: string;
  before(async () => {
    cacheDir = await tempDir('bundle-cache-');
  });
  after(() => rm(cacheDir, { recursive: true, force: true }));

  it('returns nothing before anything was saved', async () => {
    assert.equal(await loadBundleFromCache(cacheDir, 's3://cfg/prod/'), undefined);
  });

  it('round-trips a folder bundle for the same location, owner-only on disk', async () => {
    const bundle = folderBundle({ 'appliance.yml': 'grafana: {}\n', 'rules/a.yml': 'groups: []\n', 'dashboards/x.json': '{"title":"x"}' }, 's3://cfg/prod/');
    await saveBundleToCache(cacheDir, 's3://cfg/prod/', bundle);
    const loaded = await loadBundleFromCache(cacheDir, 's3://cfg/prod/');
    assert.ok(loaded);
    assert.equal(loaded.version, bundle.version);
    assert.equal(loaded.kind, 'folder');
    assert.equal(loaded.mainFile, 'appliance.yml');
    assert.match(loaded.source, /^s3:\/\/cfg\/prod\/ \(cached .+\)$/);
    assert.deepEqual(
      Object.fromEntries([...loaded.files].map(([k, v]) => [k, v.toString()])),
      Object.fromEntries([...bundle.files].map(([k, v]) => [k, v.toString()])),
    );
    const entry = join(cacheDir, await readlink(join(cacheDir, 'current')));
    assert.equal((await stat(join(entry, 'files', 'appliance.yml'))).mode & 0o777, 0o600);
  });

  it('ignores a cache saved for another location', async () => {
    assert.equal(await loadBundleFromCache(cacheDir, 's3://cfg/staging/'), undefined);
  });

  it('replaces the entry on save and keeps only the newest', async () => {
    const next = folderBundle({ 'appliance.yml': 'prometheus: { scrapeInterval: 15s }\n' }, 's3://cfg/prod/');
    await saveBundleToCache(cacheDir, 's3://cfg/prod/', next);
    const loaded = await loadBundleFromCache(cacheDir, 's3://cfg/prod/');
    assert.equal(loaded?.version, next.version);
    assert.deepEqual([...(loaded?.files.keys() ?? [])], ['appliance.yml']);
    assert.equal((await readdir(join(cacheDir, 'entries'))).length, 1);
  });
});

describe('starting with an unreachable source', () => {
  let cacheDir: string;
  before(async () => {
    cacheDir = await tempDir('startup-bundle-');
  });
  after(() => rm(cacheDir, { recursive: true, force: true }));

  const unreachable = createBundleSource(parseConfigLocation('http://127.0.0.1:1/appliance.yml', { allowHttp: true, defaultBundlePath: '' }), { env: {}, allowHttp: true });

  it('fails, naming the source, when nothing is cached', async () => {
    await assert.rejects(
      fetchStartupBundle({ source: unreachable, cacheDir, location: 'http://127.0.0.1:1/appliance.yml' }),
      /cannot read the config bundle from http:\/\/127\.0\.0\.1:1\/appliance\.yml and no earlier copy is cached/,
    );
  });

  it('falls back to the last good bundle for that location', async () => {
    const good = folderBundle({ 'appliance.yml': '{}\n' }, 'http://127.0.0.1:1/appliance.yml');
    await saveBundleToCache(cacheDir, 'http://127.0.0.1:1/appliance.yml', good);
    const started = await fetchStartupBundle({ source: unreachable, cacheDir, location: 'http://127.0.0.1:1/appliance.yml' });
    assert.equal(started.fromCache, true);
    assert.equal(started.bundle.version, good.version);
  });

  it('prefers the source when it answers', async () => {
    const started = await fetchStartupBundle({ source: fileBundleSource(DEFAULT_BUNDLE_DIR), cacheDir, location: 'http://127.0.0.1:1/appliance.yml' });
    assert.equal(started.fromCache, false);
    assert.equal(started.bundle.mainFile, 'appliance.yml');
  });
});
