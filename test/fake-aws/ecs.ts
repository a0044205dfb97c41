import { ecsHandlers } from './ecs-handlers.ts';
import { ecsResourceId } from './ids.ts';
import { AwsError, type AuthFailure, type ParsedCall, type RawRequest, type RawResponse, type ServiceProtocol } from './protocol.ts';

/** ECS over AWS JSON 1.1: `X-Amz-Target: AmazonEC2ContainerServiceV20141113.<Op>`, JSON bodies. */

export const ECS_TARGET_PREFIX = 'AmazonEC2ContainerServiceV20141113.';
const CONTENT_TYPE = 'application/x-amz-json-1.1';

const BUCKETS: Record<string, string> = {
  ListClusters: 'ecs:cluster-read',
  DescribeClusters: 'ecs:cluster-read',
  ListServices: 'ecs:service-read',
  DescribeServices: 'ecs:service-read',
  ListTasks: 'ecs:cluster-resource-read',
  DescribeTasks: 'ecs:cluster-resource-read',
  DescribeContainerInstances: 'ecs:cluster-resource-read',
  DescribeTaskDefinition: 'ecs:task-definition-read',
  ListContainerInstances: 'ecs:cluster-resource-read',
};

const AUTH_ERRORS: Record<AuthFailure, [string, string]> = {
  missing: ['MissingAuthenticationTokenException', 'Missing Authentication Token'],
  'unknown-key': ['UnrecognizedClientException', 'The security token included in the request is invalid.'],
  'bad-token': ['UnrecognizedClientException', 'The security token included in the request is invalid.'],
  expired: ['ExpiredTokenException', 'The security token included in the request is expired'],
  'bad-signature': ['InvalidSignatureException', 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.'],
};

export const ecsProtocol: ServiceProtocol = {
  service: 'ecs',

  parse(request: RawRequest): ParsedCall {
    const target = request.headers['x-amz-target'] ?? '';
    if (!target.startsWith(ECS_TARGET_PREFIX)) throw new AwsError('UnknownOperationException', `Unknown target '${target}'`);
    const operation = target.slice(ECS_TARGET_PREFIX.length);
    let input: Record<string, unknown>;
    try {
      input = request.body.length === 0 ? {} : (JSON.parse(request.body.toString('utf8')) as Record<string, unknown>);
    } catch {
      throw new AwsError('SerializationException', 'Request body is not valid JSON');
    }
    if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new AwsError('SerializationException', 'Request body must be a JSON object');
    const cluster = typeof input.cluster === 'string' ? ecsResourceId(input.cluster) : undefined;
    return { operation, input, ...(cluster ? { cluster } : {}) };
  },

  handle(call, ctx) {
    const handler = ecsHandlers[call.operation];
    if (!handler) throw new AwsError('UnknownOperationException', `The fake does not implement ECS ${call.operation}`);
    return { status: 200, headers: { 'content-type': CONTENT_TYPE, 'x-amzn-requestid': ctx.requestId }, body: JSON.stringify(handler(call.input, ctx)) };
  },

  encodeError(error, requestId): RawResponse {
    return {
      status: error.status,
      headers: { 'content-type': CONTENT_TYPE, 'x-amzn-requestid': requestId },
      body: JSON.stringify({ __type: error.code, message: error.message }),
    };
  },

  authError(failure) {
    const [code, message] = AUTH_ERRORS[failure];
    return new AwsError(code, message, 400);
  },
  throttleError: () => new AwsError('ThrottlingException', 'Rate exceeded', 400),
  serverError: (status) =>
    status === 500 ? new AwsError('ServerException', 'Service encountered an internal error.', 500) : new AwsError('ServiceUnavailableException', 'Service Unavailable', 503),
  accessDenied: (operation, principalArn) =>
    new AwsError('AccessDeniedException', `User: ${principalArn} is not authorized to perform: ecs:${operation} on resource: * because no identity-based policy allows the ecs:${operation} action`, 400),
  throttleBucket: (operation) => BUCKETS[operation],
};
