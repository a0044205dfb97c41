import { createHash } from 'node:crypto';
import { GetObjectCommand, ListObjectsV2Command, S3Client, type GetObjectCommandOutput } from '@aws-sdk/client-s3';
import { assertFileCount, assertFileSize, contentVersion, folderMainFile, isFolderBundlePath, isSingleFileName, readWithinLimit, type Bundle } from '../bundle.ts';
import { describeNetworkError } from '../../net-errors.ts';
import type { Environment } from '../env-substitution.ts';
import type { BundleSource, FetchResult } from '../source.ts';

/**
 * An S3 client from the standard credential chain. An endpoint override (`AWS_ENDPOINT_URL_S3` or
 * `AWS_ENDPOINT_URL`: MinIO, LocalStack, a test double) gets path-style addressing, since such
 * endpoints rarely serve bucket sub-domains.
 */
export function s3ClientFromEnvironment(env: Environment): S3Client {
  const endpoint = env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL;
  return new S3Client({
    region: env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1',
    followRegionRedirects: true,
    maxAttempts: 3,
    // Without throwOnRequestTimeout a stalled request only logs a warning and never fails.
    requestHandler: { requestTimeout: 15_000, connectionTimeout: 5_000, throwOnRequestTimeout: true },
    ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
  });
}

/**
 * A bundle in S3: one object (`s3://bucket/appliance.yml`) or a prefix (`s3://bucket/monitoring/`).
 * One object is polled with a conditional GET on its ETag. A prefix is polled with a listing;
 * only when some key or ETag differs are the objects read, each pinned to its listed ETag so the
 * bundle never mixes files from before and after an upload.
 */
export function s3BundleSource(client: S3Client, bucket: string, key: string): BundleSource {
  if (key !== '' && !key.endsWith('/') && isSingleFileName(key)) return singleObjectSource(client, bucket, key);
  return prefixSource(client, bucket, key === '' || key.endsWith('/') ? key : `${key}/`);
}

function singleObjectSource(client: S3Client, bucket: string, key: string): BundleSource {
  const description = `s3://${bucket}/${key}`;
  const mainFile = key.slice(key.lastIndexOf('/') + 1);
  return {
    description,
    async fetch(previousVersion?: string, signal?: AbortSignal): Promise<FetchResult> {
      let response: GetObjectCommandOutput;
      try {
        response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key, ...(previousVersion ? { IfNoneMatch: previousVersion } : {}) }), abortable(signal));
      } catch (error) {
        if (previousVersion && statusOf(error) === 304) return { unchanged: true, version: previousVersion };
        throw describeS3Error(description, error);
      }
      const content = await readBody(description, response);
      const files = new Map([[mainFile, content]]);
      const version = response.ETag || contentVersion(files);
      if (version === previousVersion) return { unchanged: true, version };
      return { unchanged: false, bundle: { kind: 'file', mainFile, files, version, source: description } };
    },
  };
}

function prefixSource(client: S3Client, bucket: string, prefix: string): BundleSource {
  const description = `s3://${bucket}/${prefix}`;
  return {
    description,
    async fetch(previousVersion?: string, signal?: AbortSignal): Promise<FetchResult> {
      const objects = await listBundleObjects(client, bucket, prefix, description, signal);
      const version = listingVersion(objects);
      if (version === previousVersion) return { unchanged: true, version };
      const files = new Map<string, Buffer>();
      for (const object of objects) {
        let response: GetObjectCommandOutput;
        try {
          response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: prefix + object.relative, IfMatch: object.etag }), abortable(signal));
        } catch (error) {
          if (statusOf(error) === 412) throw new Error(`${description}: ${object.relative} changed while the bundle was read; it will be read again on the next poll`);
          throw describeS3Error(`${description}${object.relative}`, error);
        }
        files.set(object.relative, await readBody(object.relative, response));
      }
      const bundle: Bundle = { kind: 'folder', mainFile: folderMainFile(files, description), files, version, source: description };
      return { unchanged: false, bundle };
    },
  };
}

interface ListedObject {
  relative: string;
  etag: string;
}

async function listBundleObjects(client: S3Client, bucket: string, prefix: string, description: string, signal: AbortSignal | undefined): Promise<ListedObject[]> {
  const objects: ListedObject[] = [];
  let continuationToken: string | undefined;
  do {
    let page;
    try {
      page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ...(continuationToken ? { ContinuationToken: continuationToken } : {}) }), abortable(signal));
    } catch (error) {
      throw describeS3Error(description, error);
    }
    for (const item of page.Contents ?? []) {
      const relative = item.Key?.slice(prefix.length) ?? '';
      if (!isFolderBundlePath(relative)) continue;
      assertFileSize(relative, item.Size ?? 0);
      objects.push({ relative, etag: item.ETag ?? '' });
    }
    assertFileCount(description, objects.length);
    continuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (continuationToken);
  return objects.sort((a, b) => (a.relative < b.relative ? -1 : a.relative > b.relative ? 1 : 0));
}

function listingVersion(objects: readonly ListedObject[]): string {
  const hash = createHash('sha256');
  for (const object of objects) hash.update(`${object.relative}\0${object.etag}\n`);
  return `list:${hash.digest('hex')}`;
}

async function readBody(name: string, response: GetObjectCommandOutput): Promise<Buffer> {
  if (!response.Body) throw new Error(`${name}: S3 returned no body`);
  assertFileSize(name, response.ContentLength ?? 0);
  return readWithinLimit(name, response.Body as AsyncIterable<Uint8Array>);
}

function abortable(signal: AbortSignal | undefined): { abortSignal?: AbortSignal } {
  return signal ? { abortSignal: signal } : {};
}

function statusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}

function describeS3Error(what: string, error: unknown): Error {
  const status = statusOf(error);
  // No HTTP status: S3 was never reached (refused, name not found, TLS) and Node's error says why.
  if (status === undefined && error instanceof Error && (error.name === 'Error' || error.name === 'TimeoutError')) {
    return new Error(`${what}: ${describeNetworkError(error)}`, { cause: error });
  }
  const name = (error as { name?: string } | undefined)?.name ?? 'Error';
  const message = error instanceof Error ? error.message : String(error);
  return new Error(`${what}: ${name}${status ? ` (HTTP ${status})` : ''}: ${message}`, { cause: error });
}
