import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AccountRegionBuckets, TokenBucket } from '../../supervisor/discovery/aws/token-bucket.ts';
import { parseDuration } from '../../supervisor/duration.ts';

describe('client-side token buckets', () => {
  it('serves a burst up to capacity at once, then makes callers wait for the refill', async () => {
    const frozen = () => 0;
    const bucket = new TokenBucket(3, 10, frozen);
    const burstStarted = performance.now();
    for (let i = 0; i < 3; i++) await bucket.take();
    assert.ok(performance.now() - burstStarted < 50, 'the burst does not wait');
    const waitStarted = performance.now();
    await bucket.take();
    assert.ok(performance.now() - waitStarted >= 90, 'at 10/s the fourth call waits ~100 ms for its token');
  });

  it('leaves headroom under the AWS buckets, and meters only the calls AWS meters', () => {
    const buckets = new AccountRegionBuckets();
    assert.equal(buckets.forCommand('DescribeTaskDefinitionCommand')!.capacity, 45);
    assert.equal(buckets.forCommand('ListTasksCommand'), buckets.forCommand('DescribeTasksCommand'), 'ListTasks and DescribeTasks share a bucket');
    assert.equal(buckets.forCommand('DescribeTasksCommand'), buckets.forCommand('DescribeContainerInstancesCommand'));
    assert.equal(buckets.forCommand("DescribeInstancesCommand")!.refillPerSecond, 20 * 0.97);
    assert.equal(buckets.forCommand('AssumeRoleCommand'), undefined);
  });
});

describe('Prometheus durations', () => {
  it('parses compound durations and refuses anything else', () => {
    assert.equal(parseDuration('1h30m'), 5_400_000);
    assert.equal(parseDuration('15s'), 15_000);
    assert.equal(parseDuration('250ms'), 250);
    assert.equal(parseDuration('0'), 0);
    for (const bad of ['', '15', '1.5m', 'soon', '30s1m', '-5s']) assert.equal(parseDuration(bad), undefined, bad);
  });
});
