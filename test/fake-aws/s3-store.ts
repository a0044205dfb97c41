import { createHash } from 'node:crypto';

/** Buckets and objects in memory, shared by all accounts as S3's namespace is global. */

export interface S3Object {
  body: Buffer;
  /** Quoted MD5 hex, as S3 prints it. */
  etag: string;
  lastModified: Date;
  contentType: string;
}

export class S3Store {
  private readonly buckets = new Map<string, Map<string, S3Object>>();

  createBucket(name: string): void {
    if (!this.buckets.has(name)) this.buckets.set(name, new Map());
  }

  hasBucket(name: string): boolean {
    return this.buckets.has(name);
  }

  /** Stores an object, creating the bucket if needed (the test-side helper). */
  putObject(bucket: string, key: string, body: Buffer | string, contentType = 'binary/octet-stream'): S3Object {
    this.createBucket(bucket);
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    // S3 timestamps have one-second resolution on the wire (Last-Modified), so store them that way.
    const lastModified = new Date(Math.floor(Date.now() / 1000) * 1000);
    const object: S3Object = { body: bytes, etag: `"${createHash('md5').update(bytes).digest('hex')}"`, lastModified, contentType };
    this.buckets.get(bucket)!.set(key, object);
    return object;
  }

  getObject(bucket: string, key: string): S3Object | undefined {
    return this.buckets.get(bucket)?.get(key);
  }

  deleteObject(bucket: string, key: string): boolean {
    return this.buckets.get(bucket)?.delete(key) ?? false;
  }

  /** Keys of a bucket in S3's (UTF-8 binary) order. */
  keys(bucket: string): string[] {
    return [...(this.buckets.get(bucket)?.keys() ?? [])].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  }
}
