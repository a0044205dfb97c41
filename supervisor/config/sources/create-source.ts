import type { S3Client } from '@aws-sdk/client-s3';
import type { Environment } from '../env-substitution.ts';
import { describeLocation, type ConfigLocation } from '../location.ts';
import { withDeadline, type BundleSource } from '../source.ts';
import { fileBundleSource } from './file-source.ts';
import { httpBundleSource } from './http-source.ts';
import { s3BundleSource, s3ClientFromEnvironment } from './s3-source.ts';

export interface SourceOptions {
  env: Environment;
  allowHttp?: boolean;
  /** For s3:// locations; built from the environment when not given. */
  s3Client?: S3Client;
  /** Whole-fetch deadline (default DEFAULT_FETCH_DEADLINE_MS). */
  deadlineMs?: number;
}

/** The source for a location, every fetch bounded by a deadline. */
export function createBundleSource(location: ConfigLocation, options: SourceOptions): BundleSource {
  return withDeadline(sourceFor(location, options), options.deadlineMs);
}

function sourceFor(location: ConfigLocation, options: SourceOptions): BundleSource {
  switch (location.kind) {
    case 'default':
    case 'file':
      return fileBundleSource(location.path, describeLocation(location));
    case 'http':
      return httpBundleSource(location.url, { allowHttp: options.allowHttp ?? false });
    case 's3':
      return s3BundleSource(options.s3Client ?? s3ClientFromEnvironment(options.env), location.bucket, location.key);
  }
}
