import { formParams } from './form.ts';
import { AwsError, type AuthFailure, type CallContext, type ParsedCall, type RawRequest, type RawResponse, type ServiceProtocol } from './protocol.ts';
import { document, el, node } from './xml.ts';

/**
 * STS Query API: AssumeRole issues temporary keys that act in the role's account (the credential
 * store maps them there), and GetCallerIdentity says who a key is.
 */

const XMLNS = 'https://sts.amazonaws.com/doc/2011-06-15/';

const AUTH_ERRORS: Record<AuthFailure, [string, string, number]> = {
  missing: ['MissingAuthenticationToken', 'Request is missing Authentication Token', 403],
  'unknown-key': ['InvalidClientTokenId', 'The security token included in the request is invalid.', 403],
  'bad-token': ['InvalidClientTokenId', 'The security token included in the request is invalid.', 403],
  expired: ['ExpiredToken', 'The security token included in the request is expired', 400],
  'bad-signature': ['SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.', 403],
};

export const stsProtocol: ServiceProtocol = {
  service: 'sts',

  parse(request: RawRequest): ParsedCall {
    const params = formParams(request);
    const operation = params.get('Action');
    if (!operation) throw new AwsError('MissingAction', 'Missing Action');
    return { operation, input: { params } };
  },

  handle(call, ctx) {
    const params = call.input.params as URLSearchParams;
    if (call.operation === 'AssumeRole') return xmlResponse(assumeRole(params, ctx));
    if (call.operation === 'GetCallerIdentity') return xmlResponse(getCallerIdentity(ctx));
    throw new AwsError('InvalidAction', `Could not find operation ${call.operation} for version 2011-06-15`);
  },

  encodeError(error, requestId): RawResponse {
    const type = error.status >= 500 ? 'Receiver' : 'Sender';
    const body = document('ErrorResponse', XMLNS, node('Error', el('Type', type), el('Code', error.code), el('Message', error.message)), el('RequestId', requestId));
    return { status: error.status, headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId }, body };
  },

  authError(failure) {
    const [code, message, status] = AUTH_ERRORS[failure];
    return new AwsError(code, message, status);
  },
  throttleError: () => new AwsError('Throttling', 'Rate exceeded', 400),
  serverError: (status) => (status === 500 ? new AwsError('InternalFailure', 'An internal error occurred.', 500) : new AwsError('ServiceUnavailable', 'Service is unavailable.', 503)),
  accessDenied: (operation, principalArn) => new AwsError('AccessDenied', `User: ${principalArn} is not authorized to perform: sts:${operation}`, 403),
  throttleBucket: () => undefined,
};

const xmlResponse = (body: string): RawResponse => ({ status: 200, headers: { 'content-type': 'text/xml' }, body });

function assumeRole(params: URLSearchParams, ctx: CallContext): string {
  const roleArn = params.get('RoleArn') ?? '';
  const sessionName = params.get('RoleSessionName') ?? '';
  if (!roleArn) throw new AwsError('ValidationError', "1 validation error detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null");
  if (!/^[\w+=,.@-]{2,64}$/.test(sessionName)) {
    throw new AwsError('ValidationError', `1 validation error detected: Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*`);
  }
  const denied = new AwsError('AccessDenied', `User: ${ctx.principal.arn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`, 403);
  const accountId = roleArn.split(':')[4] ?? '';
  const role = ctx.world.account(accountId)?.roles?.find((r) => r.arn === roleArn);
  if (!role) throw denied;
  if (role.externalId !== undefined && params.get('ExternalId') !== role.externalId) throw denied;

  const maxDuration = role.maxSessionDurationSeconds ?? 3600;
  const duration = params.has('DurationSeconds') ? Number(params.get('DurationSeconds')) : 3600;
  if (!Number.isInteger(duration) || duration < 900) {
    throw new AwsError('ValidationError', `1 validation error detected: Value '${params.get('DurationSeconds')}' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900`);
  }
  if (duration > maxDuration) throw new AwsError('ValidationError', 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');

  const issued = ctx.credentials.issue(roleArn, sessionName, duration);
  return document(
    'AssumeRoleResponse',
    XMLNS,
    node(
      'AssumeRoleResult',
      node('AssumedRoleUser', el('Arn', issued.arn), el('AssumedRoleId', issued.userId)),
      node(
        'Credentials',
        el('AccessKeyId', issued.accessKeyId),
        el('SecretAccessKey', issued.secretAccessKey),
        el('SessionToken', issued.sessionToken),
        el('Expiration', new Date(issued.expiresAt!).toISOString().replace(/\.\d+Z$/, 'Z')),
      ),
    ),
    node('ResponseMetadata', el('RequestId', ctx.requestId)),
  );
}

function getCallerIdentity(ctx: CallContext): string {
  return document(
    'GetCallerIdentityResponse',
    XMLNS,
    node('GetCallerIdentityResult', el('Arn', ctx.principal.arn), el('UserId', ctx.principal.userId), el('Account', ctx.principal.accountId)),
    node('ResponseMetadata', el('RequestId', ctx.requestId)),
  );
}
