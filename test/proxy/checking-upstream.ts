import http, { type IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { decodeRemoteWrite, type TimeSeries } from './remote-write-codec.ts';

export const WORKSPACE_PATH = '/workspaces/ws-test';

/** How the fake AMP answers requests whose signature is good. */
export type Behaviour =
  | { kind: 'accept' }
  | { kind: 'status'; status: number }
  /** Answer after a delay, accepting the data (as a slow but working AMP would). */
  | { kind: 'slow'; delayMs: number }
  /** Drop the connection without answering. */
  | { kind: 'reset' };

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  accessKeyId: string | undefined;
  /** Status we answered with. */
  status: number;
  /** Why the signature was refused, if it was. */
  rejection?: string;
}

export interface CheckingUpstream {
  /** Workspace base URL, as a proxy's upstream. */
  url: string;
  behaviour: Behaviour;
  requests: ReceivedRequest[];
  /** Series from remote_write requests that were answered 2xx, and only those. */
  accepted: TimeSeries[];
  /** TCP connections opened to us so far. */
  connections(): number;
  /** Stops listening and drops connections: AMP unreachable. */
  goDown(): Promise<void>;
  /** Listens again on the same port. */
  comeBack(): Promise<void>;
  close(): Promise<void>;
}

export interface KeyInfo {
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

const AUTH = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/;

/**
 * A stand-in for AMP that checks every request's SigV4 signature with the SDK's own signer
 * (@smithy/signature-v4, not aws4) against keys it knows, refuses expired keys the way AWS does
 * (403), and decodes remote_write payloads. Data counts as delivered only when answered 2xx.
 */
export async function startCheckingUpstream(options: { region: string; service: string; keys: (accessKeyId: string) => KeyInfo | undefined }): Promise<CheckingUpstream> {
  const requests: ReceivedRequest[] = [];
  const accepted: TimeSeries[] = [];
  const sockets = new Set<Socket>();
  let connections = 0;

  const state: { behaviour: Behaviour } = { behaviour: { kind: 'accept' } };

  async function handle(req: IncomingMessage, res: http.ServerResponse): Promise<void> {
    const body = await readAll(req);
    const path = req.url ?? '/';
    const record: ReceivedRequest = { method: req.method ?? 'GET', path, headers: req.headers, body, accessKeyId: undefined, status: 0 };
    requests.push(record);
    const answer = (status: number, text: string) => {
      record.status = status;
      res.writeHead(status, { 'Content-Type': 'text/plain' }).end(text);
    };

    const verdict = await verifySignature(req, body, options);
    record.accessKeyId = verdict.accessKeyId;
    if (verdict.rejection) {
      record.rejection = verdict.rejection;
      return answer(403, verdict.rejection);
    }

    const behaviour = state.behaviour;
    if (behaviour.kind === 'reset') {
      req.socket.destroy();
      return;
    }
    if (behaviour.kind === 'status') return answer(behaviour.status, `configured to answer ${behaviour.status}`);
    if (behaviour.kind === 'slow') await new Promise((resolve) => setTimeout(resolve, behaviour.delayMs));

    if (path === `${WORKSPACE_PATH}/api/v1/remote_write`) {
      let series: TimeSeries[];
      try {
        series = decodeRemoteWrite(body);
      } catch (error) {
        return answer(400, `cannot decode remote_write body: ${(error as Error).message}`);
      }
      if (res.destroyed) return;
      accepted.push(...series);
      return answer(200, '');
    }
    record.status = 200;
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ status: 'success', data: { method: req.method, path, body: body.toString('utf8') } }));
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500).end(String(error));
    });
  });
  server.keepAliveTimeout = 30_000;
  server.on('connection', (socket) => {
    connections++;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const goDown = () =>
    new Promise<void>((resolve) => {
      if (!server.listening) return resolve();
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });

  return {
    url: `http://127.0.0.1:${port}${WORKSPACE_PATH}`,
    get behaviour() {
      return state.behaviour;
    },
    set behaviour(next: Behaviour) {
      state.behaviour = next;
    },
    requests,
    accepted,
    connections: () => connections,
    goDown,
    comeBack: () =>
      new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => {
          server.off('error', reject);
          resolve();
        });
      }),
    close: goDown,
  };
}

async function verifySignature(
  req: IncomingMessage,
  body: Buffer,
  options: { region: string; service: string; keys: (accessKeyId: string) => KeyInfo | undefined },
): Promise<{ accessKeyId?: string; rejection?: string }> {
  const match = AUTH.exec(String(req.headers.authorization ?? ''));
  if (!match) return { rejection: `missing or malformed Authorization header: ${String(req.headers.authorization)}` };
  const [, accessKeyId, date, region, service, signedHeaderList, signature] = match as unknown as string[];
  if (region !== options.region || service !== options.service) return { accessKeyId, rejection: `signed for ${region}/${service}, expected ${options.region}/${options.service}` };
  const key = options.keys(accessKeyId!);
  if (!key) return { accessKeyId, rejection: `unknown access key ${accessKeyId}` };
  if (key.expiration && key.expiration.getTime() <= Date.now()) return { accessKeyId, rejection: 'The security token included in the request is expired' };
  if (key.sessionToken && req.headers['x-amz-security-token'] !== key.sessionToken) return { accessKeyId, rejection: 'session token missing or wrong' };

  const amzDate = String(req.headers['x-amz-date'] ?? '');
  const signingDate = parseAmzDate(amzDate);
  if (!signingDate || !amzDate.startsWith(date!)) return { accessKeyId, rejection: `bad X-Amz-Date '${amzDate}'` };
  if (Math.abs(signingDate.getTime() - Date.now()) > 5 * 60_000) return { accessKeyId, rejection: 'Signature expired' };

  const signedHeaders = signedHeaderList!.split(';');
  for (const required of ['host', 'x-amz-date']) {
    if (!signedHeaders.includes(required)) return { accessKeyId, rejection: `${required} is not signed` };
  }
  const headers: Record<string, string> = {};
  for (const name of signedHeaders) {
    const value = req.headers[name];
    if (value === undefined) return { accessKeyId, rejection: `signed header ${name} is missing` };
    if (name !== 'x-amz-date' && name !== 'x-amz-security-token') headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const url = new URL(req.url ?? '/', 'http://placeholder');
  const query: Record<string, string | string[]> = {};
  for (const [name, value] of url.searchParams) {
    const previous = query[name];
    query[name] = previous === undefined ? value : [...(Array.isArray(previous) ? previous : [previous]), value];
  }
  const signer = new SignatureV4({
    credentials: { accessKeyId: accessKeyId!, secretAccessKey: key.secretAccessKey, ...(key.sessionToken ? { sessionToken: key.sessionToken } : {}) },
    region: options.region,
    service: options.service,
    sha256: Sha256,
    applyChecksum: false,
  });
  const expected = await signer.sign(
    { method: req.method ?? 'GET', protocol: 'http:', hostname: String(req.headers.host), path: url.pathname, query, headers, body },
    { signingDate },
  );
  const expectedAuth = String(expected.headers.authorization ?? expected.headers.Authorization);
  const expectedMatch = AUTH.exec(expectedAuth);
  if (!expectedMatch || expectedMatch[5] !== signedHeaderList || expectedMatch[6] !== signature) {
    return { accessKeyId, rejection: `signature mismatch: got ${String(req.headers.authorization)}, expected ${expectedAuth}` };
  }
  return { accessKeyId };
}

function parseAmzDate(value: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])));
}

function readAll(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
