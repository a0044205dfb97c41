import { isIP } from 'node:net';
import { AwsError, type AuthFailure, type ParsedCall, type RawRequest, type RawResponse, type ServiceProtocol } from './protocol.ts';
import type { S3Object, S3Store } from './s3-store.ts';
import { el, node } from './xml.ts';

/** S3 REST (XML): objects get/head/put/delete and ListObjectsV2, path- and virtual-host-style. */

const XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';

const AUTH_ERRORS: Record<AuthFailure, [string, string, number]> = {
  missing: ['AccessDenied', 'Access Denied', 403],
  'unknown-key': ['InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.', 403],
  'bad-token': ['InvalidToken', 'The provided token is malformed or otherwise invalid.', 400],
  expired: ['ExpiredToken', 'The provided token has expired.', 400],
  'bad-signature': ['SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.', 403],
};

export const s3Protocol: ServiceProtocol = {
  service: 's3',

  parse(request: RawRequest): ParsedCall {
    const { bucket, key } = addressOf(request);
    return { operation: operationOf(request.method, request.query, bucket, key), input: { bucket, key } };
  },

  handle(call, ctx, request) {
    const bucket = call.input.bucket as string;
    const key = call.input.key as string;
    const store = ctx.s3;
    switch (call.operation) {
      case 'ListBuckets':
        throw new AwsError('NotImplemented', 'The fake does not list buckets', 501);
      case 'CreateBucket':
        store.createBucket(bucket);
        return { status: 200, headers: { location: `/${bucket}` } };
      case 'HeadBucket':
        requireBucket(store, bucket);
        return { status: 200, headers: {} };
      case 'ListObjectsV2':
        requireBucket(store, bucket);
        return { status: 200, headers: { 'content-type': 'application/xml' }, body: listObjectsV2(store, bucket, request.query) };
      case 'GetObject':
      case 'HeadObject':
        return readObject(store, bucket, key, request, call.operation === 'HeadObject');
      case 'PutObject': {
        requireBucket(store, bucket);
        const object = store.putObject(bucket, key, payloadOf(request), request.headers['content-type']);
        return { status: 200, headers: { etag: object.etag } };
      }
      case 'DeleteObject':
        requireBucket(store, bucket);
        store.deleteObject(bucket, key);
        return { status: 204, headers: {} };
      default:
        throw new AwsError('NotImplemented', `The fake does not implement S3 ${call.operation}`, 501);
    }
  },

  encodeError(error, requestId, request): RawResponse {
    const headers = { 'content-type': 'application/xml', 'x-amz-request-id': requestId };
    // HEAD answers carry no body; the SDK names the error from the status code alone.
    if (request.method === 'HEAD') return { status: error.status, headers };
    const extra = Object.entries(error.extra).map(([k, v]) => el(k, v));
    const body = `<?xml version="1.0" encoding="UTF-8"?>\n${node('Error', el('Code', error.code), el('Message', error.message), ...extra, el('RequestId', requestId))}`;
    return { status: error.status, headers, body };
  },

  authError(failure) {
    const [code, message, status] = AUTH_ERRORS[failure];
    return new AwsError(code, message, status);
  },
  throttleError: () => new AwsError('SlowDown', 'Please reduce your request rate.', 503),
  serverError: (status) =>
    status === 500 ? new AwsError('InternalError', 'We encountered an internal error. Please try again.', 500) : new AwsError('ServiceUnavailable', 'Please reduce your request rate.', 503),
  accessDenied: () => new AwsError('AccessDenied', 'Access Denied', 403),
  throttleBucket: () => undefined,
};

/** Bucket from the Host (`bucket.localhost`, `bucket.s3.<region>.amazonaws.com`) or the first path part. */
function addressOf(request: RawRequest): { bucket: string; key: string } {
  const host = (request.headers.host ?? '').replace(/:\d+$/, '');
  const virtual = isIP(host) || host === 'localhost' ? undefined : (/^(.+)\.localhost$/.exec(host) ?? /^(.+?)\.s3[.-]/.exec(host))?.[1];
  const parts = request.path.split('/').slice(1);
  const decode = (s: string) => decodeURIComponent(s);
  if (virtual) return { bucket: virtual, key: decode(parts.join('/')) };
  return { bucket: decode(parts[0] ?? ''), key: decode(parts.slice(1).join('/')) };
}

function operationOf(method: string, query: URLSearchParams, bucket: string, key: string): string {
  if (!bucket) return method === 'GET' ? 'ListBuckets' : `${method}Service`;
  if (!key) {
    if (method === 'GET') return query.get('list-type') === '2' ? 'ListObjectsV2' : 'ListObjects';
    if (method === 'PUT') return 'CreateBucket';
    if (method === 'HEAD') return 'HeadBucket';
    return `${method}Bucket`;
  }
  return { GET: 'GetObject', HEAD: 'HeadObject', PUT: 'PutObject', DELETE: 'DeleteObject' }[method] ?? `${method}Object`;
}

function requireBucket(store: S3Store, bucket: string): void {
  if (!store.hasBucket(bucket)) throw new AwsError('NoSuchBucket', 'The specified bucket does not exist', 404, { BucketName: bucket });
}

function objectHeaders(o: S3Object): Record<string, string> {
  return { etag: o.etag, 'last-modified': o.lastModified.toUTCString(), 'content-type': o.contentType, 'accept-ranges': 'bytes' };
}

/** GET/HEAD with S3's conditional semantics: If-Match / If-None-Match win over the date conditions. */
function readObject(store: S3Store, bucket: string, key: string, request: RawRequest, head: boolean): RawResponse {
  requireBucket(store, bucket);
  const o = store.getObject(bucket, key);
  if (!o) throw new AwsError('NoSuchKey', 'The specified key does not exist.', 404, { Key: key });
  const h = request.headers;
  const etagIn = (list: string) => list.split(',').some((t) => t.trim() === '*' || t.trim().replace(/^W\//, '') === o.etag);
  const seconds = (d: string) => Math.floor(new Date(d).getTime() / 1000);
  const modified = Math.floor(o.lastModified.getTime() / 1000);
  const preconditionFailed = new AwsError('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', 412, { Condition: h['if-match'] ? 'If-Match' : 'If-Unmodified-Since' });
  if (h['if-match'] !== undefined && !etagIn(h['if-match'])) throw preconditionFailed;
  if (h['if-match'] === undefined && h['if-unmodified-since'] !== undefined && modified > seconds(h['if-unmodified-since'])) throw preconditionFailed;
  const notModified =
    h['if-none-match'] !== undefined ? etagIn(h['if-none-match']) : h['if-modified-since'] !== undefined && modified <= seconds(h['if-modified-since']);
  if (notModified) return { status: 304, headers: { etag: o.etag, 'last-modified': o.lastModified.toUTCString() } };
  return { status: 200, headers: { ...objectHeaders(o), 'content-length': String(o.body.length) }, ...(head ? {} : { body: o.body }) };
}

/**
 * The object bytes of a PUT. SDK uploads may be `aws-chunked` (each chunk `size[;chunk-signature=..]\r\n
 * data\r\n`, then trailing checksum headers); chunk signatures are not checked.
 */
function payloadOf(request: RawRequest): Buffer {
  const chunked = (request.headers['content-encoding'] ?? '').includes('aws-chunked') || (request.headers['x-amz-content-sha256'] ?? '').startsWith('STREAMING-');
  if (!chunked) return request.body;
  const parts: Buffer[] = [];
  let at = 0;
  const body = request.body;
  while (at < body.length) {
    const lineEnd = body.indexOf('\r\n', at);
    if (lineEnd < 0) break;
    const size = parseInt(body.subarray(at, lineEnd).toString('latin1').split(';')[0]!, 16);
    if (!Number.isFinite(size)) throw new AwsError('IncompleteBody', 'Malformed aws-chunked body');
    if (size === 0) break;
    parts.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

function listObjectsV2(store: S3Store, bucket: string, q: URLSearchParams): string {
  const prefix = q.get('prefix') ?? '';
  const delimiter = q.get('delimiter') ?? '';
  const maxKeys = q.has('max-keys') ? Number(q.get('max-keys')) : 1000;
  if (!Number.isInteger(maxKeys) || maxKeys < 0) throw new AwsError('InvalidArgument', 'Provided max-keys not an integer or within integer range');
  const token = q.get('continuation-token');
  let after = q.get('start-after') ?? '';
  if (token !== null) {
    try {
      after = Buffer.from(token, 'base64url').toString('utf8');
    } catch {
      throw new AwsError('InvalidArgument', 'The continuation token provided is incorrect');
    }
  }

  const contents: string[] = [];
  const commonPrefixes: string[] = [];
  let count = 0;
  let last = '';
  let truncated = false;
  for (const key of store.keys(bucket)) {
    if (!key.startsWith(prefix) || (after && key <= after)) continue;
    const rest = key.slice(prefix.length);
    const cut = delimiter ? rest.indexOf(delimiter) : -1;
    const common = cut >= 0 ? prefix + rest.slice(0, cut + delimiter.length) : undefined;
    if (common !== undefined && commonPrefixes.at(-1) === common) continue;
    if (count === maxKeys) {
      truncated = true;
      break;
    }
    count++;
    if (common !== undefined) {
      commonPrefixes.push(common);
      // Resume after every key under this prefix.
      last = `${common}\u{10FFFF}`;
    } else {
      const o = store.getObject(bucket, key)!;
      contents.push(node('Contents', el('Key', key), el('LastModified', o.lastModified.toISOString()), el('ETag', o.etag), el('Size', o.body.length), el('StorageClass', 'STANDARD')));
      last = key;
    }
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="${XMLNS}">${[
    el('Name', bucket),
    el('Prefix', prefix),
    delimiter ? el('Delimiter', delimiter) : '',
    el('MaxKeys', maxKeys),
    el('KeyCount', count),
    el('IsTruncated', truncated),
    token !== null ? el('ContinuationToken', token) : '',
    truncated ? el('NextContinuationToken', Buffer.from(last).toString('base64url')) : '',
    q.has('start-after') ? el('StartAfter', q.get('start-after')!) : '',
    ...contents,
    ...commonPrefixes.map((p) => node('CommonPrefixes', el('Prefix', p))),
  ].join('')}</ListBucketResult>`;
}
