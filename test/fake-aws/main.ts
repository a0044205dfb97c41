import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import process from 'node:process';
import { parseArgs } from 'node:util';
import { startFakeAws } from './index.ts';
import type { S3Store } from './s3-store.ts';

/**
 * `node --import tsx test/fake-aws/main.ts --world FILE [--port N] [--host H] [--latency-ms N]
 *  [--no-throttling] [--s3-seed DIR=s3://bucket/prefix]...`
 * Prints one JSON line (url, keys, region) once listening; stops cleanly on SIGTERM / SIGINT.
 */

const USAGE = 'usage: main.ts --world FILE [--port N] [--host 127.0.0.1] [--latency-ms N] [--no-throttling] [--s3-seed DIR=s3://bucket/prefix]...\n';

function intOption(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer, got '${value}'`);
  return n;
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

/** Uploads every file under DIR to s3://bucket/prefix/<relative path>. */
async function seed(store: S3Store, spec: string): Promise<void> {
  const m = /^(.+)=s3:\/\/([^/]+)\/?(.*)$/.exec(spec);
  if (!m) throw new Error(`--s3-seed must look like DIR=s3://bucket/prefix, got '${spec}'`);
  const [, dir, bucket, rawPrefix] = m as unknown as [string, string, string, string];
  const prefix = rawPrefix === '' || rawPrefix.endsWith('/') ? rawPrefix : `${rawPrefix}/`;
  store.createBucket(bucket);
  for (const file of await filesUnder(dir)) {
    store.putObject(bucket, prefix + path.relative(dir, file).split(path.sep).join('/'), await readFile(file));
  }
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      world: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      'latency-ms': { type: 'string' },
      'no-throttling': { type: 'boolean' },
      's3-seed': { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (!values.world) {
    process.stderr.write(`fake-aws: --world is required\n${USAGE}`);
    return 2;
  }
  const world: unknown = JSON.parse(await readFile(values.world, 'utf8'));
  const aws = await startFakeAws({
    world,
    port: intOption(values.port, 'port', 0),
    host: values.host ?? '127.0.0.1',
    latencyMs: intOption(values['latency-ms'], 'latency-ms', 0),
    throttling: !values['no-throttling'],
  });
  for (const spec of values['s3-seed'] ?? []) await seed(aws.s3, spec);

  process.stdout.write(`${JSON.stringify({ url: aws.url, accessKeyId: aws.credentials.accessKeyId, secretAccessKey: aws.credentials.secretAccessKey, region: aws.env.AWS_REGION })}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  await aws.stop();
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`fake-aws: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
