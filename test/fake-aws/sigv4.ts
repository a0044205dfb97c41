import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import type { CredentialStore, Principal } from './credentials.ts';
import type { AuthFailure, RawRequest } from './protocol.ts';

/** The parts of `Authorization: AWS4-HMAC-SHA256 Credential=AKID/DATE/REGION/SERVICE/aws4_request, ...`. */
export interface SignatureHeader {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

const AUTH = /^AWS4-HMAC-SHA256\s+Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request,\s*SignedHeaders=([^,]+),\s*Signature=([0-9a-f]{64})$/;

export function parseAuthorization(header: string | undefined): SignatureHeader | undefined {
  const m = header ? AUTH.exec(header.trim()) : null;
  if (!m) return undefined;
  return { accessKeyId: m[1]!, date: m[2]!, region: m[3]!, service: m[4]!, signedHeaders: m[5]!.split(';'), signature: m[6]! };
}

export type Authentication = { ok: true; principal: Principal; region: string } | { ok: false; failure: AuthFailure };

/**
 * Checks a request the way AWS does: known key, matching session token, not expired, and the
 * signature recomputed over the signed headers equals the one sent.
 */
export async function authenticate(request: RawRequest, store: CredentialStore): Promise<Authentication> {
  const auth = parseAuthorization(request.headers.authorization);
  if (!auth) return { ok: false, failure: 'missing' };
  const principal = store.lookup(auth.accessKeyId);
  if (!principal) return { ok: false, failure: 'unknown-key' };
  if ((request.headers['x-amz-security-token'] ?? undefined) !== principal.sessionToken) return { ok: false, failure: 'bad-token' };
  if (store.isExpired(principal)) return { ok: false, failure: 'expired' };
  const expected = await expectedSignature(request, auth, principal);
  if (expected !== auth.signature) return { ok: false, failure: 'bad-signature' };
  return { ok: true, principal, region: auth.region };
}

const signers = new Map<string, SignatureV4>();

function signerFor(principal: Principal, service: string): SignatureV4 {
  const key = `${principal.accessKeyId}/${principal.secretAccessKey}/${service}`;
  let signer = signers.get(key);
  if (!signer) {
    signer = new SignatureV4({
      credentials: { accessKeyId: principal.accessKeyId, secretAccessKey: principal.secretAccessKey, sessionToken: principal.sessionToken },
      region: 'us-east-1',
      service,
      sha256: Sha256,
      // S3 signs the path as sent; every other service normalises and encodes it again.
      uriEscapePath: service !== 's3',
      applyChecksum: false,
    });
    signers.set(key, signer);
  }
  return signer;
}

async function expectedSignature(request: RawRequest, auth: SignatureHeader, principal: Principal): Promise<string | undefined> {
  const amzDate = request.headers['x-amz-date'];
  const when = amzDate ? parseAmzDate(amzDate) : undefined;
  if (!when) return undefined;
  const headers: Record<string, string> = {};
  for (const name of auth.signedHeaders) headers[name] = request.headers[name] ?? '';
  const query: Record<string, string | string[]> = {};
  for (const key of new Set(request.query.keys())) {
    const values = request.query.getAll(key);
    query[key] = values.length === 1 ? values[0]! : values;
  }
  const [hostname, port] = (request.headers.host ?? '').split(':');
  const signed = await signerFor(principal, auth.service).sign(
    { method: request.method, protocol: 'http:', hostname: hostname ?? '', port: port ? Number(port) : undefined, path: request.path, query, headers, body: request.body },
    { signingDate: when, signingRegion: auth.region, signingService: auth.service, signableHeaders: new Set(auth.signedHeaders) },
  );
  return parseAuthorization(signed.headers.authorization)?.signature;
}

function parseAmzDate(value: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])));
}
