import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { silentLogger } from '../../supervisor/log.ts';
import { cacheCredentials, type AwsCredentials } from '../../supervisor/proxy/credentials.ts';
import { startEcsCredentialsServer } from './ecs-credentials-server.ts';

/** A provider whose answers the test scripts, counting calls. */
function scripted(answers: (() => Promise<AwsCredentials>)[]) {
  let calls = 0;
  return {
    provider: () => {
      const answer = answers[Math.min(calls, answers.length - 1)]!;
      calls++;
      return answer();
    },
    calls: () => calls,
  };
}

const key = (id: string, expiresAt?: number): AwsCredentials => ({ accessKeyId: id, secretAccessKey: `${id}-secret`, ...(expiresAt !== undefined ? { expiration: new Date(expiresAt) } : {}) });

describe('cacheCredentials', () => {
  it('fetches once and keeps credentials that are far from expiry', async () => {
    let now = 0;
    const source = scripted([async () => key('A', 600_000)]);
    const cache = cacheCredentials(source.provider, { logger: silentLogger, refreshMarginMs: 60_000, now: () => now });
    assert.equal(Number.isNaN(cache.secondsUntilExpiry()), true);
    assert.equal((await cache.get()).accessKeyId, 'A');
    now = 500_000;
    assert.equal((await cache.get()).accessKeyId, 'A');
    assert.equal(source.calls(), 1);
    assert.equal(cache.secondsUntilExpiry(), 100);
  });

  it('inside the margin, keeps signing with the old key while one background refresh runs', async () => {
    let now = 0;
    let release: (c: AwsCredentials) => void = () => {};
    const source = scripted([async () => key('A', 100_000), () => new Promise((resolve) => (release = resolve))]);
    const cache = cacheCredentials(source.provider, { logger: silentLogger, refreshMarginMs: 60_000, now: () => now });
    await cache.get();
    now = 50_000;
    const during = await Promise.all([cache.get(), cache.get(), cache.get()]);
    assert.deepEqual(during.map((c) => c.accessKeyId), ['A', 'A', 'A']);
    assert.equal(source.calls(), 2, 'one refresh for many callers');
    release(key('B', 1_000_000));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal((await cache.get()).accessKeyId, 'B');
  });

  it('survives a failed refresh while the old key is valid, and fails once nothing valid is left', async () => {
    let now = 0;
    const source = scripted([async () => key('A', 100_000), () => Promise.reject(new Error('metadata endpoint down'))]);
    const cache = cacheCredentials(source.provider, { logger: silentLogger, refreshMarginMs: 60_000, now: () => now });
    await cache.get();
    now = 90_000;
    assert.equal((await cache.get()).accessKeyId, 'A');
    now = 100_001;
    await assert.rejects(cache.get(), /metadata endpoint down/);
  });

  it('treats credentials without expiration as permanent', async () => {
    const source = scripted([async () => key('STATIC')]);
    const cache = cacheCredentials(source.provider, { logger: silentLogger });
    await cache.get();
    await cache.get();
    assert.equal(source.calls(), 1);
    assert.equal(cache.secondsUntilExpiry(), Number.POSITIVE_INFINITY);
  });

  it('gets fresh keys from the SDK container-credentials provider before the old ones expire', async () => {
    const ecs = await startEcsCredentialsServer({ lifetimeMs: 1200 });
    try {
      const cache = cacheCredentials(ecs.provider, { logger: silentLogger, refreshMarginMs: 800 });
      const seen = new Set<string>();
      const deadline = Date.now() + 3000;
      while (Date.now() < deadline) {
        const c = await cache.get();
        assert.ok(c.expiration && c.expiration.getTime() > Date.now(), `handed out expired key ${c.accessKeyId}`);
        assert.equal(c.sessionToken, ecs.issued.get(c.accessKeyId)?.sessionToken);
        seen.add(c.accessKeyId);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.ok(seen.size >= 3, `rotated through ${seen.size} keys`);
      assert.ok(ecs.fetches() <= seen.size + 1, `${ecs.fetches()} fetches for ${seen.size} keys: refreshes are not shared`);
    } finally {
      await ecs.close();
    }
  });
});
