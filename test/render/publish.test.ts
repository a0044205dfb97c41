import assert from 'node:assert/strict';
import { readdir, readFile, readlink, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Bundle } from '../../supervisor/config/bundle.ts';
import { readDefaultBundle } from '../../supervisor/config/default-bundle.ts';
import { ConfigError } from '../../supervisor/config/errors.ts';
import { dataDirLayout } from '../../supervisor/render/data-dir.ts';
import { publishRelease } from '../../supervisor/render/publish.ts';
import { checkWithTools } from '../../supervisor/render/tool-checks.ts';
import { folderBundle, resolveRelease, run, tempDir, TOOLS } from './fixtures.ts';

const BAD_RULE = 'groups:\n  - name: broken\n    rules:\n      - alert: Broken\n        expr: sum(rate(up[5m]) by\n';

describe('stage → validate → swap', () => {
  let builtin: Bundle;
  let dataDir: string;
  before(async () => {
    builtin = await readDefaultBundle();
    dataDir = await tempDir('publish-test-');
  });
  after(() => rm(dataDir, { recursive: true, force: true }));

  /** What `run` does with a bundle before the components: resolve it, then stage → promtool/amtool → swap. */
  const apply = async (bundle: Bundle) => {
    const release = await resolveRelease(bundle, builtin, { dataDir });
    return publishRelease(release.layout, release.files, (dir, files) => checkWithTools(dir, files, TOOLS, bundle.mainFile));
  };
  const paths = () => dataDirLayout(dataDir);
  const currentConfig = () => readFile(paths().prometheusConfigFile, 'utf8');
  const interval = (seconds: number) => folderBundle({ 'appliance.yml': `prometheus: { scrapeInterval: ${seconds}s }\n` });

  it('publishes a first release behind the current symlink', async () => {
    const result = await apply(interval(30));
    assert.equal(result.changed, true);
    assert.match(await readlink(paths().configCurrent), /^releases\/[\w-]+$/);
    assert.equal(join(paths().configRoot, await readlink(paths().configCurrent)), result.release);
    assert.match(await currentConfig(), /scrape_interval: "30s"/);
    const check = await run(TOOLS.promtool, ['check', 'config', paths().prometheusConfigFile], dataDir);
    assert.equal(check.code, 0, check.output);
  });

  it('reports no change when the rendered files are the same', async () => {
    const before = await readlink(paths().configCurrent);
    const result = await apply(interval(30));
    assert.equal(result.changed, false);
    assert.equal(await readlink(paths().configCurrent), before);
  });

  it('swaps to a new release, keeps the previous one and prunes older ones', async () => {
    const first = await readlink(paths().configCurrent);
    await apply(interval(20));
    const second = await readlink(paths().configCurrent);
    assert.notEqual(second, first);
    assert.equal(await readlink(paths().configPrevious), first);
    await apply(interval(15));
    assert.equal(await readlink(paths().configPrevious), second);
    assert.match(await currentConfig(), /scrape_interval: "15s"/);
    assert.deepEqual((await readdir(paths().configReleases)).sort(), [second.split('/')[1], (await readlink(paths().configCurrent)).split('/')[1]].sort());
  });

  it('never lets a release that fails promtool or amtool become current', async () => {
    const good = await readlink(paths().configCurrent);
    const goodText = await currentConfig();

    await assert.rejects(apply(folderBundle({ 'appliance.yml': '{}\n', 'rules/broken.yml': BAD_RULE })), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /^rules\/broken\.yml:\d+:\d+: promtool check rules failed:/m);
      assert.match(error.message, /broken\.yml/);
      return true;
    });
    await assert.rejects(apply(folderBundle({ 'appliance.yml': 'alertmanager:\n  route: { receiver: nobody }\n  receivers: [{ name: default }]\n' })), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /^appliance\.yml: alertmanager\.route: amtool check-config failed:/m);
      assert.match(error.message, /undefined receiver "nobody" used in route/);
      return true;
    });

    assert.equal(await readlink(paths().configCurrent), good);
    assert.equal(await currentConfig(), goodText);
    // The refused release stays in staging for inspection.
    assert.match(await readFile(join(paths().configStaging, 'alertmanager/alertmanager.yml'), 'utf8'), /nobody/);
  });

  it('keeps the config readable through current while releases are swapped', async () => {
    let reading = true;
    let reads = 0;
    const failures: string[] = [];
    const reader = (async () => {
      while (reading) {
        try {
          const text = await currentConfig();
          if (!/scrape_interval: "(1[0-9]|2[0-9])s"/.test(text)) failures.push(`unexpected content: ${text.slice(0, 80)}`);
          reads++;
        } catch (error) {
          failures.push(String(error));
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    try {
      for (let seconds = 10; seconds < 20; seconds++) await apply(interval(seconds));
    } finally {
      reading = false;
      await reader;
    }
    assert.deepEqual(failures, []);
    assert.ok(reads > 10, `the reader ran (${reads} reads)`);
  });
});
