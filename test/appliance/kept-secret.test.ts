import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadOrCreateSecret } from '../../supervisor/appliance/kept-secret.ts';

describe('kept secrets (Grafana admin password, secret_key)', () => {
  it('are generated once, owner-only, and read back unchanged afterwards', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kept-secret-'));
    try {
      const file = join(dir, 'grafana', 'secret-key');
      let created = 0;
      const first = await loadOrCreateSecret(file, () => created++);
      const second = await loadOrCreateSecret(file, () => created++);
      assert.equal(first, second);
      assert.equal(created, 1, 'the creation is reported once');
      assert.ok(first.length >= 32, 'long enough to be a key');
      assert.equal((await readFile(file, 'utf8')).trim(), first);
      assert.equal((await stat(file)).mode & 0o777, 0o600);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
