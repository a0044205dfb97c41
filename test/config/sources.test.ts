import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { S3Client } from '@aws-sdk/client-s3';
import { parseConfigLocation } from '../../supervisor/config/location.ts';
import type { Bundle } from '../../supervisor/config/bundle.ts';
import type { BundleSource, FetchResult } from '../../supervisor/config/source.ts';
import { createBundleSource } from '../../supervisor/config/sources/create-source.ts';
import { httpBundleSource } from '../../supervisor/config/sources/http-source.ts';
import { s3ClientFromEnvironment } from '../../supervisor/config/sources/s3-source.ts';
import { startFakeAws, type FakeAws } from '../fake-aws/index.ts';
import { freePort } from '../processes/free-port.ts';

function bundleOf(result: FetchResult): Bundle {
  assert.equal(result.unchanged, false, 'expected a new bundle');
  return (result as { bundle: Bundle }).bundle;
}

function textFiles(bundle: Bundle): Record<string, string> {
  return Object.fromEntries([...bundle.files].map(([path, content]) => [path, content.toString('utf8')]));
}

describe('CONFIG_LOCATION parsing', () => {
  const options = { defaultBundlePath: '/default' };
  it('knows every location kind', () => {
    assert.deepEqual(parseConfigLocation(undefined, options), { kind: 'default', path: '/default' });
    assert.deepEqual(parseConfigLocation('  ', options), { kind: 'default', path: '/default' });
    assert.deepEqual(parseConfigLocation('file:///etc/appliance.yml', options), { kind: 'file', path: '/etc/appliance.yml' });
    assert.deepEqual(parseConfigLocation('s3://my-bucket/monitoring/', options), { kind: 's3', bucket: 'my-bucket', key: 'monitoring/' });
    assert.deepEqual(parseConfigLocation('s3://my-bucket', options), { kind: 's3', bucket: 'my-bucket', key: '' });
    assert.deepEqual(parseConfigLocation('https://example.com/a.yml', options), { kind: 'http', url: 'https://example.com/a.yml' });
  });
  it('refuses plain http unless allowed, and unknown schemes', () => {
    assert.throws(() => parseConfigLocation('http://example.com/a.yml', options), /plain http is refused; use https, or set CONFIG_ALLOW_HTTP=true/);
    assert.deepEqual(parseConfigLocation('http://example.com/a.yml', { ...options, allowHttp: true }), { kind: 'http', url: 'http://example.com/a.yml' });
    assert.throws(() => parseConfigLocation('ftp://example.com/a.yml', options), /expected an s3:\/\/, https:\/\/ or file:\/\/ location/);
    assert.throws(() => parseConfigLocation('s3://Bad_Bucket/x', options), /expected s3:\/\/bucket\/key.yml/);
  });
});

describe('file:// bundles', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bundle-file-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('reads a single YAML file and notices edits by content', async () => {
    const file = join(dir, 'prod.yml');
    await writeFile(file, 'prometheus: {scrapeInterval: 15s}\n');
    const source = createBundleSource(parseConfigLocation(pathToFileURL(file).href, { defaultBundlePath: '' }), { env: {} });
    const first = bundleOf(await source.fetch());
    assert.equal(first.kind, 'file');
    assert.equal(first.mainFile, 'prod.yml');
    assert.deepEqual(textFiles(first), { 'prod.yml': 'prometheus: {scrapeInterval: 15s}\n' });
    assert.deepEqual(await source.fetch(first.version), { unchanged: true, version: first.version });
    await writeFile(file, 'prometheus: {scrapeInterval: 20s}\n');
    assert.notEqual(bundleOf(await source.fetch(first.version)).version, first.version);
  });

  it('reads a folder bundle, only the known files, and requires appliance.yml', async () => {
    const folder = join(dir, 'bundle');
    await mkdir(folder, { recursive: true });
    await assert.rejects(createBundleSource({ kind: 'file', path: folder }, { env: {} }).fetch(), /bundle: the bundle is empty \(no bundle files there/);
    await mkdir(join(folder, 'rules'), { recursive: true });
    await mkdir(join(folder, 'dashboards'), { recursive: true });
    await mkdir(join(folder, 'notes'), { recursive: true });
    await writeFile(join(folder, 'rules', 'app.yml'), 'groups: []\n');
    await writeFile(join(folder, 'rules', 'README.md'), 'ignored');
    await writeFile(join(folder, 'dashboards', 'app.json'), '{"title": "App"}');
    await writeFile(join(folder, 'notes', 'x.yml'), 'ignored');
    const source = createBundleSource({ kind: 'file', path: folder }, { env: {} });
    await assert.rejects(source.fetch(), /no appliance\.yml in the bundle folder \(it has dashboards\/app\.json, rules\/app\.yml\)/);
    await writeFile(join(folder, 'appliance.yml'), '{}\n');
    const bundle = bundleOf(await source.fetch());
    assert.equal(bundle.kind, 'folder');
    assert.equal(bundle.mainFile, 'appliance.yml');
    assert.deepEqual(Object.keys(textFiles(bundle)).sort(), ['appliance.yml', 'dashboards/app.json', 'rules/app.yml']);
  });
});

describe('https:// bundles (plain http allowed for the test)', () => {
  let server: Server;
  let base: string;
  let body = 'prometheus: {scrapeInterval: 15s}\n';
  let useEtag = true;
  const requests: { url: string; ifNoneMatch: string | undefined; status: number }[] = [];
  before(async () => {
    server = createServer((request, response) => {
      const etag = `"${createHash('md5').update(body).digest('hex')}"`;
      let status = 200;
      if (request.url === '/missing.yml') status = 404;
      else if (useEtag && request.headers['if-none-match'] === etag) status = 304;
      requests.push({ url: request.url ?? '', ifNoneMatch: request.headers['if-none-match'], status });
      response.writeHead(status, useEtag && status !== 404 ? { etag, 'content-type': 'application/yaml' } : { 'content-type': 'application/yaml' });
      response.end(status === 200 ? body : undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    assert.ok(address && typeof address === 'object');
    base = `http://127.0.0.1:${address.port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const source = (path: string): BundleSource =>
    createBundleSource(parseConfigLocation(`${base}${path}`, { defaultBundlePath: '', allowHttp: true }), { env: {}, allowHttp: true });

  it('sends If-None-Match with the last ETag and treats 304 as unchanged', async () => {
    requests.length = 0;
    const s = source('/appliance.yml');
    const first = bundleOf(await s.fetch());
    assert.match(first.version, /^etag:"[0-9a-f]{32}"$/);
    assert.deepEqual(textFiles(first), { 'appliance.yml': body });
    assert.deepEqual(await s.fetch(first.version), { unchanged: true, version: first.version });
    body = 'prometheus: {scrapeInterval: 20s}\n';
    const second = bundleOf(await s.fetch(first.version));
    assert.deepEqual(textFiles(second), { 'appliance.yml': body });
    assert.deepEqual(
      requests.map((r) => [r.ifNoneMatch, r.status]),
      [[undefined, 200], [first.version.slice('etag:'.length), 304], [first.version.slice('etag:'.length), 200]],
    );
  });

  it('falls back to a content hash when the server sends no ETag', async () => {
    useEtag = false;
    try {
      const s = source('/appliance.yml');
      const first = bundleOf(await s.fetch());
      assert.match(first.version, /^sha256:/);
      assert.deepEqual(await s.fetch(first.version), { unchanged: true, version: first.version });
    } finally {
      useEtag = true;
    }
  });

  it('reports HTTP errors and refuses folder URLs', async () => {
    await assert.rejects(source('/missing.yml').fetch(), /missing\.yml: HTTP 404/);
    assert.throws(() => source('/bundle/'), /must name a single YAML file, not a folder/);
  });
});

describe('https:// sources under hostile servers', () => {
  let server: Server;
  let base: string;
  const served: string[] = [];
  let plainHits = 0;
  let plain: Server;
  before(async () => {
    plain = createServer((_request, response) => {
      plainHits++;
      response.end('{}\n');
    });
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    const plainPort = (plain.address() as AddressInfo).port;
    server = createServer((request, response) => {
      served.push(request.url ?? '');
      if (request.url === '/hang.yml') return; // never answers
      if (request.url === '/huge.yml') {
        // 200 MB, chunked, no Content-Length.
        response.writeHead(200, { 'content-type': 'application/yaml' });
        const chunk = Buffer.alloc(1024 * 1024, 'a');
        let sent = 0;
        const pump = () => {
          while (sent < 200 && response.write(chunk)) sent++;
          if (sent < 200) response.once('drain', pump);
          else response.end();
        };
        response.on('close', () => (sent = 200));
        pump();
        return;
      }
      if (request.url === '/to-plain.yml') return void response.writeHead(302, { location: `http://127.0.0.1:${plainPort}/appliance.yml` }).end();
      if (request.url === '/to-metadata.yml') return void response.writeHead(307, { location: 'http://169.254.169.254/latest/meta-data/iam/security-credentials/' }).end();
      if (request.url === '/to-task-metadata.yml') return void response.writeHead(301, { location: 'http://169.254.170.2/v2/credentials/x' }).end();
      response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await new Promise<void>((resolve) => plain.close(() => resolve()));
  });

  it('says what went wrong on the network, not "fetch failed"', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    await assert.rejects(httpBundleSource(`${closed}/appliance.yml`, { allowHttp: true }).fetch(), /127\.0\.0\.1:\d+\/appliance\.yml: connection refused \(ECONNREFUSED\)/);
    await assert.rejects(httpBundleSource('http://no-such-host.invalid/appliance.yml', { allowHttp: true }).fetch(), /no-such-host\.invalid\/appliance\.yml: name (not found \(ENOTFOUND\)|lookup failed for now \(EAI_AGAIN\))/);
    const s3 = new S3Client({ endpoint: closed, forcePathStyle: true, region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, maxAttempts: 1 });
    try {
      await assert.rejects(createBundleSource({ kind: 's3', bucket: 'b', key: 'appliance.yml' }, { env: {}, s3Client: s3 }).fetch(), /^Error: s3:\/\/b\/appliance\.yml: connection refused \(ECONNREFUSED\)$/);
    } finally {
      s3.destroy();
    }
  });

  it('fails a server that never answers after the deadline, as a counted failure', async () => {
    const hanging = createBundleSource(parseConfigLocation(`${base}/hang.yml`, { defaultBundlePath: '', allowHttp: true }), { env: {}, allowHttp: true, deadlineMs: 500 });
    const started = Date.now();
    await assert.rejects(hanging.fetch(), /hang\.yml: timed out after 0\.5 s/);
    assert.ok(Date.now() - started < 3_000);
  });

  it('stops reading a huge chunked body at the size limit instead of buffering it', async () => {
    const huge = httpBundleSource(`${base}/huge.yml`, { allowHttp: true });
    const rssBefore = process.memoryUsage().rss;
    await assert.rejects(huge.fetch(), /huge\.yml: more than the 5242880 bytes a bundle file may have/);
    assert.ok(process.memoryUsage().rss - rssBefore < 100 * 1024 * 1024, 'memory stayed far below the body size');
  });

  it('refuses a redirect to plain http or to a metadata address before sending anything there', async () => {
    const followed = (path: string, allowHttp: boolean) => httpBundleSource(`${base}${path}`, { allowHttp }).fetch();
    await assert.rejects(followed('/to-plain.yml', false), /refused the redirect to http:\/\/127\.0\.0\.1:\d+\/appliance\.yml: it is plain http; set CONFIG_ALLOW_HTTP=true to allow it/);
    assert.equal(plainHits, 0, 'no request went to the plain-http address');
    await assert.rejects(followed('/to-metadata.yml', true), /refused the redirect to http:\/\/169\.254\.169\.254\/latest\/meta-data\/iam\/security-credentials\/: it is a link-local address/);
    await assert.rejects(followed('/to-task-metadata.yml', true), /refused the redirect to http:\/\/169\.254\.170\.2\/v2\/credentials\/x: it is a link-local address/);
    assert.equal(bundleOf(await followed('/to-plain.yml', true)).files.get('to-plain.yml')?.toString(), '{}\n', 'allowed when plain http is allowed');
    assert.equal(plainHits, 1);
  });
});

describe('s3:// bundles against the fake AWS', () => {
  let aws: FakeAws;
  let client: S3Client;
  before(async () => {
    aws = await startFakeAws({
      world: {
        accounts: [{ id: '111111111111' }],
        buckets: [{ name: 'config-bucket', objects: { 'single/appliance.yml': 'grafana: {anonymousViewer: true}\n', 'prefix/appliance.yml': '{}\n', 'prefix/rules/app.yml': 'groups: []\n', 'prefix/other.txt': 'ignored' } }],
      },
    });
    client = new S3Client({ endpoint: aws.url, forcePathStyle: true, region: 'us-east-1', credentials: aws.credentials });
  });
  after(async () => {
    client?.destroy();
    await aws?.stop();
  });

  it('fetches one object with a conditional GET on its ETag', async () => {
    const s = createBundleSource({ kind: 's3', bucket: 'config-bucket', key: 'single/appliance.yml' }, { env: {}, s3Client: client });
    const first = bundleOf(await s.fetch());
    assert.equal(first.version, aws.s3.getObject('config-bucket', 'single/appliance.yml')!.etag);
    assert.deepEqual(textFiles(first), { 'appliance.yml': 'grafana: {anonymousViewer: true}\n' });
    assert.deepEqual(await s.fetch(first.version), { unchanged: true, version: first.version });
    aws.s3.putObject('config-bucket', 'single/appliance.yml', 'grafana: {anonymousViewer: false}\n');
    assert.deepEqual(textFiles(bundleOf(await s.fetch(first.version))), { 'appliance.yml': 'grafana: {anonymousViewer: false}\n' });
  });

  it('polls a prefix with one listing and reads objects only when something changed', async () => {
    const s = createBundleSource({ kind: 's3', bucket: 'config-bucket', key: 'prefix' }, { env: {}, s3Client: client });
    const first = bundleOf(await s.fetch());
    assert.deepEqual(textFiles(first), { 'appliance.yml': '{}\n', 'rules/app.yml': 'groups: []\n' });
    const gets = aws.calls.count({ operation: 'GetObject' });
    assert.deepEqual(await s.fetch(first.version), { unchanged: true, version: first.version });
    assert.equal(aws.calls.count({ operation: 'GetObject' }), gets, 'an unchanged listing reads no object');
    aws.s3.putObject('config-bucket', 'prefix/rules/more.yml', 'groups: []\n');
    const second = bundleOf(await s.fetch(first.version));
    assert.deepEqual(Object.keys(textFiles(second)).sort(), ['appliance.yml', 'rules/app.yml', 'rules/more.yml']);
  });

  it('builds its client from AWS_ENDPOINT_URL with path-style addressing', async () => {
    const envClient = s3ClientFromEnvironment({ ...aws.env });
    try {
      assert.equal(await envClient.config.forcePathStyle, true);
      const endpoint = await envClient.config.endpoint?.();
      assert.equal(`${endpoint?.protocol}//${endpoint?.hostname}:${endpoint?.port}`, aws.url);
    } finally {
      envClient.destroy();
    }
  });

  it('fails within its deadline when S3 never answers, with the client the appliance builds, and reads again once S3 does', async () => {
    // The SDK's credential chain reads the process environment.
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
    process.env.AWS_ACCESS_KEY_ID = aws.credentials.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = aws.credentials.secretAccessKey;
    const envClient = s3ClientFromEnvironment({ ...aws.env });
    const hang = aws.faults.add({ service: 's3', kind: 'hang' });
    try {
      const s = createBundleSource({ kind: 's3', bucket: 'config-bucket', key: 'single/appliance.yml' }, { env: {}, s3Client: envClient, deadlineMs: 1_000 });
      const started = Date.now();
      await assert.rejects(s.fetch(), /s3:\/\/config-bucket\/single\/appliance\.yml: timed out after 1 s/);
      assert.ok(Date.now() - started < 4_000);
      hang.remove();
      assert.match(textFiles(bundleOf(await s.fetch()))['appliance.yml']!, /^grafana: /, 'read once S3 answers again');
    } finally {
      hang.remove();
      envClient.destroy();
      for (const [name, value] of [['AWS_ACCESS_KEY_ID', saved.id], ['AWS_SECRET_ACCESS_KEY', saved.secret]] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it('names the object when it does not exist', async () => {
    const s = createBundleSource({ kind: 's3', bucket: 'config-bucket', key: 'nope/appliance.yml' }, { env: {}, s3Client: client });
    await assert.rejects(s.fetch(), /s3:\/\/config-bucket\/nope\/appliance\.yml: NoSuchKey/);
  });
});
