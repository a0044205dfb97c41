import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigPoller } from '../../supervisor/appliance/config-poller.ts';
import { withDeadline, type BundleSource } from '../../supervisor/config/source.ts';

/** A source whose fetch never answers, like a config server that accepted the connection and went quiet. */
const hanging: BundleSource = { description: 'https://config.example/appliance.yml', fetch: () => new Promise(() => {}) };

describe('the config poller', () => {
  it('stops at once while a fetch hangs, without counting it as a failure', async () => {
    const errors: string[] = [];
    const poller = new ConfigPoller({
      source: withDeadline(hanging, 60_000),
      intervalMs: 60_000,
      backoff: { initialMs: 1_000, maxMs: 60_000 },
      onBundle: async () => {},
      onFetchError: async (error) => void errors.push(error.message),
    });
    poller.start();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = Date.now();
    await poller.stop(Date.now() + 5_000);
    assert.ok(Date.now() - started < 1_000, `stop took ${Date.now() - started} ms`);
    assert.deepEqual(errors, []);
  });

  it('counts a fetch that outlives its deadline as a failure, and polls again', async () => {
    const errors: Array<[string, number]> = [];
    const poller = new ConfigPoller({
      source: withDeadline(hanging, 200),
      intervalMs: 60_000,
      backoff: { initialMs: 50, maxMs: 60_000 },
      onBundle: async () => {},
      onFetchError: async (error, failures) => void errors.push([error.message, failures]),
    });
    poller.start();
    await new Promise((resolve) => setTimeout(resolve, 700));
    await poller.stop(Date.now() + 5_000);
    assert.ok(errors.length >= 2, JSON.stringify(errors));
    assert.deepEqual(errors[0], ['https://config.example/appliance.yml: timed out after 0.2 s', 1]);
    assert.equal(errors[1]![1], 2);
    assert.equal(poller.consecutiveFailures, errors.length);
  });
});
