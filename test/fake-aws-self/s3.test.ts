import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Agent } from 'node:http';
import type { LookupAddress } from 'node:dns';
import { after, before, describe, test } from 'node:test';
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client, paginateListObjectsV2 } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { startFakeAws, type FakeAws } from '../fake-aws/index.ts';
import { clientConfig, smallWorld } from './fixtures.ts';

const failure = async (promise: Promise<unknown>): Promise<{ name: string; status?: number }> => {
  try {
    await promise;
  } catch (error) {
    const e = error as Error & { $metadata?: { httpStatusCode?: number } };
    return { name: e.name, status: e.$metadata?.httpStatusCode };
  }
  return { name: 'no error' };
};

describe('fake S3 against the real SDK client', () => {
  let aws: FakeAws;
  let s3: S3Client;
  before(async () => {
    aws = await startFakeAws({ world: { ...smallWorld(), buckets: [{ name: 'config', objects: { 'seeded.txt': 'from the world file' } }] } });
    s3 = new S3Client({ ...clientConfig(aws), forcePathStyle: true });
  });
  after(async () => {
    s3.destroy();
    await aws.stop();
    assert.deepEqual(aws.internalErrors, []);
  });

  test('put, get, head and delete an object, with ETag and Last-Modified', async () => {
    const put = await s3.send(new PutObjectCommand({ Bucket: 'config', Key: 'dir/a b+c.yml', Body: 'scrape: yes\n', ContentType: 'text/yaml' }));
    assert.equal(put.ETag, `"${createHash('md5').update('scrape: yes\n').digest('hex')}"`);
    const got = await s3.send(new GetObjectCommand({ Bucket: 'config', Key: 'dir/a b+c.yml' }));
    assert.equal(await got.Body?.transformToString(), 'scrape: yes\n');
    assert.equal(got.ETag, put.ETag);
    assert.equal(got.ContentType, 'text/yaml');
    assert.ok(got.LastModified instanceof Date);
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'config', Key: 'dir/a b+c.yml' }));
    assert.equal(head.ContentLength, 12);
    await s3.send(new DeleteObjectCommand({ Bucket: 'config', Key: 'dir/a b+c.yml' }));
    assert.deepEqual(await failure(s3.send(new GetObjectCommand({ Bucket: 'config', Key: 'dir/a b+c.yml' }))), { name: 'NoSuchKey', status: 404 });
    assert.deepEqual(await failure(s3.send(new HeadObjectCommand({ Bucket: 'config', Key: 'dir/a b+c.yml' }))), { name: 'NotFound', status: 404 });
    assert.deepEqual(await failure(s3.send(new GetObjectCommand({ Bucket: 'nope', Key: 'x' }))), { name: 'NoSuchBucket', status: 404 });
  });

  test('conditional GET answers 304 when the ETag or date still matches', async () => {
    const seeded = await s3.send(new GetObjectCommand({ Bucket: 'config', Key: 'seeded.txt' }));
    assert.equal(await seeded.Body?.transformToString(), 'from the world file');
    assert.equal((await failure(s3.send(new GetObjectCommand({ Bucket: 'config', Key: 'seeded.txt', IfNoneMatch: seeded.ETag })))).status, 304);
    assert.equal((await failure(s3.send(new GetObjectCommand({ Bucket: 'config', Key: 'seeded.txt', IfModifiedSince: seeded.LastModified })))).status, 304);
    assert.equal((await failure(s3.send(new GetObjectCommand({ Bucket: 'config', Key: 'seeded.txt', IfMatch: '"other"' })))).status, 412);
    aws.s3.putObject('config', 'seeded.txt', 'changed by the test');
    const changed = await s3.send(new GetObjectCommand({ Bucket: 'config', Key: 'seeded.txt', IfNoneMatch: seeded.ETag }));
    assert.equal(await changed.Body?.transformToString(), 'changed by the test');
  });

  test('ListObjectsV2 pages with continuation tokens, prefixes and delimiters', async () => {
    for (let i = 0; i < 7; i++) aws.s3.putObject('listing', `rules/${i}.yml`, `r${i}`);
    aws.s3.putObject('listing', 'rules/sub/deep.yml', 'd');
    aws.s3.putObject('listing', 'other.txt', 'o');
    const keys: string[] = [];
    let pages = 0;
    for await (const page of paginateListObjectsV2({ client: s3, pageSize: 3 }, { Bucket: 'listing', Prefix: 'rules/' })) {
      pages++;
      keys.push(...(page.Contents ?? []).map((c) => c.Key!));
    }
    assert.equal(pages, 3);
    assert.deepEqual(keys, [...Array.from({ length: 7 }, (_, i) => `rules/${i}.yml`), 'rules/sub/deep.yml']);
    const top = await s3.send(new ListObjectsV2Command({ Bucket: 'listing', Delimiter: '/' }));
    assert.deepEqual(top.Contents?.map((c) => c.Key), ['other.txt']);
    assert.deepEqual(top.CommonPrefixes?.map((p) => p.Prefix), ['rules/']);
    assert.equal(top.KeyCount, 2);
  });

  test('virtual-host-style addressing reaches the same bucket', async () => {
    // bucket.localhost must reach the loopback server whatever the resolver says about it.
    const lookup = (_host: string, options: { all?: boolean }, callback: (e: Error | null, a: string | LookupAddress[], f?: number) => void) =>
      options.all ? callback(null, [{ address: '127.0.0.1', family: 4 }]) : callback(null, '127.0.0.1', 4);
    const virtual = new S3Client({
      ...clientConfig(aws),
      endpoint: `http://localhost:${aws.port}`,
      forcePathStyle: false,
      requestHandler: new NodeHttpHandler({ httpAgent: new Agent({ lookup } as ConstructorParameters<typeof Agent>[0]) }),
    });
    try {
      await virtual.send(new PutObjectCommand({ Bucket: 'config', Key: 'virtual.txt', Body: 'hosted' }));
      assert.equal(aws.s3.getObject('config', 'virtual.txt')?.body.toString(), 'hosted');
      const got = await virtual.send(new GetObjectCommand({ Bucket: 'config', Key: 'virtual.txt' }));
      assert.equal(await got.Body?.transformToString(), 'hosted');
    } finally {
      virtual.destroy();
    }
  });
});
