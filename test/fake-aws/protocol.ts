import type { FakeWorld } from './world-store.ts';
import type { CredentialStore, Principal } from './credentials.ts';
import type { S3Store } from './s3-store.ts';

/** The pieces every service speaks through: a raw request in, a raw response out. */

export type ServiceName = 'ecs' | 'ec2' | 'sts' | 's3';

export interface RawRequest {
  method: string;
  /** Path as sent, still percent-encoded. */
  path: string;
  /** Decoded query parameters. */
  query: URLSearchParams;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  body: Buffer;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body?: Buffer | string;
}

/** A request after its service's wire format was decoded. */
export interface ParsedCall {
  operation: string;
  /** Operation input in the service's own shape (JSON body, form fields, path parts). */
  input: Record<string, unknown>;
  /** The ECS cluster a call targets, for fault rules that name one. */
  cluster?: string;
}

/** An error the service would answer with; each protocol encodes it its own way. */
export class AwsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    /** Extra fields some wire formats carry (S3's <Key>, <BucketName>). */
    readonly extra: Record<string, string> = {},
  ) {
    super(message);
  }
}

export type AuthFailure = 'missing' | 'unknown-key' | 'bad-token' | 'expired' | 'bad-signature';

export interface CallContext {
  principal: Principal;
  region: string;
  world: FakeWorld;
  credentials: CredentialStore;
  s3: S3Store;
  requestId: string;
}

export interface ServiceProtocol {
  readonly service: ServiceName;
  parse(request: RawRequest): ParsedCall;
  handle(call: ParsedCall, ctx: CallContext, request: RawRequest): RawResponse | Promise<RawResponse>;
  encodeError(error: AwsError, requestId: string, request: RawRequest): RawResponse;
  /** The error this service answers for each way authentication can fail. */
  authError(failure: AuthFailure): AwsError;
  throttleError(): AwsError;
  serverError(status: 500 | 503): AwsError;
  /** What the service says when IAM denies the caller this operation. */
  accessDenied(operation: string, principalArn: string): AwsError;
  /** The token bucket an operation draws from, or undefined when it is not throttled. */
  throttleBucket(operation: string): string | undefined;
}
