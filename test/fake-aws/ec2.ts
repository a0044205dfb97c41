import { formParams, listParam } from './form.ts';
import { stableHex } from './ids.ts';
import { BadTokenError, paginate } from './pagination.ts';
import { AwsError, type AuthFailure, type CallContext, type ParsedCall, type RawRequest, type RawResponse, type ServiceProtocol } from './protocol.ts';
import { document, el, node } from './xml.ts';
import type { ContainerInstanceSpec } from './world.ts';

/** EC2 Query API (form-encoded POST, XML answers): DescribeInstances over the container instances. */

const XMLNS = 'http://ec2.amazonaws.com/doc/2016-11-15/';

const AUTH_ERRORS: Record<AuthFailure, [string, string, number]> = {
  missing: ['AuthFailure', 'AWS was not able to validate the provided access credentials', 401],
  'unknown-key': ['AuthFailure', 'AWS was not able to validate the provided access credentials', 401],
  'bad-token': ['AuthFailure', 'AWS was not able to validate the provided access credentials', 401],
  expired: ['RequestExpired', 'Request has expired.', 400],
  'bad-signature': ['SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.', 403],
};

export const ec2Protocol: ServiceProtocol = {
  service: 'ec2',

  parse(request: RawRequest): ParsedCall {
    const params = formParams(request);
    const operation = params.get('Action');
    if (!operation) throw new AwsError('MissingAction', 'The request must contain the parameter Action');
    return { operation, input: { params } };
  },

  handle(call, ctx) {
    if (call.operation !== 'DescribeInstances') throw new AwsError('InvalidAction', `The action ${call.operation} is not valid for this web service.`);
    return xmlResponse(describeInstances(call.input.params as URLSearchParams, ctx));
  },

  encodeError(error, requestId): RawResponse {
    const body = `<?xml version="1.0" encoding="UTF-8"?>\n${node('Response', node('Errors', node('Error', el('Code', error.code), el('Message', error.message))), el('RequestID', requestId))}`;
    return { status: error.status, headers: { 'content-type': 'text/xml;charset=UTF-8' }, body };
  },

  authError(failure) {
    const [code, message, status] = AUTH_ERRORS[failure];
    return new AwsError(code, message, status);
  },
  throttleError: () => new AwsError('RequestLimitExceeded', 'Request limit exceeded.', 503),
  serverError: (status) =>
    status === 500 ? new AwsError('InternalError', 'An internal error has occurred', 500) : new AwsError('Unavailable', 'The server is overloaded or there is an issue with the service.', 503),
  accessDenied: () => new AwsError('UnauthorizedOperation', 'You are not authorized to perform this operation.', 403),
  throttleBucket: (operation) => (operation.startsWith('Describe') ? 'ec2:describe' : undefined),
};

const xmlResponse = (body: string): RawResponse => ({ status: 200, headers: { 'content-type': 'text/xml;charset=UTF-8' }, body });

interface Instance extends ContainerInstanceSpec {
  clusterName: string;
}

function describeInstances(params: URLSearchParams, ctx: CallContext): string {
  const ids = listParam(params, 'InstanceId');
  const maxResults = params.get('MaxResults');
  if (ids.length > 0 && maxResults !== null) throw new AwsError('InvalidParameterCombination', 'The parameter instancesSet cannot be used with the parameter maxResults');
  const malformed = ids.find((id) => !/^i-[0-9a-f]{8,17}$/.test(id));
  if (malformed) throw new AwsError('InvalidInstanceID.Malformed', `Invalid id: "${malformed}"`);

  const all: Instance[] = [];
  for (const cluster of ctx.world.region(ctx.principal.accountId, ctx.region)?.clusters ?? []) {
    for (const i of cluster.containerInstances ?? []) all.push({ ...i, clusterName: cluster.name });
  }
  let instances = all;
  if (ids.length > 0) {
    const missing = ids.filter((id) => !all.some((i) => i.ec2InstanceId === id));
    if (missing.length === 1) throw new AwsError('InvalidInstanceID.NotFound', `The instance ID '${missing[0]}' does not exist`);
    if (missing.length > 1) throw new AwsError('InvalidInstanceID.NotFound', `The instance IDs '${missing.join(', ')}' do not exist`);
    instances = all.filter((i) => ids.includes(i.ec2InstanceId));
  }
  instances = instances.filter((i) => filtersFrom(params).every(([name, values]) => values.includes(filterValue(i, name) ?? '\u0000')));

  let limit = instances.length || 1;
  if (maxResults !== null) {
    limit = Number(maxResults);
    if (!Number.isInteger(limit) || limit < 5 || limit > 1000) throw new AwsError('InvalidParameterValue', `Value ( ${maxResults} ) for parameter maxResults is invalid. Expecting a value between 5 and 1000.`);
  }
  let result;
  try {
    result = paginate(instances, limit, params.get('NextToken') ?? undefined, 'ec2-instances');
  } catch (error) {
    if (error instanceof BadTokenError) throw new AwsError('InvalidParameterValue', 'Invalid value for parameter nextToken');
    throw error;
  }
  const reservations = result.items.map((i) => reservationXml(i, ctx));
  return document('DescribeInstancesResponse', XMLNS, el('requestId', ctx.requestId), node('reservationSet', ...reservations), el('nextToken', result.nextToken));
}

function filtersFrom(params: URLSearchParams): [string, string[]][] {
  const filters: [string, string[]][] = [];
  for (let n = 1; params.has(`Filter.${n}.Name`); n++) filters.push([params.get(`Filter.${n}.Name`)!, listParam(params, `Filter.${n}.Value`)]);
  return filters;
}

function filterValue(i: Instance, name: string): string | undefined {
  if (name.startsWith('tag:')) return i.tags?.[name.slice(4)];
  const byName: Record<string, string> = {
    'instance-id': i.ec2InstanceId,
    'private-ip-address': i.privateIp,
    'instance-type': i.instanceType,
    'availability-zone': i.az,
    'instance-state-name': 'running',
  };
  return byName[name];
}

function reservationXml(i: Instance, ctx: CallContext): string {
  const launchTime = new Date(ctx.world.epochSeconds * 1000).toISOString().replace(/\.\d+Z$/, '.000Z');
  const privateDns = `ip-${i.privateIp.replaceAll('.', '-')}.ec2.internal`;
  const tags = Object.entries(i.tags ?? {}).map(([key, value]) => node('item', el('key', key), el('value', value)));
  const instance = node(
    'item',
    el('instanceId', i.ec2InstanceId),
    el('imageId', `ami-${stableHex(`ami/${i.instanceType}`, 17)}`),
    node('instanceState', el('code', 16), el('name', 'running')),
    el('privateDnsName', privateDns),
    el('dnsName', ''),
    el('reason', ''),
    el('amiLaunchIndex', 0),
    node('productCodes'),
    el('instanceType', i.instanceType),
    el('launchTime', launchTime),
    node('placement', el('availabilityZone', i.az), el('groupName', ''), el('tenancy', 'default')),
    node('monitoring', el('state', 'disabled')),
    el('subnetId', `subnet-${stableHex(`subnet/${i.az}`, 17)}`),
    el('vpcId', `vpc-${stableHex(`vpc/${ctx.principal.accountId}/${ctx.region}`, 17)}`),
    el('privateIpAddress', i.privateIp),
    el('architecture', 'x86_64'),
    el('rootDeviceType', 'ebs'),
    el('rootDeviceName', '/dev/xvda'),
    el('virtualizationType', 'hvm'),
    el('hypervisor', 'xen'),
    ...(tags.length > 0 ? [node('tagSet', ...tags)] : []),
  );
  return node(
    'item',
    el('reservationId', `r-${stableHex(`reservation/${i.ec2InstanceId}`, 17)}`),
    el('ownerId', ctx.principal.accountId),
    node('groupSet'),
    node('instancesSet', instance),
  );
}
