import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { FileSdDirectory, publishedTargets } from '../../supervisor/discovery/output/file-sd-directory.ts';
import type { Target } from '../../supervisor/discovery/targets.ts';

const targets = (n: number, tag: string) =>
  publishedTargets(
    Array.from({ length: n }, (_, i): Target => ({ address: `10.0.${Math.floor(i / 250)}.${i % 250}:9100`, labels: { __metrics_path__: '/metrics', __scheme__: 'http', version: tag } })),
  );

describe('target files are replaced atomically', () => {
  it('a reader racing 200 rewrites only ever sees a whole file, old or new; no temp file is left', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'atomic-'));
    try {
      const files = new FileSdDirectory(dir);
      const versions = [targets(2000, 'a').content, targets(10, 'b').content];
      await files.write('c', targets(2000, 'a'));
      let writing = true;
      let reads = 0;
      const reader = (async () => {
        while (writing && reads < 20_000) {
          const text = await readFile(files.fileFor('c'), 'utf8');
          assert.ok(versions.includes(text), `read a file that is neither version (${text.length} bytes)`);
          reads++;
        }
      })();
      for (let i = 0; i < 200; i++) await files.write('c', i % 2 === 0 ? targets(10, 'b') : targets(2000, 'a'));
      writing = false;
      await reader;
      assert.ok(reads > 0);
      assert.deepEqual(await readdir(dir), ['ecs_c.json']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('an empty target list is written as [] and null removes the file', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'atomic-'));
    try {
      const files = new FileSdDirectory(dir);
      await files.write('x', publishedTargets([]));
      assert.equal(await readFile(files.fileFor('x'), 'utf8'), '[]\n');
      await files.write('x', null);
      assert.deepEqual(await readdir(dir), []);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
