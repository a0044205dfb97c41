import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CallLog, CallOutcome } from './calls.ts';
import type { CredentialStore } from './credentials.ts';
import { ec2Protocol } from './ec2.ts';
import { ECS_TARGET_PREFIX, ecsProtocol } from './ecs.ts';
import type { FaultKind, Faults } from './faults.ts';
import { requestId as newRequestId } from './ids.ts';
import { AwsError, type ParsedCall, type RawRequest, type RawResponse, type ServiceName, type ServiceProtocol } from './protocol.ts';
import { s3Protocol } from './s3.ts';
import type { S3Store } from './s3-store.ts';
import { authenticate, parseAuthorization } from './sigv4.ts';
import { stsProtocol } from './sts.ts';
import type { Throttler } from './throttling.ts';
import type { FakeWorld } from './world-store.ts';

/** Everything a request may touch; owned by startFakeAws, shared with the test through its handle. */
export interface ServerState {
  world: FakeWorld;
  credentials: CredentialStore;
  s3: S3Store;
  calls: CallLog;
  faults: Faults;
  throttler: Throttler;
  latencyMs: number;
  /** Unexpected exceptions inside handlers (a fake bug or a broken world), newest last. */
  internalErrors: string[];
}

const PROTOCOLS: Record<string, ServiceProtocol> = { ecs: ecsProtocol, ec2: ec2Protocol, sts: stsProtocol, s3: s3Protocol };
const STS_ACTIONS = new Set(['AssumeRole', 'GetCallerIdentity']);

/**
 * Which service a request is for: the ECS target header, else the signing scope's service, else
 * (unsigned requests) a guess from the body so the right service can refuse it.
 */
function protocolFor(request: RawRequest): ServiceProtocol {
  if (request.headers['x-amz-target']?.startsWith(ECS_TARGET_PREFIX)) return ecsProtocol;
  const signed = parseAuthorization(request.headers.authorization)?.service;
  if (signed && PROTOCOLS[signed]) return PROTOCOLS[signed]!;
  if ((request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
    const action = new URLSearchParams(request.body.toString('utf8')).get('Action') ?? '';
    return STS_ACTIONS.has(action) ? stsProtocol : ec2Protocol;
  }
  return s3Protocol;
}

type Outcome = { response: RawResponse; outcome: CallOutcome } | { hang: true };

interface Served {
  outcome: Outcome;
  service: ServiceName;
  operation: string;
  account: string;
  region: string;
}

async function serve(state: ServerState, request: RawRequest, requestId: string): Promise<Served> {
  const protocol = protocolFor(request);
  const fail = (error: AwsError, outcome: CallOutcome): Outcome => ({ response: protocol.encodeError(error, requestId, request), outcome });
  const where: Omit<Served, 'outcome'> = { service: protocol.service, operation: 'unknown', account: 'unknown', region: parseAuthorization(request.headers.authorization)?.region ?? 'unknown' };

  let call: ParsedCall;
  try {
    call = protocol.parse(request);
  } catch (error) {
    if (error instanceof AwsError) return { ...where, outcome: fail(error, 'error') };
    throw error;
  }
  where.operation = call.operation;

  const auth = await authenticate(request, state.credentials);
  if (!auth.ok) return { ...where, outcome: fail(protocol.authError(auth.failure), 'auth-error') };
  where.account = auth.principal.accountId;
  where.region = auth.region;

  const fault = state.faults.take({ service: protocol.service, operation: call.operation, account: where.account, region: where.region, ...(call.cluster ? { cluster: call.cluster } : {}) });
  if (fault) return { ...where, outcome: applyFault(fault, protocol, call, auth.principal.arn, fail) };

  if (!state.throttler.take(where.account, where.region, protocol.throttleBucket(call.operation))) {
    return { ...where, outcome: fail(protocol.throttleError(), 'throttled') };
  }

  try {
    const ctx = { principal: auth.principal, region: auth.region, world: state.world, credentials: state.credentials, s3: state.s3, requestId };
    return { ...where, outcome: { response: await protocol.handle(call, ctx, request), outcome: 'ok' } };
  } catch (error) {
    if (error instanceof AwsError) return { ...where, outcome: fail(error, 'error') };
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    state.internalErrors.push(`${protocol.service}:${call.operation}: ${message}`);
    return { ...where, outcome: fail(new AwsError('InternalFailure', `fake-aws internal error: ${error instanceof Error ? error.message : String(error)}`, 500), 'error') };
  }
}

function applyFault(kind: FaultKind, protocol: ServiceProtocol, call: ParsedCall, principalArn: string, fail: (e: AwsError, o: CallOutcome) => Outcome): Outcome {
  switch (kind) {
    case 'hang':
      return { hang: true };
    case 'http500':
      return fail(protocol.serverError(500), 'fault');
    case 'http503':
      return fail(protocol.serverError(503), 'fault');
    case 'throttle':
      return fail(protocol.throttleError(), 'fault');
    case 'badCredentials':
      return fail(protocol.authError('unknown-key'), 'fault');
    case 'expiredToken':
      return fail(protocol.authError('expired'), 'fault');
    case 'accessDenied':
      return fail(protocol.accessDenied(call.operation, principalArn), 'fault');
  }
}

async function readRequest(req: IncomingMessage): Promise<RawRequest> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
  return {
    method: req.method ?? 'GET',
    path: q < 0 ? url : url.slice(0, q),
    query: new URLSearchParams(q < 0 ? '' : url.slice(q + 1)),
    headers,
    body: Buffer.concat(chunks),
  };
}

export interface RunningServer {
  server: Server;
  port: number;
  close(): Promise<void>;
}

export async function listen(state: ServerState, host: string, port: number): Promise<RunningServer> {
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const requestId = newRequestId();
    const request = await readRequest(req);
    if (state.latencyMs > 0) await sleep(state.latencyMs);
    const result = await serve(state, request, requestId);
    const { outcome } = result;
    state.calls.record({ service: result.service, operation: result.operation, account: result.account, region: result.region, outcome: 'hang' in outcome ? 'fault' : outcome.outcome });
    if ('hang' in outcome) return; // the socket stays open until the client gives up or the server stops
    if (res.destroyed) return;
    res.writeHead(outcome.response.status, { 'x-amzn-requestid': requestId, 'x-amz-request-id': requestId, ...outcome.response.headers });
    res.end(outcome.response.body);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      state.internalErrors.push(`request handling: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      if (!res.headersSent && !res.destroyed) res.writeHead(500).end();
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('fake-aws server has no TCP address');
  return {
    server,
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Hung and keep-alive connections would otherwise hold close() open.
        server.closeAllConnections();
      }),
  };
}
